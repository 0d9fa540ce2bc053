#!/usr/bin/env bash
# Regenerates the pictures the README shows, from the bundled scenarios.
# Run from anywhere: scripts/pictures.sh
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build -q -p linksim
./target/debug/linksim run --quiet scenarios/ha-primary-failover.json --svg docs/failover.svg
