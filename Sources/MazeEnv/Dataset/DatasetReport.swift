import Basics
import Foundation

/// What `ssm dataset check` reports of a valid dataset (JSON keys as it prints them).
public struct DatasetReport: Codable, Sendable {
    public var valid = true
    public var root: String
    public var episodes, frames, trajectories, minTrajectoryFrames, maxTrajectoryFrames: Int
    public var episodesWithLayout, episodesWithBEVViews, framesWithDerivedMotion: Int
    public var fpsViewsDecoded, bevViewsDecoded: Int
    enum CodingKeys: String, CodingKey {
        case valid, root, episodes, frames, trajectories, minTrajectoryFrames = "min_trajectory_frames", maxTrajectoryFrames = "max_trajectory_frames"
        case episodesWithLayout = "episodes_with_layout", episodesWithBEVViews = "episodes_with_bev_views"
        case framesWithDerivedMotion = "frames_with_derived_motion", fpsViewsDecoded = "fps_views_decoded", bevViewsDecoded = "bev_views_decoded"
    }

    /// Loads and validates the dataset at `url` (every image decoded unless `quick`); a fault throws a
    /// ``DatasetError`` naming the file, frame and field.
    public init(checking url: URL, quick: Bool = false) throws {
        let dataset = try Dataset.load(url)
        let images = quick ? (fpsViews: 0, bevViews: 0) : try dataset.validateImages()
        let lengths = dataset.episodes.flatMap { $0.trajectories.map(\.count) }
        root = dataset.root.path; episodes = dataset.episodes.count; frames = dataset.frameCount; trajectories = dataset.trajectoryCount
        minTrajectoryFrames = lengths.min() ?? 0; maxTrajectoryFrames = lengths.max() ?? 0
        episodesWithLayout = dataset.episodes.filter { $0.layout != nil }.count
        episodesWithBEVViews = dataset.episodes.filter(\.hasBEVViews).count
        framesWithDerivedMotion = dataset.episodes.reduce(0) { $0 + $1.frames.filter(\.motionDerived).count }
        fpsViewsDecoded = images.fpsViews; bevViewsDecoded = images.bevViews
    }
}

extension DatasetEpisode {
    /// Recorded views beside ours, one row per frame in `frames`: the recorded view, our renderer's view from
    /// the episode's layout and pose (its field of view from `env_config.json`), and the local BEV ground
    /// truth; views drawn at `scale`. Needs the episode's `maze_layout`.
    public func comparisonFigure(frames picks: [Int], scale: Int = 3, render base: RenderConfig = RenderConfig()) throws -> Image {
        let layout = try requireLayout()
        var render = base
        render.fieldOfViewDegrees = fieldOfViewDegrees ?? base.fieldOfViewDegrees
        var bev = BEVConfig()
        bev.fieldOfViewDegrees = render.fieldOfViewDegrees
        bev.imageSize = 64 * scale + 2 * 16; bev.cellPixels = 16
        let views = try picks.map { try fpsView($0) }
        render.width = views.first?.width ?? 64; render.height = views.first?.height ?? 64
        let renderer = EgocentricRenderer(config: render)
        let cell = render.width * scale, gap = 8
        var canvas = Canvas(width: 3 * cell + 2 * gap + bev.imageSize - cell, height: picks.count * (max(cell, bev.imageSize) + gap),
                            fill: (255, 255, 255, 255))
        for (row, i) in picks.enumerated() {
            let world = MazeWorld(layout: layout, targets: targets, agents: [self.frames[i].pose],
                                  currentTarget: self.frames[i].currentTarget ?? 0, seed: UInt64(seed ?? 0))
            let y = row * (max(cell, bev.imageSize) + gap)
            canvas.draw(views[row], x: 0, y: y, scale: scale)
            canvas.draw(renderer.render(world, agent: 0), x: cell + gap, y: y, scale: scale)
            let map = GroundTruth.localBEV(layout, pose: self.frames[i].pose, targets: targets, currentTarget: self.frames[i].currentTarget, config: bev)
            canvas.fillRect(x: 2 * (cell + gap), y: y, w: bev.imageSize, h: bev.imageSize, (40, 40, 48, 255))
            canvas.draw(map, x: 2 * (cell + gap), y: y)
        }
        return canvas.image
    }

    /// How far our renderer's views (from the episode's layout and poses, with `render`'s look and the episode's
    /// field of view) are from the recorded ones, over every `every`-th frame: the mean absolute difference per
    /// pixel and channel (0…1), and the mean colour of each.
    public func renderingGap(render base: RenderConfig = RenderConfig(), every: Int = 10) throws -> RenderingGap {
        precondition(every > 0, "renderingGap: every must be positive")
        let layout = try requireLayout()
        var render = base
        render.fieldOfViewDegrees = fieldOfViewDegrees ?? base.fieldOfViewDegrees
        var error = 0.0, recorded = SIMD3<Double>(), ours = SIMD3<Double>(), pixels = 0
        var renderer: EgocentricRenderer?
        for i in stride(from: 0, to: frames.count, by: every) {
            let view = try fpsView(i)
            if renderer == nil { render.width = view.width; render.height = view.height; renderer = EgocentricRenderer(config: render) }
            guard view.width == render.width, view.height == render.height, view.format == .rgb else {
                throw DatasetError(file: url.path, "frame \(i): views differ in size or are not RGB")
            }
            let world = MazeWorld(layout: layout, targets: targets, agents: [frames[i].pose], currentTarget: frames[i].currentTarget ?? 0,
                                  seed: UInt64(seed ?? 0))
            let mine = renderer!.render(world, agent: 0)
            for k in 0..<(view.width * view.height) {
                for c in 0..<3 {
                    let a = Double(view.pixels[3 * k + c]) / 255, b = Double(mine.pixels[3 * k + c]) / 255
                    error += abs(a - b); recorded[c] += a; ours[c] += b
                }
            }
            pixels += view.width * view.height
        }
        let n = Double(max(pixels, 1))
        return RenderingGap(frames: (frames.count + every - 1) / every, meanAbsoluteError: error / (3 * n),
                            recordedMeanColor: [recorded.x / n, recorded.y / n, recorded.z / n], oursMeanColor: [ours.x / n, ours.y / n, ours.z / n])
    }
}

/// How far rendered views are from recorded ones (``DatasetEpisode/renderingGap(render:every:)``).
public struct RenderingGap: Codable, Equatable, Sendable {
    public var frames: Int
    /// Mean absolute difference per pixel and channel, 0…1.
    public var meanAbsoluteError: Double
    /// Mean RGB of the recorded and of our views, 0…1.
    public var recordedMeanColor, oursMeanColor: [Double]
    enum CodingKeys: String, CodingKey {
        case frames, meanAbsoluteError = "mean_absolute_error", recordedMeanColor = "recorded_mean_color", oursMeanColor = "ours_mean_color"
    }
}

extension DatasetReport: CustomStringConvertible {
    public var description: String {
        "\(root): valid; \(episodes) episodes, \(frames) frames, \(trajectories) trajectories (\(minTrajectoryFrames)…\(maxTrajectoryFrames) frames)"
    }
}
