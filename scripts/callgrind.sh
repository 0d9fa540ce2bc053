#!/usr/bin/env bash
# Counts the instructions the simulator spends (valgrind's callgrind), the stable figure
# on a shared machine where wall clocks are not: per explore seed, per simulated step,
# per sweep run, per link-step of a many-link run. Prints a Markdown table for
# BENCHMARKS.md. Needs valgrind and python3; about two minutes.
#
#   scripts/callgrind.sh [LINKSIM]   (default: a release build of this tree)
set -euo pipefail
cd "$(dirname "$0")/.."
linksim=${1:-}
if [ -z "$linksim" ]; then
  cargo build -q --release -p linksim
  linksim=target/release/linksim
fi
command -v valgrind > /dev/null || { echo "callgrind.sh needs valgrind (apt-get install valgrind)" >&2; exit 2; }
out=target/callgrind
mkdir -p "$out"

# Instructions of one command (callgrind's total), its standard output kept.
count() {
  local name=$1; shift
  valgrind --tool=callgrind --callgrind-out-file="$out/$name.cg" "$linksim" "$@" \
    > "$out/$name.stdout" 2> "$out/$name.stderr" || true
  grep -o 'Collected : [0-9]*' "$out/$name.stderr" | grep -o '[0-9]*'
}

for n in 4096 16384; do
  python3 -c "import json; print(json.dumps({'format': 1, 'name': 'links-$n', 'seed': 1, 'run_for': '5s', 'config': {'links': [{'name': 'L%d' % i, 'priority': i % 100} for i in range($n)]}}))" > "$out/links-$n.json"
done

startup=$(count startup check sim/benches/one-hour-ha-pair.json)
explore=$(count explore explore --seeds 0..300 --jobs 1 --json)
hour=$(count hour run sim/benches/one-hour-ha-pair.json --json)
sweep=$(count sweep sweep scenarios/ha-primary-failover.json --seeds 0..500 --jobs 1)
links_small=$(count links-4096 run "$out/links-4096.json" --json)
links_large=$(count links-16384 run "$out/links-16384.json" --json)

python3 - "$startup" "$explore" "$hour" "$sweep" "$links_small" "$links_large" "$out" <<'EOF'
import json, sys
startup, explore, hour, sweep, small, large = map(int, sys.argv[1:7])
out = sys.argv[7]
def steps(name):
    text = open(f"{out}/{name}.stdout").read()
    return json.JSONDecoder().raw_decode(text)[0]["steps"]
explore_steps = steps("explore")
rows = [
    ("`linksim explore --seeds 0..300 --jobs 1`", f"{(explore - startup) / 300:,.0f} per seed",
     f"{(explore - startup) / explore_steps:,.0f} per step ({explore_steps:,} steps)"),
    ("`linksim run sim/benches/one-hour-ha-pair.json`", f"{hour - startup:,.0f} per run",
     f"{(hour - startup) / steps('hour'):,.0f} per step ({steps('hour'):,} steps)"),
    ("`linksim sweep scenarios/ha-primary-failover.json --seeds 0..500 --jobs 1`",
     f"{(sweep - startup) / 500:,.0f} per run", ""),
]
for name, total, n in (("links-4096", small, 4096), ("links-16384", large, 16384)):
    s = steps(name)
    rows.append((f"a 5 s run of {n:,} links (`linksim run`)", f"{total - startup:,.0f} per run",
                 f"{(total - startup) / s:,.0f} per step ({s:,} steps)"))
print("| command | instructions | |")
print("|---|---|---|")
for row in rows:
    print("| " + " | ".join(row) + " |")
print()
print(f"Process start-up and reading one scenario (`linksim check`), {startup:,} instructions, is subtracted from each.")
EOF
