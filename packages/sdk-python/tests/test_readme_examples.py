"""Runs the README's examples as written: every block under a ``<!-- file: NAME -->`` marker is
written to NAME in a fresh directory, then the quickstart, the Flask app under gunicorn, the
FastAPI app and the Django app serve requests with the real opentelemetry-sdk exporting OTLP/HTTP
to a local receiver, which must see the assignments on the server spans."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any, Dict, Iterator, List

import pytest

from otlp_collector import OtlpCollector
from tripwire import hash_unit

README = Path(__file__).resolve().parents[1] / "README.md"
HASH_KEY = "readme-examples-hash-key-0123456789"
VARIANTS = {"alice": "on", "bob": "off"}  # what new-checkout gives them (the quickstart prints it)
SERVER = 2  # OTLP SpanKind SERVER
FLAG_ATTRIBUTE = "tripwire.variant.new-checkout"

# Django boilerplate the README names in prose rather than shows.
DJANGO_FILES = {
    "shop/__init__.py": "",
    "shop/settings.py": (
        "SECRET_KEY = 'readme-example'\nDEBUG = False\nALLOWED_HOSTS = ['*']\n"
        "INSTALLED_APPS = ['shop.apps.ShopConfig']\nROOT_URLCONF = 'shop.urls'\n"
        "MIDDLEWARE = ['shop.middleware.tripwire_assignments']\n"
    ),
    "shop/urls.py": (
        "from django.urls import path\nfrom . import views\n"
        "urlpatterns = [path('checkout', views.checkout)]\n"
    ),
}
FASTAPI_DRIVER = """
import json
from fastapi.testclient import TestClient
import fastapi_app
with TestClient(fastapi_app.app) as http:  # runs the lifespan: startup, then shutdown
    for user in ("alice", "bob"):
        print(json.dumps(http.get("/checkout", headers={"x-user-id": user}).json()))
"""
DJANGO_DRIVER = """
import json, django
django.setup()
from django.test import Client
for user in ("alice", "bob"):
    print(json.dumps(Client().get("/checkout", headers={"x-user-id": user}).json()))
"""


def readme_files() -> Dict[str, str]:
    text = README.read_text(encoding="utf-8")
    blocks = re.findall(r"<!-- file: (\S+) -->\n\n?```\w*\n(.*?)```", text, flags=re.S)
    return dict(blocks)


@pytest.fixture
def example_dir(tmp_path: Path) -> Path:
    for name, text in {**readme_files(), **DJANGO_FILES}.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")
    return tmp_path


@pytest.fixture
def collector() -> Iterator[OtlpCollector]:
    receiver = OtlpCollector()
    yield receiver
    receiver.close()


def example_env(directory: Path, collector: OtlpCollector) -> Dict[str, str]:
    return {
        **os.environ,
        "PYTHONPATH": str(directory),
        "TRIPWIRE_HASH_KEY": HASH_KEY,
        "OTEL_EXPORTER_OTLP_ENDPOINT": collector.endpoint,
        "DJANGO_SETTINGS_MODULE": "shop.settings",
    }


def run_python(directory: Path, env: Dict[str, str], *args: str) -> List[str]:
    done = subprocess.run(
        [sys.executable, *args], cwd=directory, env=env, capture_output=True, text=True, timeout=90
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip().splitlines()


def assert_attributed(collector: OtlpCollector, service: str, span_names: List[str]) -> None:
    """Each user's server span (and any span named in ``span_names``) carries the user's
    hashed unit id and variant, and each user has a first-exposure span."""
    spans = [s for s in collector.spans() if s["service"] == service]
    for user, variant in VARIANTS.items():
        unit_id = hash_unit(user, HASH_KEY)
        mine = [s for s in spans if s["attributes"].get("tripwire.unit.id") == unit_id]
        assert any(
            s["kind"] == SERVER and s["attributes"].get(FLAG_ATTRIBUTE) == variant for s in mine
        ), spans
        for name in span_names:
            assert any(
                s["name"] == name and s["attributes"].get(FLAG_ATTRIBUTE) == variant for s in mine
            ), spans
        assert any(s["name"] == "tripwire.exposure" for s in mine), spans


def test_the_first_example_prints_what_its_comments_say(example_dir: Path) -> None:
    lines = run_python(example_dir, dict(os.environ), "quickstart.py")
    assert lines == ["alice True on split", "bob False off split", "True"]
    for user, variant in VARIANTS.items():
        assert f"{user} {variant == 'on'} {variant} split" in lines


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def get_checkout(port: int, user: str) -> Any:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/checkout", headers={"x-user-id": user}
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        return response.read().decode()


def wait_until_serving(server: subprocess.Popen[str], port: int) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            get_checkout(port, "warm-up")
            return
        except OSError:
            assert server.poll() is None, "gunicorn exited"
            assert time.monotonic() < deadline, "gunicorn did not answer within 60 s"
            time.sleep(0.2)


def test_flask_under_gunicorn_threads_stamps_server_spans_and_flushes_on_exit(
    example_dir: Path, collector: OtlpCollector
) -> None:
    port = free_port()
    gunicorn = [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py"]
    server = subprocess.Popen(
        [*gunicorn, "-b", f"127.0.0.1:{port}", "flask_app:app"],
        cwd=example_dir,
        env=example_env(example_dir, collector),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_until_serving(server, port)
        assert [get_checkout(port, u) for u in VARIANTS] == [
            '{"checkout":"new"}\n',
            '{"checkout":"classic"}\n',
        ]
    finally:
        server.send_signal(signal.SIGTERM)  # workers' worker_exit hook closes and flushes
        _, errors = server.communicate(timeout=60)
    assert server.returncode == 0, errors
    assert_attributed(collector, "shop", ["render"])


def test_fastapi_lifespan_client_stamps_server_spans(
    example_dir: Path, collector: OtlpCollector
) -> None:
    env = example_env(example_dir, collector)
    lines = run_python(example_dir, env, "-c", FASTAPI_DRIVER)
    assert lines == ['{"checkout": "new"}', '{"checkout": "classic"}']
    assert_attributed(collector, "shop-api", [])


def test_django_app_config_client_stamps_server_spans(
    example_dir: Path, collector: OtlpCollector
) -> None:
    env = example_env(example_dir, collector)
    lines = run_python(example_dir, env, "-c", DJANGO_DRIVER)
    assert lines == ['{"checkout": "new"}', '{"checkout": "classic"}']
    assert_attributed(collector, "shop-django", [])
