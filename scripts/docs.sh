#!/usr/bin/env bash
# Builds the DocC documentation of every library target with warnings as errors, after building and running
# every getting-started snippet (Snippets/) the articles show, so that the code in the documentation compiles
# and runs. Archives land in .build-docs/plugins/Swift-DocC/outputs/TARGET.doccarchive.
#   bash scripts/docs.sh            # all of it (about 4 minutes on 2 cores after a debug build)
#   SKIP_SNIPPETS=1 bash scripts/docs.sh
set -euo pipefail
cd "$(dirname "$0")/.."
scratch=.build-docs
targets=$(swift package dump-package | python3 -c '
import json, sys
products = json.load(sys.stdin)["products"]
print(" ".join(t for p in products if "library" in p["type"] for t in p["targets"]))')

if [ "${SKIP_SNIPPETS:-0}" != 1 ]; then
    swift build
    for file in Snippets/*.swift; do
        name=$(basename "$file" .swift)
        start=$(date +%s)
        if ! out=$(".build/debug/$name" 2>&1); then
            echo "$out" >&2
            echo "docs: snippet $name failed" >&2
            exit 1
        fi
        echo "docs: snippet $name ran ($(( $(date +%s) - start )) s)"
    done
fi

args=()
for t in $targets; do args+=(--target "$t"); done
SSM_DOCS=1 swift package --scratch-path "$scratch" generate-documentation "${args[@]}" --warnings-as-errors
echo "docs: $(echo $targets | wc -w) catalogs built without warnings"
