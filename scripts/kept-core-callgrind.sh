#!/usr/bin/env bash
# Instructions one event costs a kept core (valgrind's callgrind, counting only inside
# `LinkCore::step_into`), at 2, 8, 64 and 1,024 links: the stable figure beside the
# kept-core wall clocks of BENCHMARKS.md, whose timer ticks in 10 ns steps. Each
# figure is the difference of 1,100 and 100 repetitions, over 1,000 (the template's
# own set-up steps cancel out). Needs valgrind and python3; about 15 seconds. Prints a Markdown table.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v valgrind > /dev/null || { echo "kept-core-callgrind.sh needs valgrind (apt-get install valgrind)" >&2; exit 2; }
cargo build -q --release -p link-core --example kept_step_cost
example=target/release/examples/kept_step_cost
out=target/callgrind
mkdir -p "$out"

# Instructions inside step_into for `repeats` steps of event $1 at $2 links.
count() {
  valgrind --tool=callgrind --callgrind-out-file="$out/kept.cg" \
    --toggle-collect='link_core::machine::LinkCore::step_into' \
    "$example" "$1" "$2" "$3" 2>&1 > /dev/null | grep -o 'Collected : [0-9]*' | grep -o '[0-9]*$'
}

links=(2 8 64 1024)
echo "| event | 2 links | 8 links | 64 links | 1024 links | 1024 / 8 |"
echo "|---|---|---|---|---|---|"
for event in waiting-accept refused-one first-normal-lowest; do
  row="| \`$event\` |"
  declare -A per_step=()
  for n in "${links[@]}"; do
    few=$(count "$event" "$n" 100)
    many=$(count "$event" "$n" 1100)
    per_step[$n]=$(( (many - few) / 1000 ))
    row="$row ${per_step[$n]} |"
  done
  ratio=$(python3 -c "print(f'{${per_step[1024]} / ${per_step[8]}:.2f}x')")
  echo "$row $ratio |"
done
