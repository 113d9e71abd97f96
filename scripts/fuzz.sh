#!/usr/bin/env bash
# Runs one libFuzzer target (with the address sanitiser) for a while, starting from the seed corpus in
# Fuzz/Corpus/TARGET; new interesting inputs collect in Fuzz/.work/TARGET, crashes in Fuzz/.work/crashes.
#   bash scripts/fuzz.sh TARGET SECONDS [libFuzzer flags…]
# TARGET: FuzzSafeTensors, FuzzPNG, FuzzDataset, FuzzWireFormats or FuzzConfigs ("all" runs each for SECONDS).
# A crash prints its input file; replay it with: Fuzz/.build-fuzz/release/TARGET FILE
# Leak detection is off: Foundation on Linux (Swift 6 toolchain) leaks the buffer of Data(contentsOf:) on some failed
# dataset reads (about 4 KB each, 60k over 3.25M inputs); it is not in this package's code.
set -euo pipefail
cd "$(dirname "$0")/.."
target=${1:?usage: scripts/fuzz.sh TARGET SECONDS}
seconds=${2:?usage: scripts/fuzz.sh TARGET SECONDS}
shift 2
targets=(FuzzSafeTensors FuzzPNG FuzzDataset FuzzWireFormats FuzzConfigs)
[[ $target == all ]] || targets=("$target")
export SWIFT_BACKTRACE=enable=no   # the Swift backtracer trips the address sanitiser; let libFuzzer report
export ASAN_OPTIONS=detect_leaks=0 # see the note on leaks above
for t in "${targets[@]}"; do
  swift build -c release --package-path Fuzz --build-path Fuzz/.build-fuzz --product "$t" \
    -Xswiftc -sanitize=fuzzer,address >/dev/null
  mkdir -p "Fuzz/.work/$t" Fuzz/.work/crashes
  echo "== $t for $seconds s"
  "Fuzz/.build-fuzz/release/$t" "Fuzz/.work/$t" "Fuzz/Corpus/$t" -max_total_time="$seconds" -max_len=65536 \
    -rss_limit_mb=1536 -malloc_limit_mb=1536 -detect_leaks=0 -print_final_stats=1 -artifact_prefix=Fuzz/.work/crashes/ "$@" 2>&1 \
    | grep -E "^(#[0-9]+[[:space:]]+DONE|stat::number_of_executed_units|stat::peak_rss_mb|==[0-9]+==ERROR|SUMMARY|artifact_prefix|Test unit written)" || true
done
