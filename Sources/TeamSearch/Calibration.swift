import Basics
import Foundation
import MazeEnv

/// Chooses `T_max` for a preset and team size: `none` and `oracle` run without a limit on calibration mazes
/// (seeds below 2,000,000, never evaluated on), which gives each method's success as a function of the limit
/// (neither method's behaviour depends on it). The target window is `oracle` ≥ 85% with `none` in 20–40%: the
/// limit is the smallest in that window, and where there is none (`none` is above 40% once the oracle reaches
/// 85%), the smallest at which `oracle` succeeds in 85%, so that the upper bound is always reachable.
public struct TeamSearchCalibration: Codable, Sendable {
    public var mazeSize, agents, episodes: Int
    public var tMax: Int
    public var noneSuccess, oracleSuccess: Double
    /// The other reading of the window: the largest limit at which `none` succeeds in at most 40%, and
    /// `oracle`'s success there.
    public var noneWindowTMax: Int
    public var oracleSuccessAtNoneWindow: Double
    /// Steps to success of each episode (nil: not within the cap), per method.
    public var noneSteps, oracleSteps: [Int?]

    /// Runs `episodes` mazes from `seedBase` with a cap of `cap` steps, `jobs` at a time.
    public init(mazeSize: Int, agents: Int, episodes: Int = 200, seedBase: UInt64 = 1_000_000, cap: Int = 3000, jobs: Int = 2) throws {
        var c = TeamSearchConfig()
        c.mazeSize = mazeSize; c.agents = agents; c.tMax = cap
        let config = c
        func steps(_ method: TeamMethod) throws -> [Int?] {
            try parallelMap(0..<episodes, jobs: jobs) { k in
                let r = try TeamEpisode.run(method, config: config, seed: seedBase + UInt64(k))
                return r.success ? r.steps : nil
            }
        }
        let none = try steps(.none), oracle = try steps(.oracle)
        let rate = Self.rate, limit = Self.limit(none: none, oracle: oracle, cap: cap)
        let window = (1...cap).last { rate(none, $0) <= 0.40 } ?? 1
        self.mazeSize = mazeSize; self.agents = agents; self.episodes = episodes; tMax = limit
        noneWindowTMax = window; oracleSuccessAtNoneWindow = rate(oracle, window)
        noneSuccess = rate(none, limit); oracleSuccess = rate(oracle, limit); noneSteps = none; oracleSteps = oracle
    }

    /// The fraction of episodes that succeeded within `t` steps (`steps`: steps to success, nil: none).
    static func rate(_ steps: [Int?], _ t: Int) -> Double { Double(steps.filter { ($0 ?? .max) <= t }.count) / Double(max(steps.count, 1)) }

    /// The smallest limit with `oracle` ≥ 85% and `none` in 20–40%; without such a limit, the smallest with
    /// `oracle` ≥ 85%; `cap` when the oracle never gets there.
    static func limit(none: [Int?], oracle: [Int?], cap: Int) -> Int {
        let oracleLimit = (1...cap).first { rate(oracle, $0) >= 0.85 } ?? cap
        let noneFloor = (1...cap).first { rate(none, $0) >= 0.20 } ?? cap
        let inWindow = max(oracleLimit, noneFloor)
        return rate(none, inWindow) <= 0.40 && rate(oracle, inWindow) >= 0.85 ? inWindow : oracleLimit
    }
}
