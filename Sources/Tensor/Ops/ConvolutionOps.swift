/// Geometry of a 2-d sliding window: input `h×w`, output `oh×ow`.
struct ConvGeometry {
    let channels, h, w, kh, kw, oh, ow: Int
    let stride: (Int, Int), padding: (Int, Int), dilation: (Int, Int)

    init(channels: Int, h: Int, w: Int, kernel: (Int, Int), stride: (Int, Int), padding: (Int, Int),
         dilation: (Int, Int)) {
        self.channels = channels; self.h = h; self.w = w; kh = kernel.0; kw = kernel.1
        self.stride = stride; self.padding = padding; self.dilation = dilation
        oh = (h + 2 * padding.0 - dilation.0 * (kernel.0 - 1) - 1) / stride.0 + 1
        ow = (w + 2 * padding.1 - dilation.1 * (kernel.1 - 1) - 1) / stride.1 + 1
    }

    /// Rows of the column matrix: one per (channel, ki, kj).
    var rows: Int { channels * kh * kw }

    /// The output columns `lo..<hi` whose input column `j·stride − padding + kj·dilation` lies inside `0..<w`.
    func validColumns(_ kj: Int) -> (lo: Int, hi: Int) {
        let offset = kj * dilation.1 - padding.1, s = stride.1
        // j·s + offset ≥ 0  ⇔  j ≥ ⌈−offset / s⌉;  j·s + offset ≤ w − 1  ⇔  j ≤ ⌊(w − 1 − offset) / s⌋.
        let lo = offset >= 0 ? 0 : (-offset + s - 1) / s
        let last = w - 1 - offset
        let hi = last < 0 ? 0 : min(ow, last / s + 1)
        return (min(lo, ow), max(min(lo, ow), hi))
    }

    /// `[B, C, H, W]` → columns `[C·kh·kw, B·oh·ow]`.
    func im2col(_ x: UnsafePointer<Float>, batch: Int) -> TensorStorage {
        let l = oh * ow, cols = batch * l
        let out = TensorStorage(uninitializedCount: rows * cols)
        let dst = out.pointer
        for c in 0..<channels {
            for ki in 0..<kh {
                for kj in 0..<kw {
                    let row = dst + ((c * kh + ki) * kw + kj) * cols
                    for b in 0..<batch {
                        let plane = x + (b * channels + c) * h * w
                        let (lo, hi) = validColumns(kj)
                        let offset = kj * dilation.1 - padding.1, s = stride.1
                        for i in 0..<oh {
                            let y = i * stride.0 - padding.0 + ki * dilation.0
                            let o = row + b * l + i * ow
                            guard y >= 0 && y < h && lo < hi else { o.update(repeating: 0, count: ow); continue }
                            let line = plane + y * w + offset
                            // Padding on either side, then the window's pixels: no branch inside the copy.
                            if lo > 0 { o.update(repeating: 0, count: lo) }
                            if hi < ow { (o + hi).update(repeating: 0, count: ow - hi) }
                            if s == 1 {
                                (o + lo).update(from: line + lo, count: hi - lo)
                            } else {
                                for j in lo..<hi { o[j] = line[j * s] }
                            }
                        }
                    }
                }
            }
        }
        return out
    }

    /// Columns `[C·kh·kw, B·oh·ow]` → `[B, C, H, W]`, summing overlapping windows (the adjoint of im2col).
    func col2im(_ colsPtr: UnsafePointer<Float>, batch: Int) -> TensorStorage {
        let l = oh * ow, cols = batch * l
        let out = TensorStorage(repeating: 0, count: batch * channels * h * w)
        let dst = out.pointer
        for c in 0..<channels {
            for ki in 0..<kh {
                for kj in 0..<kw {
                    let row = colsPtr + ((c * kh + ki) * kw + kj) * cols
                    for b in 0..<batch {
                        let plane = dst + (b * channels + c) * h * w
                        let (lo, hi) = validColumns(kj)
                        let offset = kj * dilation.1 - padding.1, s = stride.1
                        for i in 0..<oh where lo < hi {
                            let y = i * stride.0 - padding.0 + ki * dilation.0
                            if y < 0 || y >= h { continue }
                            let o = row + b * l + i * ow
                            let line = plane + y * w + offset
                            if s == 1 {
                                for j in lo..<hi { line[j] += o[j] }
                            } else {
                                for j in lo..<hi { line[j * s] += o[j] }
                            }
                        }
                    }
                }
            }
        }
        return out
    }
}

