import Foundation

/// Multi-head scaled dot-product attention (PyTorch's `nn.MultiheadAttention`, `batch_first=True`).
///
/// Parameters keep PyTorch's names: `in_proj_weight [3E, E]`, `in_proj_bias [3E]`, `out_proj.weight`,
/// `out_proj.bias`. Attention-weight dropout is applied in training mode.
public final class MultiHeadAttention: Module {
    public let embedDim, numHeads: Int
    public let inProjWeight, inProjBias: Tensor
    public let outProj: Linear
    let attnDropout: Dropout

    public init(embedDim: Int, numHeads: Int, dropout: Float = 0, rng: inout RandomGenerator) {
        precondition(embedDim % numHeads == 0, "MultiHeadAttention: embedDim \(embedDim) not divisible by \(numHeads) heads")
        self.embedDim = embedDim; self.numHeads = numHeads
        let xavier = (6 / Float(embedDim + 3 * embedDim)).squareRoot()
        inProjWeight = uniformParameter([3 * embedDim, embedDim], bound: xavier, rng: &rng)
        inProjBias = Tensor.zeros([3 * embedDim], requiresGrad: true)
        let projection = Linear(embedDim, embedDim, rng: &rng)
        projection.bias!.storage.pointer.update(repeating: 0, count: embedDim)
        outProj = projection
        attnDropout = Dropout(dropout, seed: rng.next())
    }

    public override func ownParameters() -> [(String, Tensor)] {
        [("in_proj_weight", inProjWeight), ("in_proj_bias", inProjBias)]
    }
    public override func children() -> [(String, Module)] { [("out_proj", outProj), ("attn_dropout", attnDropout)] }

    /// Attends from `query [B, Lq, E]` to `key`/`value [B, Lk, E]`. A batch of 1 on either side broadcasts against
    /// the other (one query set attending into many memories is computed once).
    ///
    /// - Parameters:
    ///   - query: the attending sequence `[B, Lq, E]`.
    ///   - key: the attended sequence's keys `[B, Lk, E]`.
    ///   - value: the attended sequence's values `[B, Lk, E]`.
    ///   - mask: additive mask broadcastable to `[B, heads, Lq, Lk]` (−∞ blocks a position).
    /// - Returns: the output `[B, Lq, E]` and the attention weights averaged over heads `[B, Lq, Lk]`.
    public func callAsFunction(query: Tensor, key: Tensor, value: Tensor, mask: Tensor? = nil) -> (Tensor, Tensor) {
        let e = embedDim, h = numHeads, d = e / h
        let lq = query.shape[1], lk = key.shape[1]
        let w = inProjWeight.chunked(3, axis: 0), bias = inProjBias.chunked(3, axis: 0)
        // Each input keeps its own batch: a query batch of 1 broadcasts against any key batch.
        func heads(_ x: Tensor, _ i: Int, _ len: Int) -> Tensor {
            Tensor.linear(x, weight: w[i], bias: bias[i]).reshaped([x.shape[0], len, h, d]).permuted([0, 2, 1, 3])
        }
        let q = heads(query, 0, lq) * (1 / Float(d).squareRoot()), k = heads(key, 1, lk), v = heads(value, 2, lk)
        var scores = q.matmul(k.transposed()) // [B, h, Lq, Lk]
        if let mask { scores = scores + mask }
        let weights = scores.softmax(axis: -1)
        let context = attnDropout(weights).matmul(v).permuted([0, 2, 1, 3]).reshaped([weights.shape[0], lq, e])
        return (outProj(context), weights.mean(axis: 1))
    }

    /// An additive causal mask `[L, L]`: 0 on and below the diagonal, −∞ above.
    public static func causalMask(_ length: Int) -> Tensor {
        let m = Tensor.zeros([length, length])
        for i in 0..<length { for j in (i + 1)..<max(length, i + 1) { m.storage.pointer[i * length + j] = -.infinity } }
        return m
    }
}

/// The feed-forward block shared by both Transformer layers: linear2(dropout(relu(linear1(x)))).
private func feedForward(_ x: Tensor, _ l1: Linear, _ l2: Linear, _ drop: Dropout) -> Tensor { l2(drop(l1(x).relu())) }

