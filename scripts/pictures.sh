#!/usr/bin/env bash
# Regenerates the pictures the README shows, from the bundled scenarios.
# Run from anywhere: scripts/pictures.sh
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build -q -p linksim
./target/debug/linksim run --quiet scenarios/ha-primary-failover.json --svg docs/failover.svg
./target/debug/linksim sweep scenarios/outage-connector-dies-at-a-drawn-moment.json \
    --set connect_tout=1s,2s,5s --set restart_timeout=2s,5s,10s --seeds 0..1000 --jobs 2 \
    --svg docs/sweep-heatmap.svg
