import Foundation
import Testing
@testable import HRLICM
import Tensor

/// Central finite differences of a scalar function of `inputs` against its reverse-mode gradient.
func expectGradients(_ name: String, _ inputs: [Tensor], eps: Float = 1e-3, atol: Float = 2e-3, rtol: Float = 2e-2,
                     sourceLocation: SourceLocation = #_sourceLocation, _ f: () -> Tensor) {
    for x in inputs { x.requiresGrad = true; x.grad = nil }
    f().backward()
    for (k, x) in inputs.enumerated() {
        let analytic = x.grad?.scalars ?? [Float](repeating: 0, count: x.count)
        for i in 0..<x.count {
            let saved = x.storage.pointer[i]
            x.storage.pointer[i] = saved + eps
            let up = Double(noGrad { f() }.item)
            x.storage.pointer[i] = saved - eps
            let down = Double(noGrad { f() }.item)
            x.storage.pointer[i] = saved
            let numeric = Float((up - down) / Double(2 * eps))
            let ok = abs(numeric - analytic[i]) <= atol + rtol * max(abs(numeric), abs(analytic[i]))
            #expect(ok, "\(name): d/d input\(k)[\(i)] analytic \(analytic[i]) numeric \(numeric)", sourceLocation: sourceLocation)
            if !ok { return }
        }
    }
}

