import Foundation

/// MP4 videos from numbered PNG frames, through ffmpeg when it is installed (it is optional).
public enum Video {
    /// Encodes `frames/frame_%06d.png` as H.264 at `fps` into `url`; nil, with the reason, when ffmpeg is not
    /// on the PATH or fails (the frames stay either way).
    public static func encode(frames: URL, to url: URL, fps: Int = 10) throws -> (path: String?, note: String?) {
        let paths = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":")
        guard let ffmpeg = paths.map({ "\($0)/ffmpeg" }).first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            return (nil, "ffmpeg not found: frames only (no MP4)")
        }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: ffmpeg)
        p.arguments = ["-y", "-loglevel", "error", "-framerate", "\(fps)", "-i", frames.appendingPathComponent("frame_%06d.png").path,
                       "-vf", "pad=ceil(iw/2)*2:ceil(ih/2)*2", "-pix_fmt", "yuv420p", "-c:v", "libx264", url.path]
        try p.run()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { return (nil, "ffmpeg failed (status \(p.terminationStatus)): frames only") }
        return (url.path, nil)
    }
}
