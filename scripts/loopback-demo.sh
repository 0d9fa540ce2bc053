#!/usr/bin/env bash
# The loopback demo with real processes: three csta-connector-stub processes on
# 127.0.0.1:7101-7103 and link-driver reading crates/link-tokio/examples/loopback.ini.
# The highest-priority stub (CSTA_EAST, 7101) is killed with SIGKILL 3 s in; the driver
# sends EventLinkDisconnected, waits the 1 s restart timeout and selects CSTA_WEST.
# Stops by itself after 7 s. Needs the ports 7101-7103 free.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build -q -p link-tokio --bins
bin="${CARGO_TARGET_DIR:-target}/debug"
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; }
trap cleanup EXIT
"$bin/csta-connector-stub" --port 7101 --name CSTA_EAST > >(sed -u 's/^/      stub | /') &
pids+=($!); disown "$!"  # no "Killed" job notice from this shell
"$bin/csta-connector-stub" --port 7102 --name CSTA_WEST > >(sed -u 's/^/      stub | /') &
pids+=($!); disown "$!"  # no "Killed" job notice from this shell
"$bin/csta-connector-stub" --port 7103 --name CSTA_SOUTH > >(sed -u 's/^/      stub | /') &
pids+=($!); disown "$!"  # no "Killed" job notice from this shell
sleep 0.3
east=${pids[0]}
( sleep 3; echo "=== killing CSTA_EAST (SIGKILL) ==="; kill -KILL "$east" ) &
pids+=($!)
"$bin/link-driver" --options crates/link-tokio/examples/loopback.ini --restart-timeout 1s --run-for 7s \
  | sed -u 's/^/driver | /'
