import Foundation
import Basics

/// Per-episode changes to how views look, for collecting training data that does not teach a model one camera and
/// one palette: the field of view, a colour cast, brightness and contrast (the lighting), and sensor noise.
///
/// Each episode draws one ``ViewAppearance`` from these ranges (seeded by the episode's maze seed, so a collection
/// is reproducible); the geometry (maze, poses, what is visible) is untouched apart from the field of view, which
/// the episode's `env_config.json` records as `fov_angle` so that readers render its BEV truth with the same one.
/// Wall textures and colour themes of the renderer itself are not randomised here.
public struct DomainRandomization: Codable, Equatable, Sendable {
    /// The field of view moves by up to this many degrees either way.
    public var fieldOfViewJitterDegrees: Float = 10
    /// Each RGB channel is scaled by a factor in `1 ± colorGainJitter` (a colour cast).
    public var colorGainJitter: Float = 0.25
    /// Brightness offset in `± brightnessJitter` (fraction of full scale).
    public var brightnessJitter: Float = 0.12
    /// Contrast about mid-grey scaled by a factor in `1 ± contrastJitter`.
    public var contrastJitter: Float = 0.25
    /// Gaussian pixel noise with a standard deviation drawn in `0…maxNoise` (fraction of full scale).
    public var maxNoise: Float = 0.04
    /// The default ranges above.
    public init() {}

    /// Checks the ranges (a field of view must stay inside (0°, 180°) for every base it is added to).
    public func validate(baseFieldOfView: Float) throws {
        try ConfigError.check(fieldOfViewJitterDegrees >= 0 && baseFieldOfView - fieldOfViewJitterDegrees > 0
                              && baseFieldOfView + fieldOfViewJitterDegrees < 180,
                              "randomization.fieldOfViewJitterDegrees", "must keep the field of view inside (0, 180) degrees")
        try ConfigError.check((0..<1).contains(colorGainJitter) && (0..<1).contains(contrastJitter),
                              "randomization.colorGainJitter and contrastJitter", "must be in [0, 1)")
        try ConfigError.check((0...0.5).contains(brightnessJitter) && (0...0.5).contains(maxNoise),
                              "randomization.brightnessJitter and maxNoise", "must be in [0, 0.5]")
    }

    /// The appearance of the episode with maze seed `seed`, around the base field of view.
    public func draw(seed: UInt64, baseFieldOfView: Float) -> ViewAppearance {
        var rng = RandomGenerator(seed: seed ^ 0xD0_3A1_2A4D)
        func symmetric(_ half: Float) -> Float { (2 * rng.nextUniform() - 1) * half }
        let fov = baseFieldOfView + symmetric(fieldOfViewJitterDegrees)
        let gain = SIMD3<Float>(1 + symmetric(colorGainJitter), 1 + symmetric(colorGainJitter), 1 + symmetric(colorGainJitter))
        return ViewAppearance(fieldOfViewDegrees: fov, gain: gain, brightness: symmetric(brightnessJitter),
                              contrast: 1 + symmetric(contrastJitter), noise: rng.nextUniform() * maxNoise,
                              noiseSeed: rng.next())
    }
}

/// One episode's draw of ``DomainRandomization``.
public struct ViewAppearance: Equatable, Sendable {
    /// The episode's horizontal field of view, degrees.
    public var fieldOfViewDegrees: Float
    /// Per-channel colour gain, brightness offset and contrast factor (applied as `((v·gain − ½)·contrast + ½ + brightness)`).
    public var gain: SIMD3<Float>
    public var brightness, contrast: Float
    /// Standard deviation of the pixel noise (fraction of full scale).
    public var noise: Float
    /// Seeds the noise of the episode's frames.
    public var noiseSeed: UInt64

    /// Applies the colour, lighting and noise to an RGB view; `frame` picks the frame's own noise.
    public func apply(to image: inout Image, frame: Int) {
        precondition(image.format == .rgb, "ViewAppearance.apply: the view must be RGB")
        var rng = RandomGenerator(seed: noiseSeed &+ UInt64(frame) &* 0x9E37_79B9_7F4A_7C15)
        let g = [gain.x, gain.y, gain.z]
        image.pixels.withUnsafeMutableBufferPointer { p in
            for i in 0..<p.count {
                var v = Float(p[i]) / 255 * g[i % 3]
                v = (v - 0.5) * contrast + 0.5 + brightness
                if noise > 0 { v += noise * rng.nextNormal() }
                p[i] = UInt8(Swift.min(255, Swift.max(0, (v * 255).rounded())))
            }
        }
    }
}
