import CMPI
import Foundation
import Training

/// The processes `mpirun` started, as the members of one data-parallel run: one `MPI_Allreduce` per training step
/// averages the packed gradients. Built only with `SSM_MPI=1` (OpenMPI: `libopenmpi-dev`, see Docs/Scaling.md).
public final class MPICollective: Collective, @unchecked Sendable {
    public let rank: Int
    public let size: Int
    /// Seconds spent inside the collectives so far (the communication time per step, for the scaling figures).
    public private(set) var communicationSeconds = 0.0

    private init() {
        rank = Int(ssm_mpi_rank()); size = Int(ssm_mpi_size())
    }

    nonisolated(unsafe) private static var shared: MPICollective?

    /// The world communicator, initialising MPI on first use (and finalising it when the process exits). A
    /// process started without `mpirun` is a world of one.
    public static func world() -> MPICollective {
        if let shared { return shared }
        guard ssm_mpi_init() == MPI_SUCCESS else { fatalError("MPI_Init_thread failed") }
        atexit { _ = ssm_mpi_finalize() }
        let world = MPICollective()
        shared = world
        return world
    }

    public func average(_ buffer: UnsafeMutableBufferPointer<Float>) {
        guard size > 1, let base = buffer.baseAddress else { return }
        let t0 = ssm_mpi_wtime()
        // MPI counts are Int32: large buffers go in chunks.
        var offset = 0
        while offset < buffer.count {
            let n = min(buffer.count - offset, Int(Int32.max))
            precondition(ssm_mpi_allreduce_sum(base + offset, Int32(n)) == MPI_SUCCESS, "MPI_Allreduce failed")
            offset += n
        }
        let scale = 1 / Float(size)
        for i in 0..<buffer.count { buffer[i] *= scale }
        communicationSeconds += ssm_mpi_wtime() - t0
    }

    public func barrier() {
        guard size > 1 else { return }
        precondition(ssm_mpi_barrier() == MPI_SUCCESS, "MPI_Barrier failed")
    }
}
