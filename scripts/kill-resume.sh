#!/usr/bin/env bash
# Kill-and-resume check: every trainer, run once straight through and once killed (SIGKILL) at random moments and
# resumed until it finishes, must end with byte-identical checkpoints (model and optimiser state).
#   bash scripts/kill-resume.sh [KILLS]        KILLS: kills per trainer (default 6)
# Builds ssm in release (or uses $SSM); takes a few minutes on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
kills=${1:-6}
if [[ -z ${SSM:-} ]]; then
  swift build -c release --product ssm >/dev/null
  SSM=$(swift build -c release --show-bin-path)/ssm
fi
ssm=$SSM
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export OPENBLAS_NUM_THREADS=1
declare -A runs=(
  [grid]="grid train --preset emergence --trajectories arena --epochs 30 --steps-per-epoch 20 --batch-size 8 --sequence-length 10 --hidden 32 --bottleneck 32 --place-cells 64"
  [spc]="spc train --epochs 12 --steps-per-epoch 10 --batch-size 8 --sequence-length 10"
  [bev]="bev train --epochs 12 --steps-per-epoch 4 --batch-size 4"
  [detector]="bev detector train --epochs 12 --steps-per-epoch 4 --batch-size 4"
  [hrl]="hrl train --iterations 8 --cloning-iterations 4 --curriculum-iterations 8 --envs 2"
)
status=0
for name in grid spc bev detector hrl; do
  read -r -a args <<<"${runs[$name]}"
  "$ssm" "${args[@]}" --output "$work/$name-straight" >/dev/null 2>&1
  start=$(date +%s.%N)
  "$ssm" "${args[@]}" --output "$work/$name-probe" >/dev/null 2>&1
  length=$(echo "$(date +%s.%N) - $start" | bc)
  killed=0
  while :; do
    "$ssm" "${args[@]}" --output "$work/$name-killed" --resume >/dev/null 2>&1 &
    pid=$!
    if (( killed < kills )); then
      sleep "$(echo "scale=3; $length * $RANDOM / 32768 / 3" | bc)"
      if kill -9 "$pid" 2>/dev/null; then killed=$((killed + 1)); wait "$pid" 2>/dev/null || true; continue; fi
    fi
    wait "$pid" && break
  done
  same=yes
  for f in "$work/$name-straight"/checkpoints/*.safetensors; do
    cmp -s "$f" "$work/$name-killed/checkpoints/$(basename "$f")" || { same=no; echo "  $(basename "$f") differs"; }
  done
  lines_a=$(wc -l <"$work/$name-straight/metrics.jsonl"); lines_b=$(wc -l <"$work/$name-killed/metrics.jsonl")
  [[ $lines_a == "$lines_b" ]] || { same=no; echo "  metrics.jsonl: $lines_a lines straight, $lines_b after kills"; }
  stray=$(find "$work/$name-killed" -name '*.tmp-*' -o -name '*.optim.next.*' | wc -l)
  printf '%-9s %d kills, run %.1f s: checkpoints identical: %s, stray files: %d\n' "$name" "$killed" "$length" "$same" "$stray"
  [[ $same == yes ]] || status=1
done
exit $status
