// Fits y = 3x − 1 with one linear layer: tensors, autodiff, an optimiser and a checkpoint round trip.
import Foundation
import Tensor

var rng = RandomGenerator(seed: 42)
let x = Tensor.randn([256, 1], rng: &rng)
let y = x * 3 - 1

let layer = Linear(1, 1, rng: &rng)
let optimizer = Adam(parameters: layer.parameters(), learningRate: 0.05)
for _ in 0..<300 {
    optimizer.zeroGrad()
    let loss = (layer(x) - y).square().mean()
    loss.backward()
    optimizer.step()
}
print("weight", layer.weight.item, "bias", layer.bias!.item)  // ≈ 3 and −1

// Checkpoints are safetensors files (PyTorch reads them with safetensors.torch.load_file).
let file = FileManager.default.temporaryDirectory.appendingPathComponent("linear.safetensors")
try Checkpoint.save(layer, to: file)
let copy = Linear(1, 1, rng: &rng)
try Checkpoint.load(into: copy, from: file)
print("reloaded weight", copy.weight.item)
