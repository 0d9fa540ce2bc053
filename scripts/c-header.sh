#!/usr/bin/env bash
# Regenerates include/linkpilot.h, the C header of crates/link-core-ffi, with cbindgen
# (installed if missing). CI regenerates it into target/ and fails if it differs.
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-include/linkpilot.h}"
command -v cbindgen >/dev/null 2>&1 || cargo install --locked cbindgen --version 0.29.4
cbindgen --quiet --config crates/link-core-ffi/cbindgen.toml --crate link-core-ffi --output "$out"
