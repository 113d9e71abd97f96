#!/usr/bin/env bash
# The MPI data-parallel check: installs OpenMPI if missing, builds `ssm` with SSM_MPI=1 (in .build-mpi), trains a
# small grid-cell network and the BEV model once in one process and once with `mpirun -np 2` on the same global
# batch (dropout on; for BEV synchronised batch norm and the pooled IoU term), and requires the final checkpoints
# to agree within float rounding; then trains HRL-ICM for two DD-PPO iterations on 2 ranks. CI runs it.
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
# BEV (synchronised batch norm, the pooled IoU term, dropout on sequences): the losses must agree within float
# rounding. The weights agree within 2.4e-3: Adam's first steps move a weight by ±lr whatever its gradient's size,
# so where rounding tips a near-zero gradient across zero a weight moves by 2·lr, at most 2.4e-3 in 4 steps of 3e-4
# (BEVDataParallelTests checks a small model to 1e-4). A convolution's bias in front of a batch norm, the
# attention's packed input bias (its key third) and the running means that follow those biases have no effect on
# the output, so their gradients are all rounding noise; they are not compared.
bev=(bev train --epochs 2 --steps-per-epoch 2 --batch-size 4 --iou-weight 1 --json)
OPENBLAS_NUM_THREADS=1 "$ssm" "${bev[@]}" --output "$out/bev-single" 2>/dev/null | tail -1 > "$out/bev-single.json"
OPENBLAS_NUM_THREADS=1 mpirun "${root[@]}" --oversubscribe -np 2 "$ssm" "${bev[@]}" --output "$out/bev-two" 2>/dev/null | tail -1 > "$out/bev-two.json"
python3 - "$out/bev-single.json" "$out/bev-two.json" <<'PY'
import json, sys
a, b = (json.load(open(f)) for f in sys.argv[1:3])
for key in ("train_loss", "val_loss", "val_free_iou"):
    d = abs(a[key] - b[key]) / max(1, abs(a[key]))
    print(f"bev {key}: {a[key]:.7g} (1 process), {b[key]:.7g} (2 ranks), relative difference {d:.2g}")
    if d > 1e-4: sys.exit(1)
PY
python3 scripts/compare_checkpoints.py "$out/bev-single/checkpoints/latest.safetensors" "$out/bev-two/checkpoints/latest.safetensors" 2.4e-3 \
    --skip 'running_mean|in_proj_bias|^(encoder|upsampler)\.[0369]\.bias$'
# HRL-ICM in DD-PPO form: each rank collects two of the four environments; the ranks must finish and report.
OPENBLAS_NUM_THREADS=1 mpirun "${root[@]}" --oversubscribe -np 2 "$ssm" hrl train --preset 9 --envs 4 --iterations 2 --cloning-iterations 1 \
    --output "$out/hrl-two" --json 2>/dev/null | tail -1 > "$out/hrl-two.json"
python3 - "$out/hrl-two.json" <<'PY'
import json, math, sys
m = json.load(open(sys.argv[1]))
print(f"hrl DD-PPO: world_size {m['world_size']}, final_loss {m['final_loss']:.4g}, success {m['success_rate']:.2f} over iteration {m['iteration']}")
sys.exit(0 if m["world_size"] == 2 and math.isfinite(m["final_loss"]) and m["iteration"] == 2 else 1)
PY
echo "mpi-check: 2 ranks reach the single process's parameters (grid, BEV) and train HRL-ICM together"
