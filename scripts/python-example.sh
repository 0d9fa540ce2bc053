#!/usr/bin/env bash
# Builds the shared library of crates/link-core-ffi, runs examples/python/failover.py
# on it with the system's python3 (ctypes only: nothing to install), and compares its
# output with the Rust example's, byte for byte. Exit 1 on any difference.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build -q --release -p link-core-ffi
case "$(uname -s)" in
  Darwin) lib=target/release/liblink_core_ffi.dylib ;;
  *) lib=target/release/liblink_core_ffi.so ;;
esac
mkdir -p target
cargo run -q -p link-core --example failover > target/failover-rust.txt
python3 examples/python/failover.py "$lib" > target/failover-python.txt
diff -u target/failover-rust.txt target/failover-python.txt
echo "the Python example prints what the Rust example prints ($(wc -l < target/failover-python.txt) lines)"
