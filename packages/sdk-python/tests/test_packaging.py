"""The package as a service installs it: a wheel built from pyproject.toml, installed into a
clean virtual environment with its dependencies (and the `openfeature` extra) from PyPI, not
from the dev venv or the source tree, importable and working; and every module parseable by
Python 3.9's grammar (mypy cannot target 3.9, `requires-python` says 3.9)."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parents[1]
SOURCE_DIR = PACKAGE_DIR / "src" / "tripwire"


def _build_wheel(out_dir: Path) -> Path:
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation"]
        + ["--disable-pip-version-check", "-w", str(out_dir), str(PACKAGE_DIR)],
        check=True,
    )
    (wheel,) = out_dir.glob("tripwire_sdk-*.whl")
    return wheel


def test_every_module_parses_with_the_python_3_9_grammar() -> None:
    modules = sorted(SOURCE_DIR.rglob("*.py"))
    assert len(modules) > 20
    for module in modules:
        source = module.read_text(encoding="utf-8")
        ast.parse(source, filename=str(module), feature_version=(3, 9))
        # `X | Y` annotations are only safe on 3.9 when annotations stay unevaluated.
        if module.name != "__init__.py":
            assert "from __future__ import annotations" in source, module


def test_the_wheel_installs_into_a_clean_venv_and_works(tmp_path: Path) -> None:
    wheel = _build_wheel(tmp_path / "dist")
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        metadata = archive.read(next(n for n in names if n.endswith(".dist-info/METADATA")))
    assert "tripwire/py.typed" in names
    assert "tripwire/schema/flag.json" in names
    assert not [n for n in names if n.startswith("tests/") or "/tests/" in n]
    requires = [
        line.split(":", 1)[1].strip()
        for line in metadata.decode().splitlines()
        if line.startswith("Requires-Dist:")
    ]
    assert [r for r in requires if "extra ==" not in r] == ["opentelemetry-api>=1.20"]

    clean = tmp_path / "venv"
    venv.create(clean, with_pip=False)
    python = clean / "bin" / "python"
    # As a service installs it: dependencies resolved from the package index (PyPI), the
    # OpenFeature extra included, nothing from the dev venv.
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet"]
        + ["--disable-pip-version-check", f"{wheel}[openfeature]"],
        check=True,
    )
    clean_site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    script = (
        "import json, opentelemetry, tripwire, tripwire.openfeature\n"
        "issues = tripwire.validate_flag({'key': 'x'})\n"
        "print(json.dumps({'file': tripwire.__file__, 'otel': opentelemetry.__path__[0],"
        " 'hash': tripwire.hash_unit('user-1', 'k'), 'issues': len(issues)}))\n"
    )
    result = subprocess.run(
        [str(python), "-I", "-c", script], check=True, capture_output=True, text=True
    )
    report = json.loads(result.stdout)
    assert report["file"].startswith(clean_site)
    assert report["otel"].startswith(clean_site)
    from tripwire import hash_unit

    assert report["hash"] == hash_unit("user-1", "k")
    assert report["issues"] > 0
