import Basics
import Foundation
import InfoBottleneck
import MazeEnv
import Plotting

/// One recorded episode for `ssm team run`: a frame per step (the true maze with the paths and the goal, then
/// each agent's own map), `frames.mp4` when ffmpeg is installed, `messages.jsonl` (step sent, step arrived,
/// sender, kind, wire bits, age) and `summary.svg` (the last frame and the figures).
public struct TeamEpisodeRecording {
    public var result: TeamEpisodeResult
    public var video: String?
    /// The last step's frame.
    public var lastFrame: Image?

    /// Runs the episode and writes its files into `folder`; `note` gets what was skipped.
    public init(_ method: TeamMethod, config: TeamSearchConfig, seed: UInt64, into folder: URL, note: (String) -> Void = { _ in }) throws {
        let framesDir = folder.appendingPathComponent("frames")
        try? FileManager.default.removeItem(at: framesDir)
        try FileManager.default.createDirectory(at: framesDir, withIntermediateDirectories: true)
        var paths: [[(x: Float, y: Float)]] = []
        var last: Image?
        var lastEnv: TeamSearchEnv?
        result = try TeamEpisode.run(method, config: config, seed: seed) { env, team in
            let poses = env.poses
            if paths.isEmpty { paths = poses.map { _ in [] } }
            for (i, p) in poses.enumerated() { paths[i].append((p.x, p.y)) }
            let frame = Self.frame(env, team, paths: paths, title: "\(method.rawValue) at \(config.rate) bits/step")
            try frame.write(to: framesDir.appendingPathComponent(String(format: "frame_%06d.png", env.step - 1)))
            last = frame; lastEnv = env
        }
        let video = try Video.encode(frames: framesDir, to: folder.appendingPathComponent("frames.mp4"))
        self.video = video.path
        if let reason = video.note { note(reason) }
        if let env = lastEnv { try Self.writeLog(env, into: folder.appendingPathComponent("messages.jsonl")) }
        lastFrame = last
        if let last {
            var doc = SVGDocument(width: Double(last.width) + 40, height: Double(last.height) + 110)
            doc.text("\(method.rawValue) at \(config.rate) bits/step, \(config.mazeSize)×\(config.mazeSize), \(config.agents) agents, maze \(seed)",
                     x: 20, y: 26, size: 14, weight: "bold")
            try doc.image(last, x: 20, y: 40, width: Double(last.width), height: Double(last.height))
            doc.text(String(format: "%@ in %d steps · coverage %.0f%% · %.2f wire bits per agent-step · %d messages delivered, mean age %.1f steps · %d wall bumps",
                            result.success ? "success" : "failure", result.steps, 100 * result.coverage, result.wireBitsPerAgentStep,
                            result.messagesDelivered, result.meanMessageAge, result.wallBumps), x: 20, y: Double(last.height) + 64, size: 12)
            doc.text("left: the true maze, paths (agent 0 blue, 1 orange, 2 green, 3 purple), the goal as a red disc, a thin line per message "
                     + "arriving this step; then each agent's own map, its channel queue as the bar below (full at \(Self.backlogScale) bits) and in bits",
                     x: 20, y: Double(last.height) + 86, size: 11, fill: "#555")
            try doc.write(to: folder.appendingPathComponent("summary.svg"))
        }
    }

    static let agentColors: [(UInt8, UInt8, UInt8, UInt8)] = [(31, 119, 180, 255), (255, 127, 14, 255), (44, 160, 44, 255), (148, 103, 189, 255)]

    /// Bits of an agent's queue that fill its bar under the frame (a longer queue fills it).
    static let backlogScale = 512

    /// Rows above the panels: the caption line (step, method, budget), then each panel's label.
    static let panelTop = 26

