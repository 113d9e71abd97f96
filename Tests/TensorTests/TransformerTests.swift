import Testing
@testable import Tensor

@Suite("Transformer broadcasting")
struct TransformerTests {
    /// A decoder layer fed one shared query set `[1, Q, D]` against a memory batch gives, per sequence, what it
    /// gives fed a copy of the queries per sequence (the BEV decoder's first layer relies on it at inference).
    @Test func sharedQueriesEqualOneCopyPerSequence() {
        var rng = RandomGenerator(seed: 11)
        let layer = TransformerDecoderLayer(dModel: 8, numHeads: 2, dimFeedforward: 16, dropout: 0.1, rng: &rng)
        layer.eval()
        let queries = Tensor.randn([1, 5, 8], rng: &rng), memory = Tensor.randn([3, 4, 8], rng: &rng)
        let shared = noGrad { layer(queries, memory: memory) }
        let copied = noGrad { layer(Tensor.zeros([3, 5, 8]) + queries, memory: memory) }
        #expect(shared.shape == [3, 5, 8])
        #expect(zip(shared.scalars, copied.scalars).allSatisfy { abs($0 - $1) < 1e-5 })
    }
}
