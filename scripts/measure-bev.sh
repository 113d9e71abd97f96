#!/usr/bin/env bash
# Reproduces the BEV, detector and map figures quoted in Docs/BEV.md and Docs/SpatialMemory.md from the
# shipped models (one BLAS thread). Optional: MM_DATA=DIR (a real Memory-Maze recording, held out) and
# MM_MODEL=FILE (a BEV model fine-tuned on other real recordings) add the real-frame figures.
set -euo pipefail
cd "$(dirname "$0")/.."
export OPENBLAS_NUM_THREADS=1
OUT=${OUT:-runs/measure-bev}
mkdir -p "$OUT"
swift build -c release --product ssm >/dev/null
ssm=.build/release/ssm

echo "== BEV and detector on 1,024 held-out generated scenes"
$ssm bev eval --samples 1024 --json 2>/dev/null | tail -1 | tee "$OUT/bev_eval.json"
$ssm bev figures --output "$OUT/bev-figures" >/dev/null
echo "== maps of generated mazes (seeds 1-4 chose the wall and detection settings; 7-12 are held out)"
for seed in 7 8 9 10 11 12; do
  $ssm map --seed "$seed" --frame-every 0 --output "$OUT/map-$seed" --json 2>/dev/null | tail -1 | tee "$OUT/map-$seed.json"
done
$ssm map --seed 7 --output "$OUT/map-7" --json 2>/dev/null | tail -1 >/dev/null     # with video frames
$ssm map --seed 7 --ground-truth --frame-every 0 --output "$OUT/map-7-gt" --json 2>/dev/null | tail -1 | tee "$OUT/map-7-gt.json"
$ssm map --seed 7 --poses gridcell --frame-every 0 --output "$OUT/map-7-gridcell" --json 2>/dev/null | tail -1 | tee "$OUT/map-7-gridcell.json"
if [[ -n "${MM_DATA:-}" ]]; then
  echo "== real Memory-Maze frames: $MM_DATA"
  $ssm bev eval --data "$MM_DATA" --json 2>/dev/null | tail -1 | tee "$OUT/mm_eval.json"
  $ssm map --data "$MM_DATA" --frame-every 0 --output "$OUT/map-mm" --json 2>/dev/null | tail -1 | tee "$OUT/map-mm.json"
  $ssm map --data "$MM_DATA" --ground-truth --frame-every 0 --output "$OUT/map-mm-gt" --json 2>/dev/null | tail -1 | tee "$OUT/map-mm-gt.json"
  if [[ -n "${MM_MODEL:-}" ]]; then
    $ssm bev eval --data "$MM_DATA" --checkpoint "$MM_MODEL" --json 2>/dev/null | tail -1 | tee "$OUT/mm_eval_finetuned.json"
    $ssm map --data "$MM_DATA" --checkpoint "$MM_MODEL" --output "$OUT/map-mm-finetuned" --json 2>/dev/null | tail -1 | tee "$OUT/map-mm-finetuned.json"
    $ssm bev figures --data "$MM_DATA" --every 40 --checkpoint "$MM_MODEL" --output "$OUT/bev-figures-mm" >/dev/null
  fi
fi
