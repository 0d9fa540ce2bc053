#!/usr/bin/env bash
# Regenerates BENCHMARKS.md and docs/scaling.svg from the divan benchmarks.
# Needs cargo and python3; takes a few minutes. Run it on an otherwise idle machine.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p target/bench
cargo bench -q -p link-core --bench step 2>&1 | tee target/bench/step.txt
cargo bench -q -p linksim --bench sim 2>&1 | tee target/bench/sim.txt
cargo test -q --release -p link-core --test allocations 2>&1 | tee target/bench/allocations.txt
cargo bench -q -p csta-wire --bench codec 2>&1 | tee target/bench/codec.txt
cargo build -q --release -p link-check
for links in 1 2 3; do ./target/release/link-check --links "$links" --quiet; done 2>&1 | tee target/bench/link-check.txt
cargo test -q --release -p link-check --test coverage -- --nocapture 2>&1 | tee target/bench/coverage-256.txt
PROPTEST_CASES=4096 cargo test -q --release -p link-check --test coverage -- --nocapture 2>&1 | tee target/bench/coverage-4096.txt
PROPTEST_CASES=4096 cargo test -q --release -p link-core --test properties 2>&1 | tee target/bench/properties-4096.txt
cargo build -q --release -p link-swarm
./target/release/link-swarm --seeds 0..1000 --jobs 1 --quiet 2>&1 | tee target/bench/link-swarm.txt
if command -v valgrind > /dev/null; then
  scripts/callgrind.sh | tee target/bench/callgrind.md
  scripts/kept-core-callgrind.sh | tee target/bench/kept-callgrind.md
else
  rm -f target/bench/kept-callgrind.md
  echo "valgrind is not installed: BENCHMARKS.md will say the instruction counts were not measured" | tee target/bench/callgrind.md
fi
CALLGRIND=target/bench/callgrind.md KEPT_CALLGRIND=target/bench/kept-callgrind.md python3 scripts/bench_report.py target/bench/step.txt target/bench/sim.txt target/bench/allocations.txt target/bench/codec.txt target/bench/link-check.txt target/bench/link-swarm.txt target/bench/coverage-256.txt target/bench/coverage-4096.txt target/bench/properties-4096.txt
echo "wrote BENCHMARKS.md and docs/scaling.svg"
