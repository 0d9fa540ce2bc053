#!/usr/bin/env bash
# Writes what the project's programs print for a fixed set of inputs into one folder,
# so that a refactor can be proven to keep behaviour: run it before and after, then
# `diff -r BEFORE AFTER`. Timing fields (wall clock, rates) are left out; everything
# else is compared byte for byte.
#
#   scripts/behaviour-snapshot.sh DIR            (release builds; about 3 minutes)
#
# What it keeps:
#   scenarios/NAME.txt        `linksim run` (timeline and verdicts), plain text
#   scenarios/NAME.verbose    `linksim run --verbose`
#   scenarios/NAME.jsonl      `linksim run --trace`
#   scenarios/NAME.json       `linksim run --json`
#   explore.json, .exit       `linksim explore --seeds 0..20000 --json`, timings removed; its exit code
#   sweep.csv                 a sweep of the bundled outage scenario over 300 seeds
#   link-check.txt            `link-check --links 3` per configuration, times removed
#   swarm/SEED.txt            `link-swarm --seed SEED --records` for seeds 0..300
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:?usage: scripts/behaviour-snapshot.sh DIR}
mkdir -p "$out/scenarios" "$out/swarm"

cargo build -q --release -p linksim -p link-check -p link-swarm
bin=target/release

for file in scenarios/*.json; do
  name=$(basename "$file" .json)
  # Exit codes are part of the behaviour: kept at the end of each text.
  { "$bin/linksim" run "$file" || echo "exit $?"; } > "$out/scenarios/$name.txt" 2>&1
  { "$bin/linksim" run "$file" --verbose || echo "exit $?"; } > "$out/scenarios/$name.verbose" 2>&1
  "$bin/linksim" run "$file" --quiet --trace "$out/scenarios/$name.jsonl" > /dev/null 2>&1 || true
  "$bin/linksim" run "$file" --json > "$out/scenarios/$name.json" 2>/dev/null || true
done

strip_timing() {
  python3 -c '
import json, sys
summary = json.load(sys.stdin)
for key in ("wall_s", "seeds_per_s", "simulated_s_per_wall_s"):
    summary.pop(key, None)
print(json.dumps(summary, indent=2, sort_keys=True))'
}
# The exit code is kept beside the summary (a violation's, or a world out of budget's).
set +e
"$bin/linksim" explore --seeds 0..20000 --jobs 2 --json --out "$out" > "$out/explore.raw"
echo "exit $?" > "$out/explore.exit"
set -e
strip_timing < "$out/explore.raw" > "$out/explore.json"
rm "$out/explore.raw"

"$bin/linksim" sweep scenarios/outage-connector-dies-at-a-drawn-moment.json \
  --set restart_timeout=2s,5s,10s --set connect_tout=1s,2s --seeds 0..300 --jobs 2 \
  --csv "$out/sweep.csv" > /dev/null 2>&1

"$bin/link-check" --links 3 2>&1 | sed -E 's/ +[0-9.]+ s  / s  /; s/, [0-9.]+ s:/:/' > "$out/link-check.txt"

for seed in $(seq 0 299); do
  "$bin/link-swarm" --seed "$seed" --records > "$out/swarm/$seed.txt" 2>&1 || echo "exit $?" >> "$out/swarm/$seed.txt"
done
echo "behaviour snapshot written to $out"