@Suite struct AdvantageTests {
    @Test func gaeMatchesAHandComputedExample() {
        // γ 0.9, λ 0.8; the last step is truncated (bootstrapped from V = 0.9).
        // δ2 = 2 + 0.9·0.9 − 0.3 = 2.51; δ1 = 0.9·0.3 − 0.4 = −0.13; δ0 = 1 + 0.9·0.4 − 0.5 = 0.86
        // A2 = 2.51; A1 = −0.13 + 0.72·2.51 = 1.6772; A0 = 0.86 + 0.72·1.6772 = 2.067584
        let (a, r) = GeneralisedAdvantage.compute(rewards: [1, 0, 2], values: [0.5, 0.4, 0.3], nextValues: [0.4, 0.3, 0.9],
                                                  terminated: [false, false, false], truncated: [false, false, true], gamma: 0.9, lambda: 0.8)
        for (x, y) in zip(a, [2.067584, 1.6772, 2.51] as [Float]) { #expect(abs(x - y) < 1e-5) }
        for (x, y) in zip(r, [2.567584, 2.0772, 2.81] as [Float]) { #expect(abs(x - y) < 1e-5) }
    }

    @Test func terminationStopsBootstrapAndRecursion() {
        // Step 1 terminates: no bootstrap there, and step 2 (a new episode) must not leak into step 1.
        let (a, _) = GeneralisedAdvantage.compute(rewards: [1, 1, 1], values: [0, 0, 0], nextValues: [5, 5, 5],
                                                  terminated: [false, true, false], truncated: [false, false, true], gamma: 0.9, lambda: 0.8)
        for (x, y) in zip(a, [6.22, 1, 5.5] as [Float]) { #expect(abs(x - y) < 1e-5) }
    }
}

@Suite struct ValueNormalizerTests {
    @Test func batchesGiveTheStatisticsOfTheWhole() {
        var rng = RandomGenerator(seed: 3)
        let all = (0..<1000).map { _ in 5 + 3 * rng.nextNormal() }
        var v = ValueNormalizer()
        for k in stride(from: 0, to: 1000, by: 137) { v.update(Array(all[k..<min(k + 137, 1000)])) }
        let mean = all.reduce(0.0) { $0 + Double($1) } / 1000
        let variance = all.reduce(0.0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / 1000
        #expect(abs(v.mean - mean) < 1e-9 && abs(v.variance - variance) < 1e-7)
        let back = v.denormalize(v.normalize(all))
        #expect(zip(back, all).allSatisfy { abs($0 - $1) < 1e-4 })
        let z = v.normalize(all)
        #expect(abs(z.reduce(0, +) / 1000) < 1e-4)
    }
}

@Suite struct MaskedCategoricalTests {
    @Test func maskedCandidatesAreNeverChosen() {
        var rng = RandomGenerator(seed: 11)
        let logits = Tensor.randn([64, 7], rng: &rng) * 3
        let mask = Tensor((0..<64 * 7).map { i in (i % 7 == 0 || (i / 7 + i) % 3 == 0) ? 1 : 0 }, shape: [64, 7])
        let lp = MaskedCategorical.logProbabilities(logits: logits, mask: mask)
        for _ in 0..<200 {
            for (b, k) in MaskedCategorical.sample(logProbabilities: lp, rng: &rng).enumerated() { #expect(mask[b, k] == 1) }
        }
        for (b, k) in MaskedCategorical.sample(logProbabilities: lp, greedy: true, rng: &rng).enumerated() { #expect(mask[b, k] == 1) }
        let rows = lp.exp().sum(axis: 1).scalars
        #expect(rows.allSatisfy { abs($0 - 1) < 1e-5 })
    }

    @Test func entropyOfUniformOverValidCandidatesIsLogK() {
        let lp = MaskedCategorical.logProbabilities(logits: Tensor.zeros([1, 5]), mask: Tensor([1, 1, 0, 1, 0], shape: [1, 5]))
        #expect(abs(MaskedCategorical.entropy(logProbabilities: lp).item - log(3)) < 1e-5)
    }

    @Test func samplingFollowsTheProbabilities() {
        var rng = RandomGenerator(seed: 5)
        let lp = MaskedCategorical.logProbabilities(logits: Tensor([0, log(3)], shape: [1, 2]), mask: Tensor.ones([1, 2]))
        let ones = (0..<4000).filter { _ in MaskedCategorical.sample(logProbabilities: lp, rng: &rng)[0] == 1 }.count
        #expect(abs(Double(ones) / 4000 - 0.75) < 0.03)
    }
}

@Suite struct PPOLossTests {
    @Test func equalPoliciesGiveMinusTheMeanAdvantageAndNoKL() {
        let logits = Tensor([0.1, 0.5, -0.2, 1, 0, 0.3], shape: [2, 3])
        let lp = MaskedCategorical.logProbabilities(logits: logits, mask: Tensor.ones([2, 3]))
        let old = MaskedCategorical.logProbability(of: [1, 2], in: lp).scalars
        let l = PPOLoss(logProbabilities: lp, actions: [1, 2], oldLogProbabilities: old, advantages: [1, -3],
                        values: Tensor([0.5, 0.5]), oldValues: [0.5, 0.5], returns: [0.5, 0.5])
        #expect(abs(l.policy.item - 1) < 1e-6 && abs(l.value.item) < 1e-9 && abs(l.approximateKL) < 1e-6 && l.clipFraction == 0)
    }

    @Test func gradientsMatchFiniteDifferences() {
        // Ratios spread over both sides of the clip range, advantages of both signs, one masked candidate,
        // values inside and outside the value clip: every branch of the objective is exercised.
        var rng = RandomGenerator(seed: 21)
        let n = 8, k = 4
        let logits = Tensor.randn([n, k], rng: &rng)
        let mask = Tensor((0..<n * k).map { $0 == 3 || $0 == 13 ? 0 : 1 }, shape: [n, k])
        let actions = [0, 2, 1, 3, 0, 1, 2, 0]
        let current = noGrad { MaskedCategorical.logProbability(of: actions, in: MaskedCategorical.logProbabilities(logits: logits, mask: mask)) }.scalars
        let old = current.enumerated().map { $0.element + [0.5, -0.4, 0.05, -0.1, 0.3, -0.35, 0.12, -0.02][$0.offset] }
        let advantages: [Float] = [1.2, -0.7, 0.4, -1.5, -0.9, 0.8, 2, -0.3]
        let values = Tensor([0.1, 0.9, -0.4, 0.3, 1.5, -1.2, 0.05, 0.6])
        let oldValues: [Float] = [0, 0.5, -0.5, 0.6, 1.1, -1.1, 0.3, 0.58]
        let returns: [Float] = [0.4, 0.2, 12, -0.2, 2.5, -14, 0.1, 0.9]
        var last: PPOLoss?
        expectGradients("PPO total", [logits, values]) {
            let lp = MaskedCategorical.logProbabilities(logits: logits, mask: mask)
            let l = PPOLoss(logProbabilities: lp, actions: actions, oldLogProbabilities: old, advantages: advantages,
                            values: values, oldValues: oldValues, returns: returns)
            last = l
            return l.total
        }
        #expect(last!.clipFraction > 0 && last!.clipFraction < 1 && last!.approximateKL > 0)
        #expect(logits.grad![0, 3] == 0, "a masked logit gets no gradient")
    }

    @Test func valueLossIsHuberWithClipping() {
        // Old value 0, new 1 (beyond the 0.2 clip), return 0.5: unclipped Huber ½·0.5² = 0.125, clipped (0.2)
        // ½·0.3² = 0.045; the loss takes the larger. A return 30 from the value is in Huber's linear part
        // (δ 10): 10·(30 − 5) = 250.
        let lp = MaskedCategorical.logProbabilities(logits: Tensor.zeros([1, 2]), mask: Tensor.ones([1, 2]))
        let a = PPOLoss(logProbabilities: lp, actions: [0], oldLogProbabilities: [log(0.5)], advantages: [0],
                        values: Tensor([1]), oldValues: [0], returns: [0.5])
        #expect(abs(a.value.item - 0.125) < 1e-6)
        let b = PPOLoss(logProbabilities: lp, actions: [0], oldLogProbabilities: [log(0.5)], advantages: [0],
                        values: Tensor([0]), oldValues: [0], returns: [30])
        #expect(abs(b.value.item - 250) < 1e-3)
    }
}

@Suite struct CuriosityTests {
    /// One-hot positions on a ring of 10; move m shifts by m + 1 (`shift` 1), or by a different amount.
    static func transitions(shift: Int) -> (Tensor, Tensor, [Int]) {
        var obs: [Float] = [], next: [Float] = [], moves: [Int] = []
        for i in 0..<30 {
            let p = i % 10, m = i % 3, q = (p + m + shift) % 10
            obs += (0..<10).map { $0 == p ? 1 : 0 }; next += (0..<10).map { $0 == q ? 1 : 0 }; moves.append(m)
        }
        return (Tensor(obs, shape: [30, 10]), Tensor(next, shape: [30, 10]), moves)
    }

    @Test func learnsTheMovesAndRewardsOnlyTheUnfamiliar() {
        var rng = RandomGenerator(seed: 4)
        let icm = Curiosity(inputSize: 10, featureSize: 8, hidden: 16, actions: 3, rng: &rng)
        let (x, y, moves) = Self.transitions(shift: 1)
        let adam = Adam(parameters: icm.parameters(), learningRate: 1e-2)
        var first: Float = 0, last: Float = 0
        for step in 0..<400 {
            adam.zeroGrad()
            let l = icm.losses(observations: x, next: y, moves: moves)
            l.total.backward(); adam.step()
            if step == 0 { first = l.inverse.item } else { last = l.inverse.item }
        }
        #expect(last < 0.5 * first, "the inverse model learns the moves: \(first) → \(last)")
        let familiar = icm.intrinsicReward(observations: x, next: y, moves: moves, eta: 1)
        let (_, surprising, _) = Self.transitions(shift: 6)
        let novel = icm.intrinsicReward(observations: x, next: surprising, moves: moves, eta: 1)
        #expect(familiar.allSatisfy { $0 >= 0 })
        let f = familiar.reduce(0, +) / 30, n = novel.reduce(0, +) / 30
        #expect(n > 3 * f, "unfamiliar transitions surprise the forward model more: \(f) against \(n)")
    }
}
