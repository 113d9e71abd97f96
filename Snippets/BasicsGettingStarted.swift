// Seeded randomness, a PNG written atomically and read back, and a file error that names its file.
import Basics
import Foundation

// Every stochastic function takes a generator `inout`: the same seed gives the same run.
var a = RandomGenerator(seed: 7), b = RandomGenerator(seed: 7)
precondition(a.nextNormal() == b.nextNormal())

// An 8×8 RGB gradient, written through a temporary file and a rename (never half-written).
var image = Image(width: 8, height: 8, format: .rgb)
for y in 0..<8 { for x in 0..<8 {
    image.pixels[(y * 8 + x) * 3] = UInt8(x * 32); image.pixels[(y * 8 + x) * 3 + 2] = UInt8(y * 32)
} }
let file = FileManager.default.temporaryDirectory.appendingPathComponent("gradient.png")
try image.write(to: file)
let reread = try Image.read(file)
precondition(reread == image)

// Bad input is refused before any large allocation, with the file named.
do {
    _ = try Image.decode(Data("not a png".utf8), file: "notes.txt")
} catch {
    print(error)
}
