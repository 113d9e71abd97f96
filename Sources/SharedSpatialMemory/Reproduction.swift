import BEV
import Foundation
import GridCell
import HRLICM
import InfoBottleneck
import Plotting
import SocialPlaceCell
import TeamSearch
import Tensor

/// Every figure and table this package reproduces, end to end from the shipped models, into one Markdown report
/// (`ssm reproduce`): grid-cell emergence and losses, path integration, social place cells, learned patch codes,
/// BEV and the detector, the map reconstruction, the bandwidth sweep and the interventions. Each section names the
/// command that makes it alone. `quick` evaluates on fewer samples and mazes (under 15 minutes on 2 cores); the
/// figures are the same kind, their intervals wider.
public struct Reproduction {
    public var quick = false
    public var output = URL(fileURLWithPath: "runs/reproduce")
    /// The shipped models (`gridcell/`, `pathintegrator/`, `spc/`, `ib/`, `bev/`, `detector/`, `hrlicm/`).
    public var models = URL(fileURLWithPath: "Models")
    /// Parallel episodes in the team sweeps.
    public var jobs = ProcessInfo.processInfo.activeProcessorCount
    /// The sections to make, in this order (all by default).
    public var parts = Part.allCases
    /// Retrain every model first (``ModelRetraining``, from the training configurations in `models`) and make the
    /// report from the retrained ones: about 5 hours at full length, about 8 minutes more with `quick`.
    public var train = false
    public init() {}

    /// The report's sections.
    public enum Part: String, CaseIterable, Sendable {
        case gridCells = "grid-cells", pathIntegration = "path-integration", socialPlaceCells = "social-place-cells"
        case patchCodes = "patch-codes", birdsEyeView = "bev", mapReconstruction = "map", bandwidthSweep = "sweep", interventions
    }

    /// One part of the report.
    public struct Section: Sendable {
        public var title: String
        /// The commands that make this section alone.
        public var commands: [String]
        /// Markdown: the numbers.
        public var body: String
        /// Figures, relative to the report's folder.
        public var figures: [String]
        public var seconds: Double
    }

    /// Sizes of the evaluations: quick, or as README's tables were made.
    var gridSamples: Int { quick ? 50_000 : 200_000 }
    var pathBatches: Int { quick ? 3 : 10 }
    var socialRepetitions: Int { quick ? 30 : 100 }
    var patchTests: Int { quick ? 200 : 500 }
    var bevScenes: Int { quick ? 256 : 1000 }
    var sweepMazes: Int { quick ? 200 : 1000 }
    var interventionMazes: Int { quick ? 100 : 300 }

    /// Runs every section in order, writing figures under `output/figures` and `output/report.md` (rewritten after
    /// each section, so a stopped run keeps what it finished). `log` gets a line per section.
    @discardableResult
    public func run(log: @escaping (String) -> Void = { _ in }) throws -> (report: URL, sections: [Section]) {
        guard train else { return try makeReport(log: log) }
        var retraining = ModelRetraining()
        retraining.quick = quick; retraining.shipped = models
        retraining.output = output.appendingPathComponent(quick ? "train-quick" : "train")
        log("reproduce: retraining every model into \(retraining.output.path)…")
        let t0 = Date()
        let records = try retraining.run(log: log)
        var body = "| model | trained here | held-out figures at the end |\n|---|---|---|\n"
        for r in records {
            body += String(format: "| %@ | %@ | %@ |\n", r.name, r.minutes > 0 ? String(format: "%.1f min", r.minutes) : "earlier",
                           r.lastMetrics.isEmpty ? "(the patch-codes section evaluates them)" : r.lastMetrics)
        }
        let training = Section(title: "Models retrained" + (quick ? " (quick: a minute or two each)" : ""),
                               commands: records.map(\.command), body: body, figures: [], seconds: Date().timeIntervalSince(t0))
        var retrained = self
        retrained.models = retraining.models
        return try retrained.makeReport(first: training, log: log)
    }

    /// The report's sections from `models`, after `first` (the retraining) when there is one.
    func makeReport(first: Section? = nil, log: (String) -> Void) throws -> (report: URL, sections: [Section]) {
        let figures = output.appendingPathComponent("figures")
        try FileManager.default.createDirectory(at: figures, withIntermediateDirectories: true)
        let parts: [(String, () throws -> Section)] = self.parts.map { part in
            switch part {
            case .gridCells: (part.rawValue, gridCells)
            case .pathIntegration: (part.rawValue, pathIntegration)
            case .socialPlaceCells: (part.rawValue, socialPlaceCells)
            case .patchCodes: (part.rawValue, patchCodes)
            case .birdsEyeView: (part.rawValue, birdsEyeView)
            case .mapReconstruction: (part.rawValue, mapReconstruction)
            case .bandwidthSweep: (part.rawValue, bandwidthSweep)
            case .interventions: (part.rawValue, interventions)
            }
        }
        var sections = first.map { [$0] } ?? []
        let start = Date().addingTimeInterval(-(first?.seconds ?? 0))
        for (i, (name, make)) in parts.enumerated() {
            log("reproduce: [\(i + 1)/\(parts.count)] \(name)…")
            let t0 = Date()
            var section = try make()
            section.seconds = Date().timeIntervalSince(t0)
            sections.append(section)
            log(String(format: "reproduce: [%d/%d] %@ done in %.0f s", i + 1, parts.count, name, section.seconds))
            try writeAtomically(Data(report(sections, seconds: Date().timeIntervalSince(start), complete: i == parts.count - 1, retrained: first != nil).utf8),
                                to: output.appendingPathComponent("report.md"))
        }
        return (output.appendingPathComponent("report.md"), sections)
    }

