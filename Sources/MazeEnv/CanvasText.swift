import Basics

extension Canvas {
    /// The glyphs `text` draws: capitals, digits and a little punctuation, 5×7 pixels each.
    static let glyphCharacters = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .,:/%-+=()?")
    /// Each glyph's 35 pixels, row by row from the top, most significant bit first.
    static let glyphBits: [UInt64] = [
        0x3A31FC631, 0x7A31F463E, 0x3A308422E, 0x7A318C63E, 0x7E10F421F, 0x7E10F4210, 0x3A30BC62F, 0x4631FC631,
        0x38842108E, 0x1C4210A4C, 0x4654C5251, 0x42108421F, 0x4775AC631, 0x4639ACE31, 0x3A318C62E, 0x7A31F4210,
        0x3A318D64D, 0x7A31F5251, 0x3E107043E, 0x7C8421084, 0x46318C62E, 0x46318C544, 0x4631AD6AA, 0x462A22A31,
        0x462A21084, 0x7C222221F, 0x3A33AE62E, 0x11842108E, 0x3A211111F, 0x7C441062E, 0x08CA97C42, 0x7E1E0862E,
        0x1910F462E, 0x7C2222108, 0x3A317462E, 0x3A317844C, 0x000000000, 0x00000018C, 0x000003088, 0x018C03180,
        0x002222200, 0x632222263, 0x0000F8000, 0x0084F9080, 0x001F07C00, 0x088842082, 0x208210888, 0x3A2111004,
    ]
    static let glyphIndex: [Character: Int] = Dictionary(uniqueKeysWithValues: glyphCharacters.enumerated().map { ($1, $0) })

    /// The width in pixels `text` takes at `scale` (6 pixels per character, the last without its gap).
    public static func textWidth(_ text: String, scale: Int = 1) -> Int { max(0, 6 * text.count - 1) * scale }

    /// Draws `text` with its top-left corner at (x, y), each font pixel `scale` pixels wide (a caption on a
    /// frame needs no font library). Lower case is drawn as capitals, characters the font lacks as "?".
    public mutating func text(_ text: String, x: Int, y: Int, scale: Int = 1, _ c: (UInt8, UInt8, UInt8, UInt8)) {
        for (k, ch) in text.uppercased().enumerated() {
            let bits = Self.glyphBits[Self.glyphIndex[ch] ?? Self.glyphIndex["?"]!]
            for row in 0..<7 {
                for col in 0..<5 where bits >> UInt64(34 - (row * 5 + col)) & 1 == 1 {
                    fillRect(x: x + (6 * k + col) * scale, y: y + row * scale, w: scale, h: scale, c)
                }
            }
        }
    }
}
