#!/usr/bin/env bash
# Builds examples/c/failover.c against the static library of crates/link-core-ffi with
# the system C compiler, runs it, and compares its output with the Rust example's, byte
# for byte; then again under AddressSanitizer and UndefinedBehaviorSanitizer (leaks
# included); and built as C++20 with the system C++ compiler (the header is C++'s too).
# Exit 1 on any difference or sanitizer report.
set -euo pipefail
cd "$(dirname "$0")/.."
cc="${CC:-cc}"
cargo build -q --release -p link-core-ffi
lib=target/release/liblink_core_ffi.a
cargo run -q -p link-core --example failover > target/failover-rust.txt
"$cc" -std=c11 -Wall -Wextra -Werror -Iinclude examples/c/failover.c "$lib" -lpthread -ldl -lm -o target/failover-c
./target/failover-c > target/failover-c.txt
diff -u target/failover-rust.txt target/failover-c.txt
echo "the C example prints what the Rust example prints ($(wc -l < target/failover-c.txt) lines)"
"$cc" -std=c11 -g -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer \
  -Iinclude examples/c/failover.c "$lib" -lpthread -ldl -lm -o target/failover-c-san
ASAN_OPTIONS=detect_leaks=1:halt_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
  ./target/failover-c-san > target/failover-c-san.txt
diff -u target/failover-rust.txt target/failover-c-san.txt
echo "and under ASan and UBSan: no report, same output"
cxx="${CXX:-c++}"
"$cxx" -std=c++20 -Wall -Werror -x c++ -Iinclude examples/c/failover.c -x none "$lib" -lpthread -ldl -lm -o target/failover-cpp
./target/failover-cpp > target/failover-cpp.txt
diff -u target/failover-rust.txt target/failover-cpp.txt
echo "and built as C++20: same output"
