#!/usr/bin/env bash
# Creates packages/sdk-python/.venv with the pinned dev tools and the SDK installed editable;
# `setup-venv.sh bench` creates bench/.venv with the benchmarks' peers (bench/requirements.txt)
# instead, which neither npm test nor .ci/run installs.
# Idempotent: does nothing when the venv matches its requirements file and pyproject.toml.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
case "${1:-dev}" in
  dev) venv="$here/.venv" requirements="$here/requirements-dev.txt" ;;
  bench) venv="$here/bench/.venv" requirements="$here/bench/requirements.txt" ;;
  *) echo "usage: $0 [dev|bench]" >&2 && exit 2 ;;
esac
python="${PYTHON:-python3}"
stamp="$venv/.tripwire-stamp"
# Test files running in parallel (pytest suite, e2e tests) may call this at once: one at a time.
exec 9>"${TMPDIR:-/tmp}/tripwire-sdk-python-venv-$(echo "$venv" | sha256sum | cut -c1-16).lock"
flock 9
want="$(cat "$requirements" "$here/pyproject.toml" | sha256sum | cut -d' ' -f1)"
if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" && -x "$venv/bin/python" ]]; then
  exit 0
fi
if [[ ! -x "$venv/bin/python" ]]; then
  "$python" -m venv "$venv"
fi
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$requirements"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-build-isolation \
  --no-deps --editable "$here"
echo "$want" >"$stamp"
