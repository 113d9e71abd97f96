/// Base class of every layer: named parameters and buffers, child modules, and train/eval mode.
///
/// Subclasses list what they own by overriding ``ownParameters()``, ``ownBuffers()`` and ``children()``;
/// names follow PyTorch's `state_dict` keys, so a checkpoint written here loads into the PyTorch twin of a
/// model and vice versa.
///
/// ```swift
/// final class MLP: Module {
///     let fc1, fc2: Linear
///     init(rng: inout RandomGenerator) {
///         fc1 = Linear(4, 16, rng: &rng); fc2 = Linear(16, 1, rng: &rng)
///     }
///     override func children() -> [(String, Module)] { [("fc1", fc1), ("fc2", fc2)] }
///     func callAsFunction(_ x: Tensor) -> Tensor { fc2(fc1(x).relu()) }
/// }
/// ```
open class Module {
    /// Whether the module is in training mode (dropout active, batch statistics in BatchNorm).
    public private(set) var isTraining = true

    public init() {}

    /// Parameters owned directly by this module, by name.
    open func ownParameters() -> [(String, Tensor)] { [] }
    /// Non-trained state owned directly (running statistics), by name.
    open func ownBuffers() -> [(String, Tensor)] { [] }
    /// Direct sub-modules, by name.
    open func children() -> [(String, Module)] { [] }

    /// All parameters, depth first, with dotted names (`encoder.0.weight`).
    public func namedParameters() -> [(String, Tensor)] { collect { $0.ownParameters() } }
    /// All buffers, depth first, with dotted names.
    public func namedBuffers() -> [(String, Tensor)] { collect { $0.ownBuffers() } }
    /// All parameters.
    public func parameters() -> [Tensor] { namedParameters().map(\.1) }
    /// Parameters and buffers: what a checkpoint stores.
    public func stateDict() -> [(String, Tensor)] { namedParameters() + namedBuffers() }
    /// Total number of parameter elements.
    public var parameterCount: Int { parameters().reduce(0) { $0 + $1.count } }

    private func collect(_ own: (Module) -> [(String, Tensor)]) -> [(String, Tensor)] {
        var out = own(self)
        for (name, child) in children() {
            out += child.collect(own).map { ("\(name).\($0.0)", $0.1) }
        }
        return out
    }

    /// This module and every module under it, depth first.
    public func modules() -> [Module] { [self] + children().flatMap { $0.1.modules() } }

    /// Every ``Dropout`` in the tree, by dotted name: their generators are part of a run's exact state.
    public func namedDropouts() -> [(String, Dropout)] {
        var out: [(String, Dropout)] = []
        for (name, child) in children() {
            if let d = child as? Dropout { out.append((name, d)) }
            out += child.namedDropouts().map { ("\(name).\($0.0)", $0.1) }
        }
        return out
    }

    /// Switches this module and all children to training (`true`) or evaluation (`false`) mode.
    public func train(_ on: Bool = true) {
        isTraining = on
        for (_, c) in children() { c.train(on) }
    }

    /// Evaluation mode.
    public func eval() { train(false) }

    /// Clears every parameter's gradient.
    public func zeroGrad() { for p in parameters() { p.grad = nil } }

    /// Copies tensors into the parameters and buffers of the same names, in place.
    ///
    /// - Throws: ``TensorError`` naming the tensor when one is missing (with `strict`) or its shape differs.
    public func load(stateDict: [String: Tensor], strict: Bool = true) throws {
        for (name, target) in self.stateDict() {
            guard let source = stateDict[name] else {
                if strict { throw TensorError("missing tensor '\(name)' (shape \(target.shape))") }
                continue
            }
            guard source.shape == target.shape else {
                throw TensorError("tensor '\(name)' has shape \(source.shape), the model expects \(target.shape)")
            }
            target.storage.pointer.update(from: source.storage.pointer, count: target.count)
        }
    }
}

/// A module with one input and one output.
public protocol UnaryLayer: Module {
    func callAsFunction(_ x: Tensor) -> Tensor
}

/// PyTorch's default initialisation for Linear/Conv/RNN weights: U(−k, k).
func uniformParameter(_ shape: [Int], bound: Float, rng: inout RandomGenerator) -> Tensor {
    Tensor.uniform(shape, low: -bound, high: bound, rng: &rng, requiresGrad: true)
}

/// Applies modules in order.
public final class Sequential: Module, UnaryLayer {
    /// The layers, named "0", "1", … as in PyTorch.
    public let layers: [any UnaryLayer]

    public init(_ layers: [any UnaryLayer]) { self.layers = layers }

    public override func children() -> [(String, Module)] { layers.enumerated().map { ("\($0.offset)", $0.element) } }

    public func callAsFunction(_ x: Tensor) -> Tensor { layers.reduce(x) { $1($0) } }
}

/// An elementwise activation as a layer (for ``Sequential``).
public final class Activation: Module, UnaryLayer {
    private let f: (Tensor) -> Tensor
    /// Wraps a tensor function, for example `Activation { $0.relu() }`.
    public init(_ f: @escaping (Tensor) -> Tensor) { self.f = f }
    public func callAsFunction(_ x: Tensor) -> Tensor { f(x) }
    /// ReLU.
    public static var relu: Activation { Activation { $0.relu() } }
}
