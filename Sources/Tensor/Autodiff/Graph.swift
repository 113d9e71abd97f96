/// One recorded operation in the autodiff graph.
///
/// A node keeps its inputs and a backward rule that maps the gradients of its outputs to gradients of its
/// inputs. The rule never captures the node's own outputs (that would be a retain cycle); values it needs
/// from the forward pass are captured as storages or plain arrays.
final class Node {
    let name: String
    var inputs: [Tensor]
    /// Output gradients (nil for an output that received none) → one gradient per input (nil = no gradient).
    var backward: (([Tensor?]) -> [Tensor?])?
    let outputShapes: [[Int]]
    var outputGrads: [Tensor?]

    init(name: String, inputs: [Tensor], outputShapes: [[Int]], backward: @escaping ([Tensor?]) -> [Tensor?]) {
        self.name = name
        self.inputs = inputs
        self.outputShapes = outputShapes
        self.backward = backward
        self.outputGrads = Array(repeating: nil, count: outputShapes.count)
    }

    /// Dismantles the chain below this node iteratively, so freeing a 100,000-op graph never recurses.
    deinit {
        var stack = inputs
        inputs = []
        while var t = stack.popLast() {
            guard isKnownUniquelyReferenced(&t), var node = t.gradFn else { continue }
            t.gradFn = nil
            if isKnownUniquelyReferenced(&node) {
                stack.append(contentsOf: node.inputs)
                node.inputs = []
                node.backward = nil
            }
        }
    }

    /// Releases everything the backward pass needed.
    func release() {
        inputs = []
        backward = nil
        outputGrads = []
    }
}

extension Tensor {
    /// Whether an op with these inputs should be recorded.
    @inlinable static func shouldRecord(_ inputs: [Tensor]) -> Bool {
        GradMode.isEnabled && inputs.contains { $0.requiresGrad }
    }

    /// Builds the result of a single-output op and records it when gradients are needed.
    static func result(_ name: String, shape: [Int], storage: TensorStorage, inputs: [Tensor],
                       backward: @escaping (Tensor) -> [Tensor?]) -> Tensor {
        let out = Tensor(shape: shape, storage: storage)
        if shouldRecord(inputs) {
            let node = Node(name: name, inputs: inputs, outputShapes: [shape]) { grads in backward(grads[0]!) }
            out.gradFn = node
            out.requiresGrad = true
        }
        return out
    }

    /// Records a multi-output op. Missing output gradients arrive as nil.
    static func record(_ name: String, outputs: [Tensor], inputs: [Tensor],
                       backward: @escaping ([Tensor?]) -> [Tensor?]) {
        guard shouldRecord(inputs) else { return }
        let node = Node(name: name, inputs: inputs, outputShapes: outputs.map(\.shape), backward: backward)
        for (i, o) in outputs.enumerated() {
            o.gradFn = node
            o.outputIndex = i
            o.requiresGrad = true
        }
    }

    /// Reverse-mode differentiation from this tensor.
    ///
    /// Accumulates into the ``grad`` of every leaf that requires a gradient, then frees the graph: calling
    /// `backward` twice through the same ops is a programming error. `seed` defaults to ones (a scalar loss).
    public func backward(_ seed: Tensor? = nil) {
        let seedGrad = seed ?? Tensor.ones(shape)
        precondition(seedGrad.shape == shape, "backward: seed shape \(seedGrad.shape) != tensor shape \(shape)")
        guard let root = gradFn else {
            precondition(requiresGrad, "backward: tensor does not require a gradient")
            grad = grad.map { g in noGrad { g + seedGrad } } ?? seedGrad
            return
        }
        precondition(root.backward != nil, "backward: graph of '\(root.name)' was already freed by an earlier backward()")
        // Iterative post-order DFS: a node comes after every node that consumes it.
        var order: [Node] = []
        var visited: Set<ObjectIdentifier> = [ObjectIdentifier(root)]
        var stack: [(Node, Int)] = [(root, 0)]
        while let (node, next) = stack.last {
            if next < node.inputs.count {
                stack[stack.count - 1].1 = next + 1
                if let child = node.inputs[next].gradFn, child.backward != nil,
                   visited.insert(ObjectIdentifier(child)).inserted {
                    stack.append((child, 0))
                }
            } else {
                stack.removeLast()
                order.append(node)
            }
        }
        root.outputGrads[outputIndex] = seedGrad
        noGrad {
            for node in order.reversed() {
                guard let rule = node.backward else { continue }
                let outGrads = node.outputGrads
                let inGrads = rule(outGrads)
                for (input, g) in zip(node.inputs, inGrads) {
                    guard let g, input.requiresGrad else { continue }
                    precondition(g.shape == input.shape,
                                 "backward of '\(node.name)': gradient shape \(g.shape) != input shape \(input.shape)")
                    if let producer = input.gradFn {
                        let i = input.outputIndex
                        producer.outputGrads[i] = producer.outputGrads[i].map { $0 + g } ?? g
                    } else {
                        input.grad = input.grad.map { $0 + g } ?? g
                    }
                }
                node.release()
            }
        }
    }
}
