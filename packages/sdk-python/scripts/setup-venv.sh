#!/usr/bin/env bash
# Creates packages/sdk-python/.venv with the pinned dev tools and the SDK installed editable.
# Idempotent: does nothing when the venv matches requirements-dev.txt and pyproject.toml.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
venv="$here/.venv"
python="${PYTHON:-python3}"
stamp="$venv/.tripwire-stamp"
# Test files running in parallel (pytest suite, e2e tests) may call this at once: one at a time.
exec 9>"${TMPDIR:-/tmp}/tripwire-sdk-python-venv-$(echo "$here" | sha256sum | cut -c1-16).lock"
flock 9
want="$(cat "$here/requirements-dev.txt" "$here/pyproject.toml" | sha256sum | cut -d' ' -f1)"
if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" && -x "$venv/bin/python" ]]; then
  exit 0
fi
if [[ ! -x "$venv/bin/python" ]]; then
  "$python" -m venv "$venv"
fi
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$here/requirements-dev.txt"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-build-isolation \
  --no-deps --editable "$here"
echo "$want" >"$stamp"