    /// The true maze with paths and goal, then each agent's map, 12 pixels per cell, under a caption (`title`,
    /// the step and the limit) and a label per panel (an agent's label says when it has reached the goal).
    /// Messages in flight: a line from sender to receiver in the sender's colour on the step each arrives, and
    /// under each agent's map a bar of the bits still queued in its channel (full at ``backlogScale`` bits) with
    /// the count written under it.
    static func frame(_ env: TeamSearchEnv, _ team: [any TeamMemberPolicy], paths: [[(x: Float, y: Float)]], title: String = "") -> Image {
        let c = 12, n = env.layout.size, side = n * c, gap = 8, bar = 6, top = panelTop
        let ink: (UInt8, UInt8, UInt8, UInt8) = (40, 40, 40, 255)
        var canvas = Canvas(width: (team.count + 1) * (side + gap) - gap, height: top + side + gap + bar + 12, fill: (255, 255, 255, 255))
        canvas.text("step \(env.step) of \(env.config.stepLimit)" + (title.isEmpty ? "" : ", \(title)"), x: 1, y: 2, ink)
        canvas.text("true maze", x: 1, y: top - 10, ink)
        var truth = Canvas(width: side, height: side, fill: (40, 40, 48, 255))
        for y in 0..<n { for x in 0..<n where env.layout.isFree(x, y) { truth.fillRect(x: x * c, y: (n - 1 - y) * c, w: c, h: c, (214, 208, 196, 255)) } }
        func screen(_ p: (x: Float, y: Float)) -> (Float, Float) { (p.x * Float(c), (Float(n) - p.y) * Float(c)) }
        let goal = env.goalObject
        let g = screen((goal.x, goal.y))
        truth.fillCircle(cx: g.0, cy: g.1, r: 0.4 * Float(c), (220, 40, 40, 255))
        for (i, path) in paths.enumerated() {
            let color = agentColors[i % agentColors.count]
            for k in path.indices.dropFirst() {
                let a = screen(path[k - 1]), b = screen(path[k])
                truth.line(a.0, a.1, b.0, b.1, thickness: 2, color)
            }
            if let p = path.last { let s = screen(p); truth.fillCircle(cx: s.0, cy: s.1, r: 0.3 * Float(c), color) }
        }
        let poses = env.poses
        for d in env.deliveries where d.arrivedAt == env.step {
            let from = screen((poses[d.envelope.sender].x, poses[d.envelope.sender].y))
            for r in poses.indices where r != d.envelope.sender && (d.envelope.receiver ?? r) == r {
                let to = screen((poses[r].x, poses[r].y))
                truth.line(from.0, from.1, to.0, to.1, thickness: 1, agentColors[d.envelope.sender % agentColors.count])
            }
        }
        canvas.draw(truth.image, x: 0, y: top)
        let observations = env.observations()
        for (i, m) in team.enumerated() {
            let left = (i + 1) * (side + gap), color = agentColors[i % agentColors.count]
            canvas.text("agent \(i)" + (env.reached[i] ? " reached" : ""), x: left + 1, y: top - 10, color)
            var own = Canvas(width: side, height: side)
            own.draw(m.agent.map.image(scale: c), x: 0, y: 0)
            let s = screen((m.agent.pose.x, m.agent.pose.y))
            own.fillCircle(cx: s.0, cy: s.1, r: 0.3 * Float(c), color)
            if let t = m.agent.sightings[observations[i].goal] {
                let gs = screen((Float(t.x) + 0.5, Float(t.y) + 0.5))
                own.fillCircle(cx: gs.0, cy: gs.1, r: 0.4 * Float(c), (220, 40, 40, 255))
            }
            canvas.draw(own.image, x: left, y: top)
            let filled = side * min(observations[i].backlog, backlogScale) / backlogScale
            canvas.fillRect(x: left, y: top + side + gap, w: side, h: bar, (225, 225, 225, 255))
            if filled > 0 { canvas.fillRect(x: left, y: top + side + gap, w: filled, h: bar, color) }
            canvas.text("queue \(observations[i].backlog) bits", x: left + 1, y: top + side + gap + bar + 3, ink)
        }
        return canvas.image
    }

    /// One JSON line per delivery.
    static func writeLog(_ env: TeamSearchEnv, into url: URL) throws {
        let kinds = ["sighting", "pose", "goal", "patch", "snapshot", "local", "coded-patch", "retraction"]
        let lines = env.deliveries.map { d -> String in
            var kind = "rejected"
            if case .success(let bits) = d.payload, bits.count >= 3 {
                let k = (bits.bits[0] ? 4 : 0) + (bits.bits[1] ? 2 : 0) + (bits.bits[2] ? 1 : 0)
                kind = k < kinds.count ? kinds[k] : "unknown"
            }
            return "{\"age\":\(d.age),\"arrived\":\(d.arrivedAt),\"kind\":\"\(kind)\",\"sender\":\(d.envelope.sender),\"sent\":\(d.envelope.sentAt),\"wire_bits\":\(d.envelope.wire.count)}"
        }
        try writeAtomically(Data((lines.joined(separator: "\n") + (lines.isEmpty ? "" : "\n")).utf8), to: url)
    }
}