/// `[A, B, L]` ↔ `[B, A, L]` for the batch/channel swap around the column GEMMs.
private func swapLeading(_ p: UnsafePointer<Float>, _ a: Int, _ b: Int, _ l: Int) -> TensorStorage {
    let out = TensorStorage(uninitializedCount: a * b * l)
    for i in 0..<a { for j in 0..<b { (out.pointer + (j * a + i) * l).update(from: p + (i * b + j) * l, count: l) } }
    return out
}

extension Tensor {
    /// 2-d convolution (cross-correlation, as PyTorch) of `[B, C, H, W]` with `weight: [O, C, kh, kw]`.
    ///
    /// im2col over the whole batch, then one `cblas_sgemm`; the backward pass is two more GEMMs and col2im.
    public static func conv2d(_ x: Tensor, weight: Tensor, bias: Tensor? = nil, stride: (Int, Int) = (1, 1),
                              padding: (Int, Int) = (0, 0), dilation: (Int, Int) = (1, 1)) -> Tensor {
        guard x.rank == 4, weight.rank == 4, x.shape[1] == weight.shape[1] else {
            shapeFailure("conv2d", "input \(x.shape) does not fit weight \(weight.shape) (want [B, C, H, W] and [O, C, kh, kw])")
        }
        let bsz = x.shape[0], outC = weight.shape[0]
        let geo = ConvGeometry(channels: x.shape[1], h: x.shape[2], w: x.shape[3],
                               kernel: (weight.shape[2], weight.shape[3]), stride: stride, padding: padding,
                               dilation: dilation)
        precondition(geo.oh > 0 && geo.ow > 0, "conv2d: output would be empty for input \(x.shape)")
        let l = geo.oh * geo.ow, ncols = bsz * l
        let cols = geo.im2col(x.storage.pointer, batch: bsz)
        let prod = TensorStorage(uninitializedCount: outC * ncols)
        gemm(m: outC, n: ncols, k: geo.rows, a: weight.storage.pointer, lda: geo.rows, b: cols.pointer, ldb: ncols,
             c: prod.pointer, ldc: ncols)
        let out = swapLeading(prod.pointer, outC, bsz, l)
        if let bias {
            for b in 0..<bsz { for o in 0..<outC {
                let v = bias.storage.pointer[o], p = out.pointer + (b * outC + o) * l
                for i in 0..<l { p[i] += v }
            } }
        }
        let wd = weight.detached(), needX = x.requiresGrad, needW = weight.requiresGrad, hasBias = bias != nil
        let inShape = x.shape
        var inputs = [x, weight]; if let bias { inputs.append(bias) }
        return result("conv2d", shape: [bsz, outC, geo.oh, geo.ow], storage: out, inputs: inputs) { g in
            let gp = swapLeading(g.storage.pointer, bsz, outC, l) // [O, B·L]
            var grads: [Tensor?] = [nil, nil]
            if needX {
                let dcols = TensorStorage(uninitializedCount: geo.rows * ncols)
                gemm(transA: true, m: geo.rows, n: ncols, k: outC, a: wd.storage.pointer, lda: geo.rows,
                     b: gp.pointer, ldb: ncols, c: dcols.pointer, ldc: ncols)
                grads[0] = Tensor(shape: inShape, storage: geo.col2im(dcols.pointer, batch: bsz))
            }
            if needW {
                let dw = TensorStorage(uninitializedCount: outC * geo.rows)
                gemm(transB: true, m: outC, n: geo.rows, k: ncols, a: gp.pointer, lda: ncols, b: cols.pointer,
                     ldb: ncols, c: dw.pointer, ldc: geo.rows)
                grads[1] = Tensor(shape: wd.shape, storage: dw)
            }
            if hasBias { grads.append(Tensor(shape: [outC, ncols], storage: gp).sum(axis: 1)) }
            return grads
        }
    }

