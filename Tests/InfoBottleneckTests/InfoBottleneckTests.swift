import Foundation
import Testing
@testable import InfoBottleneck
import MazeEnv
import Tensor

@Suite("Bit strings and fixed codes")
struct FixedCodeTests {
    @Test func fixedMessagesRoundTripInTheirExactLengths() throws {
        let codec = FixedMessageCodec(mazeSize: 15, objects: 6, headingBins: 16)
        #expect(codec.cells.width == 8)                       // a cell of a 15×15 maze is 8 bits
        #expect(codec.sightingBits == 1 + 3 + 8 && codec.poseBits == 1 + 8 + 4)
        for m in [FixedMessage.targetSighting(object: 5, x: 14, y: 0), .targetSighting(object: 0, x: 0, y: 14),
                  .pose(x: 7, y: 3, headingBin: 15), .pose(x: 0, y: 0, headingBin: 0)] {
            let bits = codec.encode(m)
            #expect(bits.count == (m == .pose(x: 7, y: 3, headingBin: 15) || m == .pose(x: 0, y: 0, headingBin: 0) ? codec.poseBits : codec.sightingBits))
            #expect(try codec.decode(bits) == m)
        }
        #expect(codec.headingBin(-.pi) == 0 && codec.headingBin(.pi - 1e-4) == 15 && codec.headingBin(0) == 8)
    }

    @Test func truncatedOrPaddedOrOutOfRangeMessagesAreRejected() {
        let codec = FixedMessageCodec()
        let bits = codec.encode(.pose(x: 3, y: 4, headingBin: 2))
        #expect(throws: MessageError.self) { try codec.decode(BitString(Array(bits.bits.dropLast()))) }
        #expect(throws: MessageError.self) { try codec.decode(BitString(bits.bits + [false])) }
        var bad = BitString(); bad.append(0, width: 1); bad.append(7, width: 3); bad.append(0, width: 8)  // object 7 of 6
        #expect(throws: MessageError.invalidValue("object 7 ≥ 6")) { try codec.decode(bad) }
        var outside = BitString(); outside.append(1, width: 1); outside.append(230, width: 8); outside.append(0, width: 4)
        #expect(throws: MessageError.self) { try codec.decode(outside) }  // cell 230 ≥ 225
    }

    @Test func crcDetectsEverySingleBitFlip() throws {
        var payload = BitString()
        payload.append(0b1011_0010_1110, width: 12)
        let sealed = CRC8.seal(payload)
        let opened = try CRC8.open(sealed)
        #expect(sealed.count == 20 && opened == payload)
        for i in 0..<sealed.count {
            var bits = sealed.bits; bits[i].toggle()
            #expect(throws: MessageError.checksumMismatch) { try CRC8.open(BitString(bits)) }
        }
    }
}

@Suite("Bandwidth-limited channel")
struct ChannelTests {
    func payload(_ k: Int) -> BitString { BitString((0..<k).map { $0 % 3 == 0 }) }

