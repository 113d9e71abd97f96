#!/usr/bin/env bash
# The MPI data-parallel check: installs OpenMPI if missing, builds `ssm` with SSM_MPI=1 (in .build-mpi), trains a
# small grid-cell network once in one process and once with `mpirun -np 2` on the same global batch (dropout on),
# and requires the two final checkpoints to agree within float rounding. CI runs it.
#   bash scripts/mpi-check.sh
set -euo pipefail
cd "$(dirname "$0")/.."
if ! pkg-config --exists ompi-c || ! command -v mpirun >/dev/null; then
    echo "mpi-check: installing OpenMPI" >&2
    sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq libopenmpi-dev openmpi-bin >/dev/null
fi
SSM_MPI=1 swift build --build-path .build-mpi --product ssm
ssm=.build-mpi/debug/ssm
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
flags=(grid train --preset emergence --trajectories arena --epochs 2 --steps-per-epoch 10 --batch-size 16 --sequence-length 10
       --hidden 32 --bottleneck 32 --place-cells 64 --dropout 0.5 --json)
# As root, OpenMPI needs to be told it may run (CI runs as root); --oversubscribe allows 2 ranks on any core count.
root=(); [ "$(id -u)" -eq 0 ] && root=(--allow-run-as-root)
# One random stream per batch (each rank makes the whole batch), then a generator per window (each makes its rows).
for seeds in "" --window-seeds; do
    OPENBLAS_NUM_THREADS=1 "$ssm" "${flags[@]}" $seeds --output "$out/single$seeds" 2>/dev/null | tail -1
    OPENBLAS_NUM_THREADS=1 mpirun "${root[@]}" --oversubscribe -np 2 "$ssm" "${flags[@]}" $seeds --output "$out/two$seeds" 2>/dev/null | tail -1
    python3 scripts/compare_checkpoints.py "$out/single$seeds/checkpoints/latest.safetensors" "$out/two$seeds/checkpoints/latest.safetensors" 1e-4
done
echo "mpi-check: 2 ranks reach the single process's parameters"