    /// 2-d transposed convolution of `[B, Cin, H, W]` with `weight: [Cin, Cout, kh, kw]` (PyTorch's layout).
    ///
    /// Output extent `(H − 1)·stride − 2·padding + dilation·(k − 1) + outputPadding + 1`.
    public static func convTranspose2d(_ x: Tensor, weight: Tensor, bias: Tensor? = nil, stride: (Int, Int) = (1, 1),
                                       padding: (Int, Int) = (0, 0), outputPadding: (Int, Int) = (0, 0),
                                       dilation: (Int, Int) = (1, 1)) -> Tensor {
        guard x.rank == 4, weight.rank == 4, x.shape[1] == weight.shape[0] else {
            shapeFailure("conv_transpose2d", "input \(x.shape) does not fit weight \(weight.shape) (want [B, Cin, H, W] and [Cin, Cout, kh, kw])")
        }
        let bsz = x.shape[0], inC = x.shape[1], h = x.shape[2], w = x.shape[3], outC = weight.shape[1]
        let kh = weight.shape[2], kw = weight.shape[3]
        let oh = (h - 1) * stride.0 - 2 * padding.0 + dilation.0 * (kh - 1) + outputPadding.0 + 1
        let ow = (w - 1) * stride.1 - 2 * padding.1 + dilation.1 * (kw - 1) + outputPadding.1 + 1
        // The convolution whose input is our output and whose output is our input.
        let geo = ConvGeometry(channels: outC, h: oh, w: ow, kernel: (kh, kw), stride: stride, padding: padding,
                               dilation: dilation)
        precondition(geo.oh == h && geo.ow == w, "conv_transpose2d: inconsistent geometry for input \(x.shape)")
        let l = h * w, ncols = bsz * l
        let xp = swapLeading(x.storage.pointer, bsz, inC, l) // [Cin, B·L]
        let cols = TensorStorage(uninitializedCount: geo.rows * ncols)
        gemm(transA: true, m: geo.rows, n: ncols, k: inC, a: weight.storage.pointer, lda: geo.rows, b: xp.pointer,
             ldb: ncols, c: cols.pointer, ldc: ncols)
        let out = geo.col2im(cols.pointer, batch: bsz)
        let ol = oh * ow
        if let bias {
            for b in 0..<bsz { for o in 0..<outC {
                let v = bias.storage.pointer[o], p = out.pointer + (b * outC + o) * ol
                for i in 0..<ol { p[i] += v }
            } }
        }
        let wd = weight.detached(), needX = x.requiresGrad, needW = weight.requiresGrad, hasBias = bias != nil
        let inShape = x.shape
        var inputs = [x, weight]; if let bias { inputs.append(bias) }
        return result("conv_transpose2d", shape: [bsz, outC, oh, ow], storage: out, inputs: inputs) { g in
            let gcols = geo.im2col(g.storage.pointer, batch: bsz) // [Cout·k·k, B·L]
            var grads: [Tensor?] = [nil, nil]
            if needX {
                let dxp = TensorStorage(uninitializedCount: inC * ncols)
                gemm(m: inC, n: ncols, k: geo.rows, a: wd.storage.pointer, lda: geo.rows, b: gcols.pointer,
                     ldb: ncols, c: dxp.pointer, ldc: ncols)
                grads[0] = Tensor(shape: inShape, storage: swapLeading(dxp.pointer, inC, bsz, l))
            }
            if needW {
                let dw = TensorStorage(uninitializedCount: inC * geo.rows)
                gemm(transB: true, m: inC, n: geo.rows, k: ncols, a: xp.pointer, lda: ncols, b: gcols.pointer,
                     ldb: ncols, c: dw.pointer, ldc: geo.rows)
                grads[1] = Tensor(shape: wd.shape, storage: dw)
            }
            if hasBias { grads.append(g.sum(axes: [0, 2, 3])) }
            return grads
        }
    }
}
