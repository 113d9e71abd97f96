import Foundation

extension Image {
    /// The image as a `[channels, height, width]` tensor scaled to [0, 1].
    public func tensor() -> Tensor {
        let c = format.rawValue, t = TensorStorage(uninitializedCount: pixels.count)
        for y in 0..<height { for x in 0..<width { for k in 0..<c {
            t.pointer[(k * height + y) * width + x] = Float(pixels[(y * width + x) * c + k]) / 255
        } } }
        return Tensor(shape: [c, height, width], storage: t)
    }

    /// An image from a `[channels, height, width]` tensor in [0, 1] (clamped), 1, 3 or 4 channels.
    public init(tensor: Tensor) {
        precondition(tensor.rank == 3 && [1, 3, 4].contains(tensor.shape[0]),
                     "Image(tensor:): want [1|3|4, H, W], got \(tensor.shape)")
        let c = tensor.shape[0], h = tensor.shape[1], w = tensor.shape[2]
        var px = [UInt8](repeating: 0, count: c * h * w)
        for y in 0..<h { for x in 0..<w { for k in 0..<c {
            let v = tensor.storage.pointer[(k * h + y) * w + x]
            px[(y * w + x) * c + k] = UInt8((min(max(v, 0), 1) * 255).rounded())
        } } }
        self.init(width: w, height: h, format: Format(rawValue: c)!, pixels: px)
    }
}
