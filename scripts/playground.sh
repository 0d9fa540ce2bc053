#!/usr/bin/env bash
# Regenerates docs/playground.html: builds sim/wasm for the browser and
# assembles the page from its template, the module and scenarios/.
# Usage: scripts/playground.sh [OUT.html]   (default docs/playground.html)
#
# The module is built in its own target folder (its flags differ from the host's
# build); the page tool runs from the workspace's. The build remaps the machine's paths
# out of the module (the clone, cargo's and rustup's homes), so the page is the same on
# every machine with the same toolchain; the page records `rustc --version`, and CI
# compares it byte for byte when its toolchain is that one. Size first: optimised for
# size, one codegen unit, link-time optimisation, no unwinding, stripped.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-docs/playground.html}
target=wasm32-unknown-unknown
if ! rustc --print target-libdir --target "$target" 2>/dev/null | xargs -I{} test -d {}; then
  if ! command -v rustup >/dev/null 2>&1; then
    echo "error: the $target standard library is not installed and there is no rustup to add it" >&2
    exit 1
  fi
  rustup target add "$target"
fi
clone=$(pwd -P)
cargo_home=${CARGO_HOME:-$HOME/.cargo}
rustup_home=${RUSTUP_HOME:-$HOME/.rustup}
wasm_target_dir=${PLAYGROUND_TARGET_DIR:-target/playground}
# One flag per field (ASCII unit separator): paths with spaces stay whole, and no
# inherited RUSTFLAGS changes the module.
sep=$'\x1f'
flags="--remap-path-prefix=$clone=/linkpilot$sep--remap-path-prefix=$cargo_home=/cargo$sep--remap-path-prefix=$rustup_home=/rustup"
CARGO_TARGET_DIR=$wasm_target_dir CARGO_ENCODED_RUSTFLAGS=$flags \
  cargo build -q --release --locked -p linksim-wasm --lib --target "$target" \
    --config 'profile.release.opt-level="s"' --config profile.release.lto=true \
    --config profile.release.codegen-units=1 --config 'profile.release.panic="abort"' \
    --config profile.release.strip=true
module=$wasm_target_dir/$target/release/linksim_wasm.wasm
mkdir -p "$(dirname "$out")"
PLAYGROUND_RUSTC=$(rustc --version) \
  cargo run -q --release --locked -p linksim-wasm --bin playground-page -- "$module" scenarios "$out"
echo "wrote $out ($(wc -c < "$out") bytes; module $(wc -c < "$module") bytes)"
