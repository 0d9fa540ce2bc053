#!/usr/bin/env bash
# Mutation testing (cargo-mutants), as a kept habit: not in CI, as a whole run takes
# hours on two cores. Installs cargo-mutants if it is missing.
#
#   scripts/mutants.sh core [FILE...]   link-core, with the tests of every crate that
#                                       exercises it (link-core, link-check, linksim)
#   scripts/mutants.sh core-own [FILE...]
#                                       link-core with its own tests only, the property
#                                       test at 256 cases and without its two slow
#                                       whole-budget tests (the rule marks' reach, the
#                                       planted bugs): about 6 mutants a minute, so
#                                       the whole crate in about two hours (`core`
#                                       on what it missed gives the whole figure)
#   scripts/mutants.sh checker [FILE...]
#                                       the simulator's checker, account and liveness
#                                       modules (or the FILEs given), with the tests
#                                       that exercise them: the library's unit tests
#                                       (doctored steps), the outside checks, the
#                                       bundled scenarios, explore with the planted
#                                       bugs and the edges; about three mutants a
#                                       minute
#
# Results in mutants.out/ (caught.txt, missed.txt, ...); docs/guide/checking.md keeps
# the figures and docs/mutants.md the survivors judged equivalent, with the reason.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v cargo-mutants > /dev/null || cargo install --locked cargo-mutants
what=${1:-core}
shift || true
files=()
for f in "$@"; do files+=(--file "$f"); done
case "$what" in
  core)
    cargo mutants --jobs 2 -p link-core "${files[@]}" \
      --test-package link-core --test-package link-check --test-package linksim \
      --features link-core/planted-bugs,link-core/coverage-marks
    ;;
  core-own)
    PROPTEST_CASES=256 cargo mutants --jobs 2 -p link-core "${files[@]}" \
      --test-package link-core --features link-core/planted-bugs,link-core/coverage-marks \
      -- -- --skip the_property_reaches_every_rule_mark --skip the_property_finds_every_planted_bug
    ;;
  checker)
    if [ ${#files[@]} -eq 0 ]; then
      files=(--file sim/src/checker.rs --file sim/src/liveness.rs --file sim/src/account.rs)
    fi
    cargo mutants --jobs 2 -p linksim "${files[@]}" --test-package linksim \
      --features linksim/planted-bugs \
      -- --lib --test outside_checks --test scenarios --test explore --test edges
    ;;
  *)
    echo "usage: scripts/mutants.sh core [FILE...] | core-own [FILE...] | checker [FILE...]" >&2
    exit 2
    ;;
esac