    /// The Markdown report of `sections`.
    func report(_ sections: [Section], seconds: Double, complete: Bool, retrained: Bool) -> String {
        let cpu = BLAS.cpu
        var s = "# SharedSpatialMemory: reproduced figures\n\n"
        s += "Made by `ssm reproduce\(retrained ? " --train" : "")\(quick ? " --quick" : "")` from the "
        s += retrained ? "models retrained in `\(models.path)`" : "shipped models in `\(models.path)`"
        s += String(format: " on %@ (BLAS kernel %@), %.1f minutes", cpu.name, BLAS.core, seconds / 60)
        s += quick ? "; quick sizes: fewer samples and mazes than README's tables, so wider intervals.\n\n" : ".\n\n"
        if !complete { s += "**Incomplete**: the run stopped after \(sections.count) of \(parts.count + (retrained ? 1 : 0)) sections.\n\n" }
        for section in sections {
            s += "## \(section.title)\n\n"
            s += "```bash\n" + section.commands.joined(separator: "\n") + "\n```\n\n"
            s += section.body + "\n\n"
            for f in section.figures { s += "![\(section.title)](\(f))\n\n" }
            s += String(format: "_%.1f s_\n\n", section.seconds)
        }
        return s
    }

    func figure(_ name: String) -> (url: URL, relative: String) {
        (output.appendingPathComponent("figures/\(name)"), "figures/\(name)")
    }

    func gridCells() throws -> Section {
        let run = try GridCellRun(models.appendingPathComponent("gridcell"))
        let emergence = figure("figure2_grid_emergence.svg"), losses = figure("figureS1A_loss_curves.svg")
        try GridFigures.emergence(run, units: 4).write(to: emergence.url)
        try GridFigures.lossCurves(try run.metrics()).write(to: losses.url)
        let evaluation = try GridCellEvaluation(checkpoint: run.model)
        let t0 = Date()
        let report = GridnessReport(try evaluation.gridness(samples: gridSamples, shuffles: 10), checkpoint: run.model.path,
                                    trajectories: evaluation.config.trajectories, threshold: 0.3, seconds: Date().timeIntervalSince(t0))
        // The same network trained on as the path integrator keeps grid-like units: scored on the same arena walks.
        let integrator = models.appendingPathComponent("pathintegrator/model.safetensors")
        let t1 = Date()
        let kept = GridnessReport(try GridCellEvaluation(checkpoint: integrator, trajectories: .arena).gridness(samples: gridSamples, shuffles: 10),
                                  checkpoint: integrator.path, trajectories: .arena, threshold: 0.3, seconds: Date().timeIntervalSince(t1))
        return Section(title: "Grid cells emerge in the path integrator (Figure 2, Figure S1-A)",
                       commands: ["ssm grid analyze --checkpoint \(run.model.path) --samples \(gridSamples)",
                                  "ssm grid analyze --checkpoint \(integrator.path) --trajectories arena --samples \(gridSamples)",
                                  "swift run -c release Figure2GridEmergence \(run.folder.path)",
                                  "swift run -c release FigureS1ALossCurves \(run.folder.path)"],
                       body: "Grid model: " + String(describing: report) + "\n\nPath integrator (the same network trained on): " + String(describing: kept),
                       figures: [emergence.relative, losses.relative], seconds: 0)
    }

    func pathIntegration() throws -> Section {
        let checkpoint = models.appendingPathComponent("pathintegrator/model.safetensors")
        // The path integrator is the grid network trained on (its gridness is in the grid-cell section).
        let report = try GridCellEvaluation(checkpoint: checkpoint, trajectories: .maze, windowSteps: 100).pathIntegration(batches: pathBatches)
        return Section(title: "Path integration", commands: ["ssm grid eval --checkpoint \(checkpoint.path) --trajectories maze --steps 100 --batches \(pathBatches)"],
                       body: String(describing: report), figures: [], seconds: 0)
    }

