// Vectorised exp / sigmoid / tanh on SIMD8 lanes (Cephes' single-precision exp polynomial, relative
// error about 2e-7 over the clamped range). The LSTM gates and the softmaxes spend most of their time here.

@inline(__always)
func simdExp(_ v: SIMD8<Float>) -> SIMD8<Float> {
    var x = v.replacing(with: -87.3, where: v .< -87.3)
    x.replace(with: 88.3, where: x .> 88.3)
    // n = round(x / ln 2) by the 1.5·2²³ trick: its low mantissa bits then hold n as an integer.
    let shifted = x * 1.44269504088896341 + 12_582_912
    let n = shifted - 12_582_912
    let r = x - n * 0.693359375 + n * 2.12194440e-4
    var y = SIMD8<Float>(repeating: 1.9875691500e-4)
    y = y * r + 1.3981999507e-3
    y = y * r + 8.3334519073e-3
    y = y * r + 4.1665795894e-2
    y = y * r + 1.6666665459e-1
    y = y * r + 5.0000001201e-1
    y = y * r * r + r + 1
    // 2^n: move n (the low bits of `shifted`) into the exponent field.
    let bits = (unsafeBitCast(shifted, to: SIMD8<Int32>.self) &- 0x4B40_0000 &+ 127) &<< 23
    return y * unsafeBitCast(bits, to: SIMD8<Float>.self)
}

@inline(__always)
func scalarExp(_ x: Float) -> Float { simdExp(SIMD8(repeating: x))[0] }

/// Applies a SIMD8 function to `n` floats (the tail goes through a padded lane).
@inline(__always)
func vectorApply(_ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>, _ n: Int,
                 _ f: (SIMD8<Float>) -> SIMD8<Float>) {
    var i = 0
    let rs = UnsafeRawPointer(src), rd = UnsafeMutableRawPointer(dst)
    while i + 8 <= n {
        rd.storeBytes(of: f(rs.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)), toByteOffset: i * 4,
                      as: SIMD8<Float>.self)
        i += 8
    }
    if i < n {
        var lane = SIMD8<Float>()
        for j in 0..<(n - i) { lane[j] = src[i + j] }
        let y = f(lane)
        for j in 0..<(n - i) { dst[i + j] = y[j] }
    }
}

@inline(__always) func simdSigmoid(_ x: SIMD8<Float>) -> SIMD8<Float> { 1 / (1 + simdExp(-x)) }

@inline(__always) func simdTanh(_ x: SIMD8<Float>) -> SIMD8<Float> {
    // tanh x = sign(x)·(1 − e^{−2|x|}) / (1 + e^{−2|x|}): no cancellation for large |x|, exact sign.
    let negAbs = x.replacing(with: -x, where: x .> 0)
    let e = simdExp(2 * negAbs)
    let t = (1 - e) / (1 + e)
    return t.replacing(with: -t, where: x .< 0)
}

func vExp(_ s: UnsafePointer<Float>, _ d: UnsafeMutablePointer<Float>, _ n: Int) { vectorApply(s, d, n, simdExp) }
func vSigmoid(_ s: UnsafePointer<Float>, _ d: UnsafeMutablePointer<Float>, _ n: Int) { vectorApply(s, d, n, simdSigmoid) }
func vTanh(_ s: UnsafePointer<Float>, _ d: UnsafeMutablePointer<Float>, _ n: Int) { vectorApply(s, d, n, simdTanh) }

/// Natural log of positive lanes (Cephes' single-precision polynomial, relative error about 1e-7).
/// Zero and negative lanes give unspecified values: callers mask them.
@inline(__always)
func simdLog(_ v: SIMD8<Float>) -> SIMD8<Float> {
    let bits = unsafeBitCast(v, to: SIMD8<Int32>.self)
    // Exponent as a float via the 1.5·2²³ trick (a generic SIMD int→float conversion is an out-of-line call).
    let exponentBits = ((bits &>> 23) & 0xFF) &- 126 &+ 0x4B40_0000
    var e = unsafeBitCast(exponentBits, to: SIMD8<Float>.self) - 12_582_912
    var x = unsafeBitCast((bits & 0x007F_FFFF) | 0x3F00_0000, to: SIMD8<Float>.self) // mantissa in [0.5, 1)
    let small = x .< 0.707106781186547524
    e.replace(with: e - 1, where: small)
    x = x.replacing(with: x + x - 1, where: small).replacing(with: x - 1, where: .!small)
    let z = x * x
    var y = SIMD8<Float>(repeating: 7.0376836292e-2)
    y = y * x - 1.1514610310e-1
    y = y * x + 1.1676998740e-1
    y = y * x - 1.2420140846e-1
    y = y * x + 1.4249322787e-1
    y = y * x - 1.6668057665e-1
    y = y * x + 2.0000714765e-1
    y = y * x - 2.4999993993e-1
    y = y * x + 3.3333331174e-1
    y = y * x * z
    y += e * -2.12194440e-4
    y -= 0.5 * z
    return x + y + e * 0.693359375
}
