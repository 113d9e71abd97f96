import Testing
@testable import MazeEnv

@Suite("Canvas text")
struct CanvasTextTests {
    /// Reads back which pixels `text` inked, as rows of "#" and ".".
    func inked(_ s: String, scale: Int = 1) -> [String] {
        var canvas = Canvas(width: Canvas.textWidth(s, scale: scale), height: 7 * scale)
        canvas.text(s, x: 0, y: 0, scale: scale, (0, 0, 0, 255))
        return (0..<canvas.height).map { y in String((0..<canvas.width).map { x in canvas.pixels[4 * (y * canvas.width + x) + 3] == 255 ? "#" : "." }) }
    }

    /// Known glyphs drawn pixel for pixel, one column apart; lower case as capitals; unknown characters as "?";
    /// a scale of 2 doubles every pixel.
    @Test func glyphsAreDrawnAsDesigned() {
        #expect(inked("E1") == ["#####...#..",
                                "#......##..",
                                "#.......#..",
                                "####....#..",
                                "#.......#..",
                                "#.......#..",
                                "#####..###."])
        #expect(inked("e1") == inked("E1"))
        #expect(inked("é") == inked("?"))
        #expect(Canvas.textWidth("E1") == 11 && Canvas.textWidth("") == 0)
        let big = inked("L", scale: 2)
        #expect(big.count == 14 && big[0] == "##........" && big[13] == "##########")
    }

    /// Every glyph is distinct and sits in its 5×7 box (nothing spills into the gap column).
    @Test func everyGlyphIsDistinct() {
        let drawn = Canvas.glyphCharacters.map { inked(String($0) + String($0)) }
        #expect(Set(drawn.map { $0.joined(separator: "/") }).count == Canvas.glyphCharacters.count)
        for rows in drawn { #expect(rows.allSatisfy { Array($0)[5] == "." }) }
    }
}