    func socialPlaceCells() throws -> Section {
        let checkpoint = models.appendingPathComponent("spc/model.safetensors")
        let a = SocialProbeAnalysis(network: try SocialGridCellNetwork.load(checkpoint), repetitions: socialRepetitions)
        let examples = figure("spc_examples.svg"), population = figure("spc_population.svg")
        try SocialFigures.examples(a).write(to: examples.url)
        try SocialFigures.breakdown(a).write(to: population.url)
        var body = "| cell type | units | share |\n|---|---|---|\n"
        for t in SocialCellType.allCases { body += String(format: "| %@ | %d | %.1f%% |\n", t.rawValue, a.count(t), 100 * a.fraction(t)) }
        body += String(format: "\nDecoded partner position error when both move: %.2f cells (own position %.2f).", a.partnerPositionErrorCells, a.selfPositionErrorCells)
        return Section(title: "Social place cells", commands: ["ssm spc analyze --checkpoint \(checkpoint.path) --repetitions \(socialRepetitions)",
                                                               "swift run -c release FigureSPC \(checkpoint.path)"],
                       body: body, figures: [examples.relative, population.relative], seconds: 0)
    }

    func patchCodes() throws -> Section {
        var config = RateDistortionStudy.Config()
        config.testPatches = patchTests
        let folder = output.appendingPathComponent("figures/ib")
        let result = try RateDistortionStudy(config: config).run(codes: models.appendingPathComponent("ib"), output: folder)
        return Section(title: "Learned k-bit patch codes (rate–distortion)",
                       commands: ["ssm ib eval --test-patches \(patchTests) --codes \(models.appendingPathComponent("ib").path)"],
                       body: String(describing: result), figures: ["figures/ib/rate_distortion.svg", "figures/ib/example_patches.png"], seconds: 0)
    }

    func birdsEyeView() throws -> Section {
        let model = try BEVModel.load(models.appendingPathComponent("bev/model.safetensors"))
        let detectorURL = models.appendingPathComponent("detector/model.safetensors")
        let detector = FileManager.default.fileExists(atPath: detectorURL.path) ? try TargetDetector.load(detectorURL) : nil
        var evaluation = BEVEvaluation(), tally = DetectionTally()
        try BEVScene.heldOut(count: bevScenes, seed: 1) { part in
            evaluation.add(model, on: part)
            if let detector { try tally.add(detector, on: part) }
        }
        var body = String(format: "On %d held-out generated scenes: free-space IoU %.3f over pixels, %.3f over cells; RGB error %.3f.",
                          evaluation.scenes, evaluation.freeIoU, evaluation.freeCellIoU, evaluation.rgbError)
        if detector != nil {
            let m = tally.metrics
            body += String(format: " Target detector: visibility AP %.3f, ", m.averagePrecision)
                + (m.positionErrorCells.isFinite ? String(format: "position error %.2f cells.", m.positionErrorCells)
                                                 : "no position error (it called no visible target visible).")
        }
        return Section(title: "Bird's-eye view and target detection",
                       commands: ["ssm bev eval --samples \(bevScenes)"], body: body, figures: [], seconds: 0)
    }

    func mapReconstruction() throws -> Section {
        var f = MapReconstructionFigure()
        f.models = models
        let (svg, summary) = try f.make()
        let out = figure("figure_map_reconstruction.svg")
        try svg.write(to: out.url)
        return Section(title: "Spatial memory from predicted BEV", commands: ["swift run -c release FigureMapReconstruction \(f.seed)"],
                       body: String(describing: summary) + ".", figures: [out.relative], seconds: 0)
    }

    func bandwidthSweep() throws -> Section {
        var config = BandwidthSweep.Config()
        config.mazes = sweepMazes
        config.methods += HRLMethods.registerShipped(models: models).filter { $0 == "hrlicm" }.compactMap { TeamMethod(rawValue: $0) }
        let folder = output.appendingPathComponent("figures/sweep")
        let rows = try BandwidthSweep(config: config).run(into: folder, jobs: jobs)
        let methods = config.methods.map(\.rawValue).joined(separator: ",")
        return Section(title: "Team success against bits per step (the headline)",
                       commands: ["ssm sweep --methods \(methods) --mazes \(sweepMazes) --jobs \(jobs)",
                                  "swift run -c release FigureBandwidthSweep \(sweepMazes)"],
                       body: "Two agents, 15×15 held-out mazes (seeds from 2,000,000), ground-truth perception; success with 95% Wilson intervals.\n\n"
                           + BandwidthSweep.table(rows),
                       figures: ["figures/sweep/success_vs_bits.svg"], seconds: 0)
    }

    func interventions() throws -> Section {
        let results = try TeamIntervention.Kind.allCases.map { try TeamIntervention($0, config: TeamSearchConfig(), mazes: interventionMazes, jobs: jobs) }
        let out = figure("interventions.svg")
        try TeamIntervention.figure(results).write(to: out.url)
        return Section(title: "Interventions: fake target, ghost map, dropped messages",
                       commands: ["swift run -c release FigureInterventions \(interventionMazes)"],
                       body: results.map { "- \($0)" }.joined(separator: "\n"), figures: [out.relative], seconds: 0)
    }
}
