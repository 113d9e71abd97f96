/// 2-d convolution layer (PyTorch's `nn.Conv2d`, groups = 1): weight `[O, C, kh, kw]`, U(±1/√fan_in) init.
///
/// ```swift
/// let conv = Conv2d(3, 32, kernel: 3, stride: 2, padding: 1, rng: &rng)
/// let y = conv(images)     // [B, 3, 64, 64] → [B, 32, 32, 32]
/// ```
public final class Conv2d: Module, UnaryLayer {
    public let weight: Tensor
    public let bias: Tensor?
    public let stride, padding, dilation: (Int, Int)

    public init(_ inChannels: Int, _ outChannels: Int, kernel: Int, stride: Int = 1, padding: Int = 0,
                dilation: Int = 1, bias: Bool = true, rng: inout RandomGenerator) {
        let k = 1 / Float(inChannels * kernel * kernel).squareRoot()
        weight = uniformParameter([outChannels, inChannels, kernel, kernel], bound: k, rng: &rng)
        self.bias = bias ? uniformParameter([outChannels], bound: k, rng: &rng) : nil
        self.stride = (stride, stride); self.padding = (padding, padding); self.dilation = (dilation, dilation)
    }

    public override func ownParameters() -> [(String, Tensor)] {
        [("weight", weight)] + (bias.map { [("bias", $0)] } ?? [])
    }

    public func callAsFunction(_ x: Tensor) -> Tensor {
        Tensor.conv2d(x, weight: weight, bias: bias, stride: stride, padding: padding, dilation: dilation)
    }
}

/// 2-d transposed convolution layer (PyTorch's `nn.ConvTranspose2d`): weight `[Cin, Cout, kh, kw]`.
public final class ConvTranspose2d: Module, UnaryLayer {
    public let weight: Tensor
    public let bias: Tensor?
    public let stride, padding, outputPadding, dilation: (Int, Int)

    public init(_ inChannels: Int, _ outChannels: Int, kernel: Int, stride: Int = 1, padding: Int = 0,
                outputPadding: Int = 0, dilation: Int = 1, bias: Bool = true, rng: inout RandomGenerator) {
        // PyTorch computes fan-in from weight.size(1) · k · k for transposed convolutions.
        let k = 1 / Float(outChannels * kernel * kernel).squareRoot()
        weight = uniformParameter([inChannels, outChannels, kernel, kernel], bound: k, rng: &rng)
        self.bias = bias ? uniformParameter([outChannels], bound: k, rng: &rng) : nil
        self.stride = (stride, stride); self.padding = (padding, padding)
        self.outputPadding = (outputPadding, outputPadding); self.dilation = (dilation, dilation)
    }

    public override func ownParameters() -> [(String, Tensor)] {
        [("weight", weight)] + (bias.map { [("bias", $0)] } ?? [])
    }

    public func callAsFunction(_ x: Tensor) -> Tensor {
        Tensor.convTranspose2d(x, weight: weight, bias: bias, stride: stride, padding: padding,
                               outputPadding: outputPadding, dilation: dilation)
    }
}
