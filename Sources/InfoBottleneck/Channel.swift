import Foundation
import Tensor

/// Settings of a ``BandwidthChannel``.
public struct ChannelConfig: Codable, Equatable, Sendable {
    /// Bits each sender can put on the link per step.
    public var rate: BitRate
    /// Messages each sender may send in an episode (the paper's broadcast baseline had 20 rounds); nil = no quota.
    public var quota: Int?
    /// Append a CRC-8 to every message so corruption is detected (its 8 bits travel and are counted).
    public var checksum = true
    /// Fault injection: probability that a message is lost, and that one of its bits is flipped.
    public var dropProbability: Float = 0
    public var corruptionProbability: Float = 0
    public var seed: UInt64 = 0

    public init(rate: BitRate, quota: Int? = nil) { self.rate = rate; self.quota = quota }

    /// A whole number of bits per step.
    public init(capacityBitsPerStep: Int, quota: Int? = nil) { self.init(rate: BitRate(capacityBitsPerStep), quota: quota) }
}

/// A message in flight.
public struct Envelope: Sendable {
    public let id: Int
    public let sender: Int
    /// nil = broadcast.
    public let receiver: Int?
    /// Bits on the wire (payload and, if enabled, checksum).
    public let wire: BitString
    public let payloadBits: Int
    public let sentAt: Int
}

/// A message that reached the end of the link.
public struct Delivery: Sendable {
    public let envelope: Envelope
    public let arrivedAt: Int
    /// Steps from sending to arrival.
    public var age: Int { arrivedAt - envelope.sentAt }
    /// The payload, or why it was rejected (corruption detected by the checksum).
    public let payload: Result<BitString, MessageError>
}

/// Exact accounting of a channel.
public struct ChannelStatistics: Equatable, Sendable {
    public var messagesSent = 0, messagesRefused = 0, messagesDelivered = 0, messagesDropped = 0, messagesRejected = 0
    /// Bits of messages queued for the wire, bits actually transmitted (never above the budget), and bits of
    /// messages that arrived intact (wire and payload).
    public var wireBitsSent = 0, wireBitsTransmitted = 0, wireBitsDelivered = 0, payloadBitsDelivered = 0
    public var ages: [Int] = []
    public var meanAge: Double { ages.isEmpty ? 0 : Double(ages.reduce(0, +)) / Double(ages.count) }
}

/// A bandwidth-limited link: each sender transmits at most B = `rate` bits per step from a FIFO queue, so a
/// k-bit message alone in its queue arrives ⌈k / B⌉ steps after it is sent; messages queue behind each other
/// bit by bit. A sender earns B bits of credit each step its queue is not empty and sends its whole bits;
/// credit is not banked while idle, so a fractional rate (0.25: a bit every 4 steps) cannot burst. An optional quota limits messages per sender; drop and corruption faults
/// test receivers; everything is counted.
public final class BandwidthChannel {
    public let config: ChannelConfig
    public private(set) var now = 0
    public private(set) var statistics = ChannelStatistics()
    /// Bits each sender put on the link in the last step.
    public private(set) var lastStepBits: [Int: Int] = [:]
    private var queues: [Int: [(envelope: Envelope, bitsLeft: Int)]] = [:]
    private var sentBy: [Int: Int] = [:]
    /// Transmission credit per sender, in 1/denominator bits.
    private var credit: [Int: Int] = [:]
    private var nextID = 0
    private var rng: RandomGenerator

    public init(_ config: ChannelConfig) {
        self.config = config
        rng = RandomGenerator(seed: config.seed ^ 0xC4A77E1)
    }

    /// Messages `sender` may still send (nil without a quota).
    public func remainingQuota(of sender: Int) -> Int? { config.quota.map { max(0, $0 - sentBy[sender, default: 0]) } }

    /// Queues `payload` from `sender`; returns nil (and counts a refusal) when the sender's quota is used up.
    @discardableResult
    public func send(_ payload: BitString, from sender: Int, to receiver: Int? = nil) -> Envelope? {
        if let left = remainingQuota(of: sender), left == 0 { statistics.messagesRefused += 1; return nil }
        let wire = config.checksum ? CRC8.seal(payload) : payload
        let envelope = Envelope(id: nextID, sender: sender, receiver: receiver, wire: wire, payloadBits: payload.count, sentAt: now)
        nextID += 1
        sentBy[sender, default: 0] += 1
        queues[sender, default: []].append((envelope, wire.count))
        statistics.messagesSent += 1; statistics.wireBitsSent += wire.count
        return envelope
    }

    /// Bits waiting in `sender`'s queue.
    public func backlog(of sender: Int) -> Int { queues[sender, default: []].reduce(0) { $0 + $1.bitsLeft } }

    /// Advances one step: every sender transmits up to its capacity; returns the messages that arrived.
    public func step() -> [Delivery] {
        now += 1
        var arrived: [Delivery] = []
        let rate = config.rate
        lastStepBits = [:]
        for sender in queues.keys.sorted() {
            var queue = queues[sender]!
            guard !queue.isEmpty else { credit[sender] = 0; continue }
            var units = credit[sender, default: 0] + rate.numerator
            var budget = units / rate.denominator
            units -= budget * rate.denominator
            while budget > 0, !queue.isEmpty {
                let used = min(budget, queue[0].bitsLeft)
                queue[0].bitsLeft -= used; budget -= used
                lastStepBits[sender, default: 0] += used; statistics.wireBitsTransmitted += used
                guard queue[0].bitsLeft == 0 else { break }
                arrived.append(deliver(queue.removeFirst().envelope))
            }
            credit[sender] = queue.isEmpty ? 0 : units
            queues[sender] = queue
        }
        return arrived
    }

    private func deliver(_ e: Envelope) -> Delivery {
        if config.dropProbability > 0 && rng.nextUniform() < config.dropProbability {
            statistics.messagesDropped += 1
            return Delivery(envelope: e, arrivedAt: now, payload: .failure(.truncated(needed: e.wire.count, available: 0)))
        }
        var wire = e.wire
        if config.corruptionProbability > 0 && rng.nextUniform() < config.corruptionProbability && wire.count > 0 {
            var bits = wire.bits
            bits[rng.nextInt(bits.count)].toggle()
            wire = BitString(bits)
        }
        let payload: Result<BitString, MessageError>
        if config.checksum {
            do { payload = .success(try CRC8.open(wire)) } catch let error as MessageError { payload = .failure(error) } catch {
                payload = .failure(.checksumMismatch)
            }
        } else {
            payload = .success(wire)
        }
        switch payload {
        case .success(let p):
            statistics.messagesDelivered += 1; statistics.wireBitsDelivered += e.wire.count; statistics.payloadBitsDelivered += p.count
            statistics.ages.append(now - e.sentAt)
        case .failure:
            statistics.messagesRejected += 1
        }
        return Delivery(envelope: e, arrivedAt: now, payload: payload)
    }
}
