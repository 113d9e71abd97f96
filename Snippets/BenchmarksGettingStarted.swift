// One benchmark case: a 256×256 matrix product against raw OpenBLAS sgemm on the same buffers, in one run.
import Benchmarks

var suite = TensorBenchmarks()
suite.selected = ["matmul_256"]
suite.repetitions = 5
_ = suite.run { row in
    print(row.name, String(format: "%.3f ms, sgemm %.3f ms, ratio %.2f", row.ms, row.referenceMs ?? .nan, row.ratio ?? .nan))
}
