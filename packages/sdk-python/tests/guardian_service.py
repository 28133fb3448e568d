"""An instrumented Flask service for test/e2e/python-guardian.test.ts (not a pytest module).

Usage: ``python guardian_service.py --base-url URL --sdk-key KEY --flag FLAG
[--base-error-rate P] [--treatment-error-rate P]``, with OTEL_EXPORTER_OTLP_ENDPOINT set to the
analysis service's OTLP port. What a production service does: the real ``opentelemetry-sdk``
with ``TripwireSpanProcessor`` before a batch OTLP/HTTP exporter, Flask's OpenTelemetry
instrumentation for the server spans, one ``tripwire`` client on the service's stream.

``GET /checkout`` evaluates FLAG for the ``x-user-id`` unit inside ``with_assignments()`` and
answers 500 (server span status ERROR) with probability ``--base-error-rate`` in control and
``--treatment-error-rate`` in treatment: the injected regression. The JSON body says what the
request saw: ``{"user", "variant", "reason", "status", "traceId"}``.

Prints ``{"port": n, "origin": ...}`` once the client has its first config; SIGTERM or SIGINT
stops the server, closes the client and exports the spans still queued.
"""

from __future__ import annotations

import argparse
import json
import logging
import random
import signal
import threading
from typing import Any, Tuple

from flask import Flask, request
from opentelemetry import trace
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.instrumentation.flask import FlaskInstrumentor
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.trace import Status, StatusCode
from werkzeug.serving import make_server

from tripwire import TripwireSpanProcessor, create_client
from tripwire.client import TripwireClient

HASH_KEY = "python-guardian-e2e-hash-key"


def setup_tracing() -> TracerProvider:
    provider = TracerProvider(resource=Resource.create({"service.name": "python-shop"}))
    # Duck-typed: the SDK does not depend on opentelemetry-sdk's SpanProcessor class.
    provider.add_span_processor(TripwireSpanProcessor())  # type: ignore[arg-type]
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    trace.set_tracer_provider(provider)
    return provider


def create_app(client: TripwireClient, args: argparse.Namespace) -> Flask:
    app = Flask(__name__)
    FlaskInstrumentor().instrument_app(app)  # type: ignore[no-untyped-call]

    @app.get("/checkout")
    def checkout() -> Tuple[Any, int]:
        user = request.headers.get("x-user-id", "anonymous")
        with client.with_assignments():
            result = client.assign(args.flag, {"targetingKey": user}, False)
            rate = args.treatment_error_rate if result.value else args.base_error_rate
            status = 500 if random.random() < rate else 200
            span = trace.get_current_span()
            if status == 500:
                span.set_status(Status(StatusCode.ERROR, "injected regression"))
            body = {
                "user": user,
                "variant": result.variant,
                "reason": result.reason,
                "status": status,
                "traceId": format(span.get_span_context().trace_id, "032x"),
            }
            return body, status

    return app


def main(args: argparse.Namespace) -> None:
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    provider = setup_tracing()
    client = create_client(
        environment="production",
        hash_key=HASH_KEY,
        sdk_key=args.sdk_key,
        source={"type": "stream", "base_url": args.base_url},
    )
    ready = client.ready(timeout=30.0)
    server = make_server("127.0.0.1", 0, create_app(client, args), threaded=True)
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    serving = threading.Thread(target=server.serve_forever, daemon=True)
    serving.start()
    print(json.dumps({"port": server.server_port, "origin": ready.origin}), flush=True)
    stop.wait()
    server.shutdown()
    client.close()
    provider.shutdown()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description="An instrumented Flask service for the guardian e2e test."
    )
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--sdk-key", required=True)
    parser.add_argument("--flag", required=True)
    parser.add_argument("--base-error-rate", type=float, default=0.05)
    parser.add_argument("--treatment-error-rate", type=float, default=0.3)
    main(parser.parse_args())
