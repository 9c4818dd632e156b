#!/bin/sh
# Builds the libFuzzer targets with clang and runs each for SECONDS seconds
# (default 20) from its seed corpus in fuzz/corpus/NAME. New inputs found go
# to build-fuzz/corpus/NAME, not into the repository. Fails if a target
# crashes.
set -eu
seconds=${1:-20}
cd "$(dirname "$0")/.."
cmake -S . -B build-fuzz -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=Debug \
    -DATAIL_FUZZ=ON -DATAIL_TESTS=OFF -DATAIL_PYTHON=OFF >/dev/null
cmake --build build-fuzz -j "$(nproc)" --target fuzz_lines fuzz_number fuzz_checkpoint fuzz_json \
    fuzz_span_lines
for target in build-fuzz/fuzz/fuzz_*; do
    name=${target##*/fuzz_}
    mkdir -p "build-fuzz/corpus/$name"
    echo "fuzz: $name for ${seconds}s"
    "$target" -max_total_time="$seconds" -max_len=4096 -print_final_stats=0 \
        "build-fuzz/corpus/$name" "fuzz/corpus/$name" 2>build-fuzz/fuzz-$name.log \
        || { tail -n 40 "build-fuzz/fuzz-$name.log"; exit 1; }
    grep -E "^Done [0-9]+ runs" "build-fuzz/fuzz-$name.log"
done
