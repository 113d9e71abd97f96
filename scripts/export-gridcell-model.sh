#!/usr/bin/env bash
# Copies a finished `ssm grid train` run into a shipped model folder: config.json, metrics.jsonl,
# model.safetensors (the final weights, without optimiser state) and the epoch_N snapshots that
# Figure2GridEmergence reads.
#   bash scripts/export-gridcell-model.sh RUN_FOLDER [Models/gridcell]
set -euo pipefail
run="${1:?usage: export-gridcell-model.sh RUN_FOLDER [OUTPUT]}"
out="${2:-Models/gridcell}"
mkdir -p "$out/checkpoints"
cp "$run/config.json" "$run/metrics.jsonl" "$out/"
cp "$run/checkpoints/latest.safetensors" "$out/model.safetensors"
for f in "$run"/checkpoints/epoch_*.safetensors; do
  case "$f" in *.optim.safetensors) ;; *) cp "$f" "$out/checkpoints/" ;; esac
done
ls -la "$out" "$out/checkpoints"
