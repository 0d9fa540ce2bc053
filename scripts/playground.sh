#!/usr/bin/env bash
# Regenerates docs/playground.html: builds crates/linksim-wasm for the browser and
# assembles the page from its template, the module and scenarios/.
# Usage: scripts/playground.sh [OUT.html]   (default docs/playground.html)
# The module is built in its own target folder (its flags differ from the host's
# build); the page tool runs from the workspace's. The build remaps the machine's paths out of the module, so the page is the same on
# every machine with the same toolchain; CI regenerates it and compares. Size first:
# optimised for size, one codegen unit, link-time optimisation, no unwinding, stripped.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-docs/playground.html}
target=wasm32-unknown-unknown
if ! rustup target list --installed 2>/dev/null | grep -qx "$target"; then
  rustup target add "$target"
fi
cargo_home=${CARGO_HOME:-$HOME/.cargo}
rustup_home=${RUSTUP_HOME:-$HOME/.rustup}
wasm_target_dir=${PLAYGROUND_TARGET_DIR:-target/playground}
CARGO_TARGET_DIR=$wasm_target_dir RUSTFLAGS="--remap-path-prefix=$PWD=/linkpilot --remap-path-prefix=$cargo_home=/cargo --remap-path-prefix=$rustup_home=/rustup" \
  cargo build -q --release --locked -p linksim-wasm --lib --target "$target" \
    --config 'profile.release.opt-level="s"' --config profile.release.lto=true \
    --config profile.release.codegen-units=1 --config 'profile.release.panic="abort"' \
    --config profile.release.strip=true
module=$wasm_target_dir/$target/release/linksim_wasm.wasm
cargo run -q --release --locked -p linksim-wasm --bin playground-page -- "$module" scenarios "$out"
echo "wrote $out ($(wc -c < "$out") bytes; module $(wc -c < "$module") bytes)"
