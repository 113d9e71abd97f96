extension Tensor {
    /// Max pooling over `[B, C, H, W]` windows (padding counts as −∞, as PyTorch).
    public func maxPool2d(kernel: (Int, Int), stride: (Int, Int)? = nil, padding: (Int, Int) = (0, 0)) -> Tensor {
        pool2d(kernel: kernel, stride: stride ?? kernel, padding: padding, max: true)
    }

    /// Average pooling over `[B, C, H, W]` windows (padding counted in the divisor, PyTorch's default).
    public func avgPool2d(kernel: (Int, Int), stride: (Int, Int)? = nil, padding: (Int, Int) = (0, 0)) -> Tensor {
        pool2d(kernel: kernel, stride: stride ?? kernel, padding: padding, max: false)
    }

    private func pool2d(kernel: (Int, Int), stride: (Int, Int), padding: (Int, Int), max isMax: Bool) -> Tensor {
        precondition(rank == 4, "\(isMax ? "max" : "avg")_pool2d: want [B, C, H, W], got \(shape)")
        let planes = shape[0] * shape[1], h = shape[2], w = shape[3]
        let oh = (h + 2 * padding.0 - kernel.0) / stride.0 + 1, ow = (w + 2 * padding.1 - kernel.1) / stride.1 + 1
        let out = TensorStorage(uninitializedCount: planes * oh * ow)
        var argmax = isMax ? [Int32](repeating: -1, count: planes * oh * ow) : []
        let src = storage.pointer, dst = out.pointer
        let area = Float(kernel.0 * kernel.1)
        for p in 0..<planes {
            for i in 0..<oh { for j in 0..<ow {
                var best = -Float.infinity, bi: Int32 = -1, acc: Float = 0
                for ki in 0..<kernel.0 {
                    let y = i * stride.0 - padding.0 + ki
                    if y < 0 || y >= h { continue }
                    for kj in 0..<kernel.1 {
                        let x = j * stride.1 - padding.1 + kj
                        if x < 0 || x >= w { continue }
                        let v = src[(p * h + y) * w + x]
                        acc += v
                        if v > best || bi < 0 { best = v; bi = Int32(y * w + x) }
                    }
                }
                let o = (p * oh + i) * ow + j
                if isMax { dst[o] = best; argmax[o] = bi } else { dst[o] = acc / area }
            } }
        }
        let inShape = shape
        return Tensor.result(isMax ? "max_pool2d" : "avg_pool2d", shape: [shape[0], shape[1], oh, ow], storage: out,
                             inputs: [self]) { g in
            let gi = TensorStorage(repeating: 0, count: planes * h * w)
            let pg = g.storage.pointer
            for p in 0..<planes {
                for i in 0..<oh { for j in 0..<ow {
                    let o = (p * oh + i) * ow + j
                    if isMax {
                        if argmax[o] >= 0 { gi.pointer[p * h * w + Int(argmax[o])] += pg[o] }
                        continue
                    }
                    for ki in 0..<kernel.0 {
                        let y = i * stride.0 - padding.0 + ki
                        if y < 0 || y >= h { continue }
                        for kj in 0..<kernel.1 {
                            let x = j * stride.1 - padding.1 + kj
                            if x >= 0 && x < w { gi.pointer[(p * h + y) * w + x] += pg[o] / area }
                        }
                    }
                } }
            }
            return [Tensor(shape: inShape, storage: gi)]
        }
    }

    /// Nearest-neighbour upsampling of `[B, C, H, W]` to `size` (PyTorch's `mode='nearest'`).
    public func upsampleNearest(size: (Int, Int)) -> Tensor {
        resample(size: size, name: "upsample_nearest") { dst, inN, outN in
            let s = Swift.min(Int(Float(dst) * Float(inN) / Float(outN)), inN - 1)
            return (s, s, 0)
        }
    }

    /// Bilinear resizing of `[B, C, H, W]` to `size` with `align_corners=False` (PyTorch's default).
    public func upsampleBilinear(size: (Int, Int)) -> Tensor {
        resample(size: size, name: "upsample_bilinear") { dst, inN, outN in
            let scale = Float(inN) / Float(outN)
            let src = Swift.max(scale * (Float(dst) + 0.5) - 0.5, 0)
            let i0 = Swift.min(Int(src), inN - 1)
            let i1 = i0 < inN - 1 ? i0 + 1 : i0
            return (i0, i1, src - Float(i0))
        }
    }

    /// Separable resampling: each output coordinate reads `(1−λ)·in[i0] + λ·in[i1]` per axis.
    private func resample(size: (Int, Int), name: String, _ taps: (Int, Int, Int) -> (Int, Int, Float)) -> Tensor {
        precondition(rank == 4, "\(name): want [B, C, H, W], got \(shape)")
        let planes = shape[0] * shape[1], h = shape[2], w = shape[3], oh = size.0, ow = size.1
        let ty = (0..<oh).map { taps($0, h, oh) }, tx = (0..<ow).map { taps($0, w, ow) }
        let out = TensorStorage(uninitializedCount: planes * oh * ow)
        let src = storage.pointer, dst = out.pointer
        for p in 0..<planes {
            let plane = src + p * h * w
            for i in 0..<oh {
                let (y0, y1, ly) = ty[i]
                for j in 0..<ow {
                    let (x0, x1, lx) = tx[j]
                    let top = (1 - lx) * plane[y0 * w + x0] + lx * plane[y0 * w + x1]
                    let bottom = (1 - lx) * plane[y1 * w + x0] + lx * plane[y1 * w + x1]
                    dst[(p * oh + i) * ow + j] = (1 - ly) * top + ly * bottom
                }
            }
        }
        let inShape = shape
        return Tensor.result(name, shape: [shape[0], shape[1], oh, ow], storage: out, inputs: [self]) { g in
            let gi = TensorStorage(repeating: 0, count: planes * h * w)
            let pg = g.storage.pointer
            for p in 0..<planes {
                let plane = gi.pointer + p * h * w
                for i in 0..<oh {
                    let (y0, y1, ly) = ty[i]
                    for j in 0..<ow {
                        let (x0, x1, lx) = tx[j]
                        let v = pg[(p * oh + i) * ow + j]
                        plane[y0 * w + x0] += (1 - ly) * (1 - lx) * v
                        plane[y0 * w + x1] += (1 - ly) * lx * v
                        plane[y1 * w + x0] += ly * (1 - lx) * v
                        plane[y1 * w + x1] += ly * lx * v
                    }
                }
            }
            return [Tensor(shape: inShape, storage: gi)]
        }
    }
}
