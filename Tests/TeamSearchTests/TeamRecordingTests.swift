import Foundation
import Testing
import Basics
import InfoBottleneck
import MazeEnv
@testable import TeamSearch

@Suite("Team episode recordings")
struct TeamRecordingTests {
    /// Every step has a frame with its caption and panel labels; the bar under each agent's map shows its queued
    /// bits (full for `broadcast`, whose first snapshot waits for most of the episode at 4 bits per step; empty for
    /// `none`), and the frame of the step a message arrives draws a line from its sender.
    @Test func framesShowQueuesAndArrivals() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ssm-team-frames-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        var config = TeamSearchConfig()
        config.mazeSize = 9; config.rate = BitRate(4)
        let side = 9 * 12, gap = 8
        func barPixel(_ frame: Image, agent: Int) -> [UInt8] {
            let x = (agent + 1) * (side + gap) + 1, y = TeamEpisodeRecording.panelTop + side + gap + 1
            return Array(frame.pixels[(y * frame.width + x) * frame.format.rawValue..<(y * frame.width + x) * frame.format.rawValue + 3])
        }
        /// Whether `frame` shows `text` in the font at (x, y): inked exactly where the font inks, blank (white)
        /// in the glyph boxes elsewhere.
        func captioned(_ frame: Image, _ text: String, x: Int, y: Int) -> Bool {
            var reference = Canvas(width: Canvas.textWidth(text), height: 7)
            reference.text(text, x: 0, y: 0, (0, 0, 0, 255))
            let k = frame.format.rawValue
            for ry in 0..<7 { for rx in 0..<reference.width {
                let p = ((y + ry) * frame.width + x + rx) * k
                let white = frame.pixels[p] == 255 && frame.pixels[p + 1] == 255 && frame.pixels[p + 2] == 255
                if (reference.pixels[4 * (ry * reference.width + rx) + 3] == 255) == white { return false }
            } }
            return true
        }
        var successes = 0
        for (method, queued) in [(TeamMethod.broadcast, true), (.none, false)] {
            let run = folder.appendingPathComponent(method.rawValue)
            let recording = try TeamEpisodeRecording(method, config: config, seed: 2_000_002, into: run)
            let frames = try FileManager.default.contentsOfDirectory(atPath: run.appendingPathComponent("frames").path)
            #expect(frames.count == recording.result.steps)
            let first = try Image.read(run.appendingPathComponent("frames/frame_000000.png"))
            for agent in 0..<2 {
                let color = TeamEpisodeRecording.agentColors[agent]
                #expect((barPixel(first, agent: agent) == [color.0, color.1, color.2]) == queued, "\(method) agent \(agent)")
            }
            // Each agent's label: "agent i" on the first frame; on the last frame of a success, "agent i reached".
            let last = try #require(recording.lastFrame)
            for agent in 0..<2 {
                #expect(captioned(first, "agent \(agent)", x: (agent + 1) * (side + gap) + 1, y: TeamEpisodeRecording.panelTop - 10))
                if recording.result.success {
                    #expect(captioned(last, "agent \(agent) reached", x: (agent + 1) * (side + gap) + 1, y: TeamEpisodeRecording.panelTop - 10))
                }
            }
            successes += recording.result.success ? 1 : 0
            #expect(captioned(first, "step 1 of \(config.stepLimit), \(method.rawValue) at 4 bits/step", x: 1, y: 2))
        }
        #expect(successes > 0, "no recorded episode succeeded, so the labels of agents that reached went unchecked")
        // On the step a message arrives, a line in the sender's colour joins sender and receiver: near its midpoint,
        // far from both agents' discs (the paths are left out here), is a sender's colour.
        var checked = false
        _ = try TeamEpisode.run(.event, config: config, seed: 2_000_001) { env, team in
            for d in env.deliveries where !checked && d.arrivedAt == env.step {
                let a = env.poses[d.envelope.sender], b = env.poses[1 - d.envelope.sender]
                guard hypot(a.x - b.x, a.y - b.y) > 3 else { continue }
                let frame = TeamEpisodeRecording.frame(env, team, paths: env.poses.map { [($0.x, $0.y)] })
                let x = Int((a.x + b.x) / 2 * 12), y = TeamEpisodeRecording.panelTop + Int((9 - (a.y + b.y) / 2) * 12), k = frame.format.rawValue
                // Both agents may send on one step; the later line covers the earlier one.
                let colors = env.deliveries.filter { $0.arrivedAt == env.step }.map { TeamEpisodeRecording.agentColors[$0.envelope.sender] }
                let near = (-1...1).flatMap { dy in (-1...1).map { dx in ((y + dy) * frame.width + x + dx) * k } }
                #expect(near.contains { p in colors.contains { frame.pixels[p] == $0.0 && frame.pixels[p + 1] == $0.1 && frame.pixels[p + 2] == $0.2 } })
                checked = true
            }
        }
        #expect(checked, "no message arrived between agents more than 3 cells apart")
    }
}
