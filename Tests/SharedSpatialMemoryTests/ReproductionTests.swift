import Foundation
import Testing
@testable import SharedSpatialMemory

@Suite("Reproduction report")
struct ReproductionTests {
    let models = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Models").standardized

    /// The report has a section per part asked for, with its command and its numbers; a run of the parts asked
    /// for is complete, and a report cut short says it is. (One cheap part: the others take minutes in debug builds;
    /// `ssm reproduce --quick` runs them all in about 2 minutes in release.)
    @Test func reportHoldsEachSectionWithItsCommandAndFigures() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ssm-reproduce-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        var r = Reproduction()
        r.quick = true; r.output = folder; r.models = models; r.jobs = 2
        r.parts = [.pathIntegration, .pathIntegration]
        var lines: [String] = []
        let (url, sections) = try r.run { lines.append($0) }
        let text = try String(contentsOf: url, encoding: .utf8)
        #expect(sections.count == 2 && lines.count == 4)
        #expect(text.contains("## Path integration") && text.contains("ssm grid eval --checkpoint") && text.contains("position error mean"))
        #expect(!text.contains("Incomplete") && text.components(separatedBy: "## Path integration").count == 3)
        #expect(r.report(Array(sections.prefix(1)), seconds: 1, complete: false).contains("stopped after 1 of 2 sections"))
    }
}
