import Foundation
import GridCell
import Tensor

/// The unit types of the probe protocol.
public enum SocialCellType: String, CaseIterable, Codable, Sendable {
    /// Responds when the agent itself moves (and when both move), not to the partner alone.
    case purePlaceCell = "pure_place_cell"
    /// Responds when the partner moves (and when both move), not to the agent alone: a social place cell.
    case pureSPC = "pure_spc"
    /// Responds to the agent's own motion and to the partner's.
    case specialSPC = "special_spc"
    /// Responds to one agent alone but not when both move.
    case mixed
    /// Active when both stand still, or never strongly active.
    case other

    /// The original's rule on a unit's peak activation per condition (max over repetitions and steps):
    /// active when both are static (≥ `low`) → other; self and partner conditions both > `high` → special
    /// SPC; self only → pure place cell if also > `high` when both move, else mixed; partner only → pure
    /// SPC likewise; otherwise other.
    public static func classify(selfMoving: Float, partnerMoving: Float, bothMoving: Float, bothStatic: Float,
                                high: Float = 0.5, low: Float = 0.2) -> SocialCellType {
        if bothStatic >= low { return .other }
        if selfMoving > high && partnerMoving > high { return .specialSPC }
        if selfMoving > high { return bothMoving > high ? .purePlaceCell : .mixed }
        if partnerMoving > high { return bothMoving > high ? .pureSPC : .mixed }
        return .other
    }
}

/// The probe protocol applied to a network: bottleneck activity in the four conditions, each unit's peak per
/// condition, its type, and the partner decoding error when both move.
public struct SocialProbeAnalysis {
    public let repetitions, steps: Int
    /// Peak activation `[unit][condition − 1]`.
    public let peaks: [[Float]]
    public let types: [SocialCellType]
    /// Bottleneck activity per condition, `[repetitions, steps, units]`, and the batches that produced it.
    public let activity: [ProbeCondition: Tensor]
    public let batches: [ProbeCondition: SocialBatch]
    /// Mean error of the partner's decoded position when both move, cells (t ≥ 1).
    public let partnerPositionErrorCells: Float
    public let selfPositionErrorCells: Float

    public init(network: SocialGridCellNetwork, repetitions: Int = 100, steps: Int = 100, seed: UInt64 = 0,
                high: Float = 0.5, low: Float = 0.2) {
        let place = network.config.cells.makePlaceCells(), hd = network.config.cells.makeHeadDirectionCells()
        let wasTraining = network.isTraining
        network.eval()
        defer { if wasTraining { network.train() } }
        var activity: [ProbeCondition: Tensor] = [:], batches: [ProbeCondition: SocialBatch] = [:]
        var partnerError: Float = 0, selfError: Float = 0
        for condition in ProbeCondition.allCases {
            let batch = ProbeTrajectories.batch(condition, repetitions: repetitions, steps: steps, seed: seed)
            func initial(_ t: TrajectoryBatch) -> (place: Tensor, headDirection: Tensor) {
                (place.activity(t.positions.slice(axis: 1, start: 0, end: 1).reshaped([t.batch, 2])),
                 hd.activity(t.headings.slice(axis: 1, start: 0, end: 1).reshaped([t.batch])))
            }
            let output = noGrad {
                network(selfVelocities: batch.agent.velocities, partnerVelocities: batch.partner.velocities,
                        selfInitial: initial(batch.agent), partnerInitial: initial(batch.partner))
            }
            activity[condition] = output.bottleneck
            batches[condition] = batch
            if condition == .bothMoving {
                partnerError = PathIntegrationErrors(output: output.view(partner: true), batch: batch.partner, placeCells: place, headDirectionCells: hd).meanPosition
                selfError = PathIntegrationErrors(output: output.view(partner: false), batch: batch.agent, placeCells: place, headDirectionCells: hd).meanPosition
            }
        }
        let units = network.config.cells.bottleneckSize
        var peaks = [[Float]](repeating: [0, 0, 0, 0], count: units)
        for condition in ProbeCondition.allCases {
            let a = activity[condition]!.scalars, rows = a.count / units
            for r in 0..<rows { for u in 0..<units { peaks[u][condition.rawValue - 1] = max(peaks[u][condition.rawValue - 1], a[r * units + u]) } }
        }
        self.repetitions = repetitions; self.steps = steps
        self.peaks = peaks
        types = peaks.map { SocialCellType.classify(selfMoving: $0[0], partnerMoving: $0[1], bothMoving: $0[2], bothStatic: $0[3], high: high, low: low) }
        self.activity = activity; self.batches = batches
        partnerPositionErrorCells = partnerError; selfPositionErrorCells = selfError
    }

    public func count(_ type: SocialCellType) -> Int { types.filter { $0 == type }.count }

    /// The population as `ssm spc analyze --json` reports it: per type `count_TYPE` and `fraction_TYPE`, the
    /// partner and self decoding errors, and why "other" units are other (active when both stand still, or
    /// never above `low` there).
    public func report(low: Float) -> [String: Double] {
        var r: [String: Double] = ["units": Double(types.count), "repetitions": Double(repetitions),
                                   "partner_position_error_cells": Double(partnerPositionErrorCells),
                                   "self_position_error_cells": Double(selfPositionErrorCells)]
        for t in SocialCellType.allCases { r["count_\(t.rawValue)"] = Double(count(t)); r["fraction_\(t.rawValue)"] = fraction(t) }
        let others = types.indices.filter { types[$0] == .other }
        r["count_other_active_when_static"] = Double(others.filter { peaks[$0][3] >= low }.count)
        r["count_other_weak"] = Double(others.filter { peaks[$0][3] < low }.count)
        return r
    }
    public func fraction(_ type: SocialCellType) -> Double { Double(count(type)) / Double(max(types.count, 1)) }

    /// The unit of `type` with the strongest response in its defining condition, if any.
    public func example(_ type: SocialCellType) -> Int? {
        let column = type == .pureSPC ? 1 : (type == .specialSPC || type == .mixed ? 2 : 0)
        return types.indices.filter { types[$0] == type }.max { peaks[$0][column] < peaks[$1][column] }
    }

    /// Rate map of `unit` against the agent's (or the partner's) position in `condition`, 40×40 over 15 cells,
    /// activations clipped at `clip` as the original's figures do (nil: unclipped).
    public func rateMap(unit: Int, condition: ProbeCondition, partnerPosition: Bool, bins: Int = 40, extent: Double = 15,
                        clip: Float? = 0.8) -> RateMap {
        let batch = batches[condition]!, a = activity[condition]!.scalars
        let positions = (partnerPosition ? batch.partner : batch.agent).positions.scalars
        let units = a.count / (batch.agent.batch * batch.agent.steps)
        let n = positions.count / 2
        return RateMap(xs: (0..<n).map { positions[2 * $0] }, ys: (0..<n).map { positions[2 * $0 + 1] },
                       activations: (0..<n).map { min(a[$0 * units + unit], clip ?? .infinity) }, bins: bins, extent: extent)
    }
}
