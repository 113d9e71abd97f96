import Testing
import Basics

@Suite("Memory limits on flags")
struct MemoryLimitTests {
    /// Within the allowance nothing is thrown; past it the error names the flag, the need and the largest count.
    @Test func aFlagPastTheAllowanceIsRefusedByName() {
        #expect(throws: Never.self) { try MemoryLimit.check("--steps", count: 1_000, bytesPerUnit: 1_000, allowance: 1e6) }
        do {
            try MemoryLimit.check("--steps", count: 1_001, bytesPerUnit: 1_000, allowance: 1e6)
            Issue.record("no error")
        } catch let e as ConfigError {
            #expect(e.field == "--steps" && e.requirement.contains("at most 1000 fits"), "\(e)")
        } catch { Issue.record("\(error)") }
        #expect(MemoryLimit.allowance > 0)
    }
}
