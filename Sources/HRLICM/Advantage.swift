import Tensor

/// Generalised advantage estimation (Schulman et al. 2016) over one agent's stream of steps.
///
/// A step ends an episode when it `terminated` (the task ended: nothing follows, no bootstrap) or was
/// `truncated` (the step limit or the end of the rollout: the value of the state reached is bootstrapped from
/// `nextValues`). Either way the advantage recursion stops there, so streams can hold several episodes.
public enum GeneralisedAdvantage {
    /// Advantages and λ-returns (`advantage + value`) of every step.
    ///
    /// - Parameters:
    ///   - rewards: the reward of each step.
    ///   - values: V(s_t) per step.
    ///   - nextValues: V(s_{t+1}) per step (only read where the step does not terminate; for steps inside an
    ///     episode it is `values[t + 1]`).
    ///   - terminated: whether the episode ended at the step (no value follows).
    ///   - truncated: whether the stream was cut after the step (the value of `nextValues` follows).
    ///   - gamma: the discount.
    ///   - lambda: the GAE trade-off between bias (0) and variance (1).
    public static func compute(rewards: [Float], values: [Float], nextValues: [Float], terminated: [Bool], truncated: [Bool],
                               gamma: Float = 0.99, lambda: Float = 0.95) -> (advantages: [Float], returns: [Float]) {
        let n = rewards.count
        precondition(values.count == n && nextValues.count == n && terminated.count == n && truncated.count == n,
                     "GeneralisedAdvantage: every per-step array must have \(n) entries")
        var advantages = [Float](repeating: 0, count: n)
        var running: Float = 0
        for t in stride(from: n - 1, through: 0, by: -1) {
            let bootstrap = terminated[t] ? 0 : gamma * nextValues[t]
            let delta = rewards[t] + bootstrap - values[t]
            let continues: Float = terminated[t] || truncated[t] ? 0 : 1
            running = delta + gamma * lambda * continues * running
            advantages[t] = running
        }
        return (advantages, zip(advantages, values).map(+))
    }

    /// `advantages` less their mean, over their standard deviation (plus 1e-5), both over every member's
    /// advantages when `across` sums over the members of a data-parallel run.
    public static func standardised(_ advantages: [Float], across sum: MemberSum? = nil) -> [Float] {
        let first = summedOverMembers([advantages.reduce(0, +), Float(advantages.count)], sum), n = first[1]
        let mean = first[0] / n
        let std = (summedOverMembers([advantages.reduce(0) { $0 + ($1 - mean) * ($1 - mean) }], sum)[0] / n).squareRoot()
        return advantages.map { ($0 - mean) / (std + 1e-5) }
    }
}
