#!/bin/sh
# Static checks, as CI runs them: clang-format (no diff), cppcheck and
# clang-tidy over the project's C sources. Exits non-zero on any finding.
set -eu
cd "$(dirname "$0")/.."
sources=$(ls include/*.h src/*.[ch] cli/*.[ch] tools/*.c examples/*.c 2>/dev/null)
tests=$(ls tests/*/*.[ch] fuzz/*.c bench/*.c bindings/python/*.c 2>/dev/null || true)

echo "lint: clang-format"
clang-format --dry-run --Werror $sources $tests

echo "lint: cppcheck"
cppcheck --quiet --error-exitcode=1 --std=c11 --enable=warning,performance,portability \
    --inline-suppr -D_GNU_SOURCE -D__linux__ -I include -I src -I cli \
    --suppress=missingIncludeSystem $sources

echo "lint: clang-tidy"
cmake -S . -B build-lint -DCMAKE_EXPORT_COMPILE_COMMANDS=ON -DATAIL_TESTS=OFF \
    -DATAIL_PYTHON=OFF >/dev/null
clang-tidy --quiet -p build-lint $(ls src/*.c cli/*.c tools/*.c examples/*.c) 2>/dev/null
echo "lint: clean"