    @Test(arguments: [(1, 4), (7, 4), (8, 4), (13, 16), (120, 16), (128, 4)])
    func aLoneMessageArrivesAfterCeilKOverBSteps(k: Int, capacity: Int) {
        var config = ChannelConfig(capacityBitsPerStep: capacity)
        config.checksum = false
        let channel = BandwidthChannel(config)
        channel.send(payload(k), from: 0)
        var arrivedAt: Int?
        for _ in 0..<200 where arrivedAt == nil {
            if let d = channel.step().first { arrivedAt = d.age; #expect((try? d.payload.get()) == payload(k)) }
        }
        #expect(arrivedAt == (k + capacity - 1) / capacity)
        #expect(channel.statistics.wireBitsSent == k && channel.statistics.wireBitsDelivered == k)
    }

    /// Below one bit per step a message still takes ⌈k / B⌉ steps, and a sender never banks credit while idle.
    @Test(arguments: [("0.5", 3, 6), ("0.25", 1, 4), ("0.25", 5, 20), ("1/3", 2, 6), ("2", 5, 3)])
    func fractionalRatesSendABitEveryFewSteps(rate: String, k: Int, steps: Int) throws {
        var config = ChannelConfig(rate: try #require(BitRate(rate)))
        config.checksum = false
        let channel = BandwidthChannel(config)
        for _ in 0..<7 { _ = channel.step() }          // idle: no credit may build up
        channel.send(payload(k), from: 0)
        var age: Int?
        for _ in 0..<100 where age == nil { age = channel.step().first?.age }
        #expect(age == steps && config.rate.steps(forBits: k) == steps)
    }

    /// Property: over random traffic at every budget, no sender ever puts more than ⌈B⌉ bits on the wire in a
    /// step, nor more than t·B + 1 bits in any t consecutive steps; everything sent arrives, in order.
    @Test func noSenderEverExceedsItsBudget() throws {
        var rng = RandomGenerator(seed: 5)
        for text in ["128", "64", "16", "4", "2", "1", "0.5", "0.25"] {
            let rate = try #require(BitRate(text))
            var config = ChannelConfig(rate: rate)
            config.checksum = false
            let channel = BandwidthChannel(config)
            var history: [[Int]] = [[], [], []]
            var sent = [0, 0, 0], arrived = [0, 0, 0], lastID = [-1, -1, -1]
            for _ in 0..<600 {
                for s in 0..<3 where rng.nextUniform() < 0.1 { channel.send(payload(1 + rng.nextInt(40)), from: s); sent[s] += 1 }
                for d in channel.step() {
                    #expect(d.envelope.id > lastID[d.envelope.sender]); lastID[d.envelope.sender] = d.envelope.id
                    arrived[d.envelope.sender] += 1
                }
                for s in 0..<3 { history[s].append(channel.lastStepBits[s, default: 0]) }
            }
            for s in 0..<3 {
                #expect(history[s].allSatisfy { $0 <= (rate.numerator + rate.denominator - 1) / rate.denominator })
                for window in [1, 3, 10, 50] {
                    for start in stride(from: 0, to: 600 - window, by: 7) {
                        let bits = history[s][start..<(start + window)].reduce(0, +)
                        #expect(Double(bits) <= Double(window) * rate.value + 1, "\(text): \(bits) bits in \(window) steps")
                    }
                }
                #expect(arrived[s] <= sent[s] && (channel.backlog(of: s) > 0 || arrived[s] == sent[s]))
            }
        }
    }

    @Test func bitRatesReadAndCompare() {
        #expect(BitRate("0.25") == BitRate(1, per: 4) && BitRate("1/4") == BitRate(1, per: 4) && BitRate("4") == BitRate(4))
        #expect(BitRate("0") == nil && BitRate("-1") == nil && BitRate("x") == nil && BitRate("1.5") == nil)
        #expect(BitRate(1, per: 4) < BitRate(1) && BitRate(2, per: 4).description == "0.5" && BitRate(8).description == "8")
    }

    @Test func messagesQueueBitByBitAndSendersAreIndependent() {
        let channel = BandwidthChannel(ChannelConfig(capacityBitsPerStep: 10))
        // Sender 0: two messages of 12 + 8 = 20 wire bits and 6 + 8 = 14 wire bits; sender 1: one of 2 + 8 = 10.
        channel.send(payload(12), from: 0); channel.send(payload(6), from: 0); channel.send(payload(2), from: 1, to: 0)
        #expect(channel.backlog(of: 0) == 34 && channel.backlog(of: 1) == 10)
        var arrivals: [(id: Int, step: Int)] = []
        for _ in 0..<5 { arrivals += channel.step().map { ($0.envelope.id, channel.now) } }
        // Sender 1's message needs 1 step; sender 0's first 2 steps (20 bits), the second finishes at 34 bits → step 4.
        #expect(arrivals.map(\.id) == [2, 0, 1] && arrivals.map(\.step) == [1, 2, 4])
        #expect(channel.statistics.ages == [1, 2, 4] && channel.statistics.payloadBitsDelivered == 20)
    }

    @Test func quotaRefusesAndCounts() {
        let channel = BandwidthChannel(ChannelConfig(capacityBitsPerStep: 128, quota: 20))
        var accepted = 0
        for _ in 0..<25 { if channel.send(payload(16), from: 3) != nil { accepted += 1 } }
        #expect(accepted == 20 && channel.statistics.messagesRefused == 5 && channel.remainingQuota(of: 3) == 0)
        #expect(channel.remainingQuota(of: 4) == 20)
    }

    @Test func corruptedOrDroppedMessagesAreCountedNeverDecodedSilently() throws {
        var config = ChannelConfig(capacityBitsPerStep: 64)
        config.corruptionProbability = 0.5; config.dropProbability = 0.2; config.seed = 9
        let channel = BandwidthChannel(config)
        let codec = FixedMessageCodec()
        let message = FixedMessage.targetSighting(object: 2, x: 4, y: 9)
        for _ in 0..<400 { channel.send(codec.encode(message), from: 0) }
        var decoded = 0
        for _ in 0..<400 {
            for d in channel.step() {
                if case .success(let bits) = d.payload { #expect(try codec.decode(bits) == message); decoded += 1 }
            }
        }
        let s = channel.statistics
        #expect(s.messagesSent == 400 && s.messagesDelivered + s.messagesDropped + s.messagesRejected == 400)
        #expect(decoded == s.messagesDelivered && s.messagesDropped > 40 && s.messagesRejected > 100)
    }
}

@Suite("Lossless patch coder")
struct LosslessCoderTests {
    @Test func huffmanIsAPrefixCodeWithOptimalLengthsOnAKnownSource() throws {
        let h = HuffmanCode(frequencies: [8, 4, 2, 1, 1])
        #expect(h.lengths == [1, 2, 3, 4, 4])  // dyadic source: lengths = −log₂ p
        for a in 0..<5 { for b in 0..<5 where a != b {
            let (ca, cb) = (h.codes[a], h.codes[b])
            if ca.length <= cb.length { #expect(cb.value >> (cb.length - ca.length) != ca.value, "code \(a) prefixes \(b)") }
        } }
        var s = BitString()
        let message = [0, 3, 1, 4, 2, 0, 0]
        for m in message { h.encode(m, into: &s) }
        var r = BitReader(s)
        #expect(try message.map { _ in try h.decode(&r) } == message)
    }

    @Test func patchesRoundTripExactlyWithFewerBitsThanRaw() throws {
        let training = try PatchSampler(mazeSize: 15, seed: 1).sample(200)
        let coder = LosslessPatchCoder(training: training)
        let test = try PatchSampler(mazeSize: 15, seed: 2).sample(60)
        var total = 0
        for p in test {
            let bits = coder.encode(p)
            #expect(try coder.decode(bits) == p)
            total += bits.count
            #expect(OccupancyPatch.fromRaw(p.raw, side: 11) == p && p.raw.count == 242)
        }
        #expect(Double(total) / 60 < 242 * 0.75, "mean lossless code \(Double(total) / 60) bits vs 242 raw")
        // Truncated codes fail instead of decoding a wrong patch.
        let bits = coder.encode(test[0])
        #expect(throws: MessageError.self) { try coder.decode(BitString(Array(bits.bits.dropLast(3)))) }
    }

    @Test func patchesSeeTheMapAsTheAgentKnowsIt() throws {
        let world = try MazeWorld(size: 9, seed: 4)
        var map = CellMap(size: world.layout.size)
        map.integrate(Perception(cells: [PerceivedCell(x: 4, y: 4, state: world.layout.isFree(4, 4) ? .free : .wall)]))
        let p = OccupancyPatch(map: map, centre: (4, 4), side: 11)
        #expect(p.cells[5 * 11 + 5] == (world.layout.isFree(4, 4) ? .free : .wall))
        #expect(p.cells[0] == .wall)                       // (−1, −1) lies outside the maze
        #expect(p.cells.filter { $0 == .unknown }.count == 81 - 1)
    }
}

@Suite("Learned patch codes")
struct LearnedCodeTests {
    /// Empirical entropy (bits) of a list of codes; for a deterministic encoder this is I(X; Z).
    func entropy(_ codes: [BitString]) -> Double {
        var counts: [BitString: Int] = [:]
        for c in codes { counts[c, default: 0] += 1 }
        let n = Double(codes.count)
        return counts.values.reduce(0) { $0 - Double($1) / n * log2(Double($1) / n) }
    }

    @Test func aKBitCodeCarriesAtMostKBitsAndNearMinOfKAndTheSourceEntropy() throws {
        // A toy source of exactly 3 bits: 8 equally likely, clearly different patches.
        var rng = RandomGenerator(seed: 3)
        let patterns = (0..<8).map { _ in OccupancyPatch(side: 5, cells: (0..<25).map { _ in CellState(rawValue: rng.nextInt(3))! }) }
        let samples = (0..<800).map { patterns[$0 % 8] }
        for (k, expected) in [(2, 2.0), (6, 3.0)] {
            var init_ = RandomGenerator(seed: UInt64(k))
            let code = LearnedPatchCode(side: 5, bits: k, hidden: 64, rng: &init_)
            code.train(on: samples, steps: 200, batch: 32, beta: 0.001, learningRate: 1e-2, seed: 1)
            let codes = code.encode(samples)
            #expect(codes.allSatisfy { $0.count == k })
            let h = entropy(codes)
            #expect(h <= Double(k) + 1e-9, "k=\(k): \(h) bits")
            #expect(h > expected - 0.35, "k=\(k): the code carries \(h) bits, expected about \(expected)")
        }
    }

    @Test func learnedCodeBeatsTruncationAndRejectsWrongLengths() throws {
        let train = try PatchSampler(seed: 11).sample(600), test = try PatchSampler(seed: 12).sample(100)
        var rng = RandomGenerator(seed: 1)
        let code = LearnedPatchCode(bits: 16, hidden: 128, rng: &rng)
        code.train(on: train, steps: 120, batch: 64, learningRate: 3e-3, seed: 2)
        let learned = PatchQuality(truth: test, reconstruction: try code.decode(code.encode(test)))
        let truncated = PatchQuality(truth: test, reconstruction: test.map { $0.truncated(to: 16) })
        #expect(learned.cellAccuracy > truncated.cellAccuracy + 0.2, "learned \(learned.cellAccuracy) vs truncation \(truncated.cellAccuracy)")
        #expect(throws: MessageError.wrongLength(expected: 16, got: 15)) { try code.decode([BitString(Array(repeating: true, count: 15))]) }
    }
}

@Suite("Receiver-side quality")
struct ReceiverQualityTests {
    @Test func pairsShareACentreAndQualityCountsOnlyWhatTheReceiverLacks() throws {
        let pairs = try PatchSampler(mazeSize: 15, seed: 5).samplePairs(20)
        for (s, r) in pairs {
            #expect(s.cells[60] != .unknown)   // the centre is a cell the sender knows
            for (a, b) in zip(s.cells, r.cells) where b != .unknown && a != .unknown { #expect(a == b) }  // one maze
        }
        let senders = pairs.map(\.sender), receivers = pairs.map(\.receiver)
        let perfect = PatchQuality(truth: senders, reconstruction: senders, receiver: receivers)
        let expected = zip(senders, receivers).reduce(0) { acc, p in acc + zip(p.0.cells, p.1.cells).filter { $0.1 == .unknown && $0.0 != .unknown }.count }
        #expect(perfect.cells == expected && perfect.cellAccuracy == 1 && expected > 0)
    }
}
