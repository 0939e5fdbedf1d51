#!/usr/bin/env bash
# Run the fuzz targets, each for a while: fuzz/run.sh [SECONDS_PER_TARGET] [TARGET...]
# (default 60 s, all targets). SEEDS=all takes every shared-corpus file as a seed instead of
# a sample. Needs cargo-fuzz (`cargo install cargo-fuzz --locked`) and python3.
# A crash stops the run with a non-zero status; libFuzzer leaves the input in
# fuzz/artifacts/<target>/ (copy it to fuzz/regressions/ and add a test).
set -euo pipefail
cd "$(dirname "$0")"
seconds=${1:-60}
shift || true
# libFuzzer takes 0 s as "no limit": here it means no run.
if [ "$seconds" = 0 ]; then
  echo "fuzz: skipped (0 s per target)"
  exit 0
fi
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(yaml terraform plan lsp)

# Seeds: made at run time from ../shared/corpus (not committed) plus the committed fuzz/seeds.
seed_args=()
[ "${SEEDS:-}" = all ] && seed_args=(--all)
python3 seeds.py ../../shared/corpus corpus "${seed_args[@]}"

# cargo-fuzz's default sanitizer (address) needs a nightly compiler's -Z flags; libFuzzer's
# coverage instrumentation alone (`-s none`) builds on the pinned stable toolchain, in
# cargo-fuzz's default profile (optimised, with debug assertions and overflow checks).
flags=(-s none)
status=0
for t in "${targets[@]}"; do
  mkdir -p "corpus/$t" "artifacts/$t"
  echo "fuzz: $t for ${seconds}s"
  # -timeout: one input taking 10 s is a hang; -rss_limit_mb: memory stays bounded (with
  # libFuzzer's own corpus in it); -malloc_limit_mb: no single allocation beyond 1 GiB.
  log="artifacts/$t.log"
  cargo fuzz run "${flags[@]}" "$t" "corpus/$t" "seeds/$t" -- \
    -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=1024 \
    -max_len=1048576 -print_final_stats=1 > "$log" 2>&1 || status=$?
  grep -E '^(stat::number_of_executed_units|stat::peak_rss_mb|#[0-9]+ +DONE|INFO: seed corpus|SUMMARY|==[0-9]+==)|panicked|artifact' "$log" || true
  if [ "$status" != 0 ]; then
    echo "fuzz: $t failed (status $status); the log is fuzz/$log, the input in fuzz/artifacts/$t/" >&2
    tail -n 40 "$log" >&2
    exit "$status"
  fi
done
