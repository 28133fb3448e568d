#!/usr/bin/env bash
# Creates packages/sdk-python/bench/.venv for the benchmarks: the peers pinned in
# bench/requirements.txt and the SDK installed editable. Idempotent (a stamp of the inputs).
# Not used by npm test or .ci/run: the benchmarks are tables, not tests.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
venv="$here/bench/.venv"
python="${PYTHON:-python3}"
stamp="$venv/.tripwire-stamp"
want="$(cat "$here/bench/requirements.txt" "$here/pyproject.toml" | sha256sum | cut -d' ' -f1)"
if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" && -x "$venv/bin/python" ]]; then
  exit 0
fi
if [[ ! -x "$venv/bin/python" ]]; then
  "$python" -m venv "$venv"
fi
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$here/bench/requirements.txt"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-build-isolation \
  --no-deps --editable "$here"
echo "$want" >"$stamp"