/// A post-norm Transformer encoder layer with PyTorch's defaults (ReLU, dropout 0.1, `batch_first=True`).
///
/// `x = norm1(x + dropout1(selfAttn(x)))`, `x = norm2(x + dropout2(linear2(dropout(relu(linear1(x))))))`.
public final class TransformerEncoderLayer: Module, UnaryLayer {
    public let selfAttn: MultiHeadAttention
    public let linear1, linear2: Linear
    public let norm1, norm2: LayerNorm
    let dropout, dropout1, dropout2: Dropout

    public init(dModel: Int, numHeads: Int, dimFeedforward: Int = 2048, dropout p: Float = 0.1,
                rng: inout RandomGenerator) {
        selfAttn = MultiHeadAttention(embedDim: dModel, numHeads: numHeads, dropout: p, rng: &rng)
        linear1 = Linear(dModel, dimFeedforward, rng: &rng)
        linear2 = Linear(dimFeedforward, dModel, rng: &rng)
        norm1 = LayerNorm(dModel); norm2 = LayerNorm(dModel)
        dropout = Dropout(p, seed: rng.next()); dropout1 = Dropout(p, seed: rng.next()); dropout2 = Dropout(p, seed: rng.next())
    }

    public override func children() -> [(String, Module)] {
        [("self_attn", selfAttn), ("linear1", linear1), ("dropout", dropout), ("linear2", linear2),
         ("norm1", norm1), ("norm2", norm2), ("dropout1", dropout1), ("dropout2", dropout2)]
    }

    public func callAsFunction(_ x: Tensor) -> Tensor { callAsFunction(x, mask: nil) }

    /// Applies the layer to `x [B, L, E]` with an optional additive attention mask.
    public func callAsFunction(_ x: Tensor, mask: Tensor?) -> Tensor {
        let a = norm1(x + dropout1(selfAttn(query: x, key: x, value: x, mask: mask).0))
        return norm2(a + dropout2(feedForward(a, linear1, linear2, dropout)))
    }
}

/// A post-norm Transformer decoder layer with PyTorch's defaults (self-attention, cross-attention, FFN).
public final class TransformerDecoderLayer: Module {
    public let selfAttn, multiheadAttn: MultiHeadAttention
    public let linear1, linear2: Linear
    public let norm1, norm2, norm3: LayerNorm
    let dropout, dropout1, dropout2, dropout3: Dropout

    public init(dModel: Int, numHeads: Int, dimFeedforward: Int = 2048, dropout p: Float = 0.1,
                rng: inout RandomGenerator) {
        selfAttn = MultiHeadAttention(embedDim: dModel, numHeads: numHeads, dropout: p, rng: &rng)
        multiheadAttn = MultiHeadAttention(embedDim: dModel, numHeads: numHeads, dropout: p, rng: &rng)
        linear1 = Linear(dModel, dimFeedforward, rng: &rng)
        linear2 = Linear(dimFeedforward, dModel, rng: &rng)
        norm1 = LayerNorm(dModel); norm2 = LayerNorm(dModel); norm3 = LayerNorm(dModel)
        dropout = Dropout(p, seed: rng.next()); dropout1 = Dropout(p, seed: rng.next())
        dropout2 = Dropout(p, seed: rng.next()); dropout3 = Dropout(p, seed: rng.next())
    }

    public override func children() -> [(String, Module)] {
        [("self_attn", selfAttn), ("multihead_attn", multiheadAttn), ("linear1", linear1), ("dropout", dropout),
         ("linear2", linear2), ("norm1", norm1), ("norm2", norm2), ("norm3", norm3), ("dropout1", dropout1),
         ("dropout2", dropout2), ("dropout3", dropout3)]
    }

    /// Decodes `target [B, Lt, E]` against `memory [B, Lm, E]`.
    public func callAsFunction(_ target: Tensor, memory: Tensor, targetMask: Tensor? = nil,
                               memoryMask: Tensor? = nil) -> Tensor {
        var x = norm1(target + dropout1(selfAttn(query: target, key: target, value: target, mask: targetMask).0))
        x = norm2(x + dropout2(multiheadAttn(query: x, key: memory, value: memory, mask: memoryMask).0))
        return norm3(x + dropout3(feedForward(x, linear1, linear2, dropout)))
    }
}
