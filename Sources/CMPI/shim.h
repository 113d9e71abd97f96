// OpenMPI through functions Swift can call: MPI's handles (MPI_COMM_WORLD, MPI_FLOAT, MPI_SUM) are macros
// that Swift cannot import, so each call the package makes is wrapped here.
#include <mpi.h>

/// MPI_Init_thread asking for MPI_THREAD_FUNNELED (only the main thread calls MPI); returns MPI's error code.
static inline int ssm_mpi_init(void) {
    int initialized = 0;
    MPI_Initialized(&initialized);
    if (initialized) return MPI_SUCCESS;
    int provided = 0;
    return MPI_Init_thread(NULL, NULL, MPI_THREAD_FUNNELED, &provided);
}

static inline int ssm_mpi_finalize(void) {
    int finalized = 0;
    MPI_Finalized(&finalized);
    return finalized ? MPI_SUCCESS : MPI_Finalize();
}

static inline int ssm_mpi_rank(void) { int r = 0; MPI_Comm_rank(MPI_COMM_WORLD, &r); return r; }
static inline int ssm_mpi_size(void) { int s = 1; MPI_Comm_size(MPI_COMM_WORLD, &s); return s; }

/// Sums `count` floats across the world in place.
static inline int ssm_mpi_allreduce_sum(float *buffer, int count) {
    return MPI_Allreduce(MPI_IN_PLACE, buffer, count, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
}

static inline int ssm_mpi_barrier(void) { return MPI_Barrier(MPI_COMM_WORLD); }

static inline double ssm_mpi_wtime(void) { return MPI_Wtime(); }
