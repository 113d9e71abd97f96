import Foundation

extension Tensor {
    /// Uniform samples in [low, high).
    public static func uniform(_ shape: [Int], low: Float = 0, high: Float = 1, rng: inout RandomGenerator,
                               requiresGrad: Bool = false) -> Tensor {
        let s = TensorStorage(uninitializedCount: Shape.count(shape))
        for i in 0..<s.count { s.pointer[i] = low + (high - low) * rng.nextUniform() }
        return Tensor(shape: shape, storage: s, requiresGrad: requiresGrad)
    }

    /// Normal samples with the given mean and standard deviation.
    public static func randn(_ shape: [Int], mean: Float = 0, std: Float = 1, rng: inout RandomGenerator,
                             requiresGrad: Bool = false) -> Tensor {
        let s = TensorStorage(uninitializedCount: Shape.count(shape))
        for i in 0..<s.count { s.pointer[i] = mean + std * rng.nextNormal() }
        return Tensor(shape: shape, storage: s, requiresGrad: requiresGrad)
    }

    /// 0/1 samples that are 1 with probability `p`.
    public static func bernoulli(_ shape: [Int], p: Float, rng: inout RandomGenerator) -> Tensor {
        let s = TensorStorage(uninitializedCount: Shape.count(shape))
        for i in 0..<s.count { s.pointer[i] = rng.nextUniform() < p ? 1 : 0 }
        return Tensor(shape: shape, storage: s)
    }
}
