// Messages as exact bit strings: a map patch coded losslessly and by a learned 16-bit code, then sent over
// a 4-bit-per-step channel. Run from the repository root (the codes live in Models/ib).
import Foundation
import InfoBottleneck

let sampler = PatchSampler(seed: 5)
let training = try sampler.sample(500)
let patch = try sampler.sample(1)[0]

let lossless = LosslessPatchCoder(training: training)
let exact = lossless.encode(patch)
let decoded = try lossless.decode(exact)
precondition(decoded == patch)

let learned = try LearnedPatchCode.load(URL(fileURLWithPath: "Models/ib/code_16bits.safetensors"))
let code = learned.encode([patch])[0]
let quality = PatchQuality(truth: [patch], reconstruction: try learned.decode([code]))
print("raw", patch.raw.count, "bits; lossless", exact.count, "bits; learned", code.count, "bits, cell accuracy", quality.cellAccuracy)

// The channel moves at most 4 bits per step and seals each message with an 8-bit checksum, which counts
// against the budget; a corrupted message arrives as an error, never as wrong bits.
let channel = BandwidthChannel(ChannelConfig(rate: BitRate(4)))
channel.send(code, from: 0, to: 1)
var steps = 0, delivered: [Delivery] = []
while delivered.isEmpty { delivered = channel.step(); steps += 1 }
print("delivered after", steps, "steps, intact:", try delivered[0].payload.get() == code)
