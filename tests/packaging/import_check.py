"""Run by scripts/deb-test.sh and pip-test.sh: python3 import_check.py DIR
FILE. The atail imported must come from DIR (the installed files under
test), and read FILE, which holds the lines "one" and "two". Prints the
extension module's path."""

import sys

import atail

where, path = sys.argv[1], sys.argv[2]
assert atail.__file__.startswith(where), f"atail imported from {atail.__file__}"
with atail.open(path, start="begin", follow="none") as f:
    lines = list(f)
assert lines == [b"one", b"two"], lines
print(atail._atail.__file__)
