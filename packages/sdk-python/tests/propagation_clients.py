"""Python clients for test/python-propagation.test.ts (not a pytest module).

Usage: ``python propagation_clients.py BASE_URL SDK_KEY FLAG_KEY CLIENTS TIMEOUT_S``. Creates
CLIENTS stream clients in this process, prints ``{"ready": n}`` once each has a config and
serves the flag's treatment, then records, per client, the wall-clock time (epoch ms) at which
it first evaluates the flag to its control (``False``) after a config change, and prints
``{"switched": [ms, ...], "clients": n}`` when every client switched or TIMEOUT_S passed.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from typing import List, Optional

from tripwire import ConfigChange, create_client
from tripwire.client import TripwireClient

HASH_KEY = "python-propagation-hash-key"
CONTEXT = {"targetingKey": "propagation-unit"}


class Watcher:
    """One client; ``switched_at`` is set the first time a change makes it evaluate control."""

    def __init__(self, client: TripwireClient, flag_key: str, all_switched: threading.Semaphore):
        self.client = client
        self.flag_key = flag_key
        self.switched_at: Optional[float] = None
        self._all_switched = all_switched
        client.on("change", self._on_change)

    def _on_change(self, _change: ConfigChange) -> None:
        if self.switched_at is not None:
            return
        if self.client.get_boolean_value(self.flag_key, CONTEXT, True) is False:
            self.switched_at = time.time() * 1000
            self._all_switched.release()


def main(base_url: str, sdk_key: str, flag_key: str, count: int, timeout_s: float) -> None:
    switched = threading.Semaphore(0)
    watchers: List[Watcher] = []
    for _ in range(count):
        client = create_client(
            environment="production",
            hash_key=HASH_KEY,
            sdk_key=sdk_key,
            source={"type": "stream", "base_url": base_url},
            logger=None,
        )
        watchers.append(Watcher(client, flag_key, switched))
    ready = sum(1 for w in watchers if w.client.ready(timeout=timeout_s).ready)
    serving = sum(1 for w in watchers if w.client.get_boolean_value(flag_key, CONTEXT, False))
    print(json.dumps({"ready": ready, "serving_treatment": serving}), flush=True)
    deadline = time.monotonic() + timeout_s
    for _ in watchers:
        if not switched.acquire(timeout=max(0.0, deadline - time.monotonic())):
            break
    times = [w.switched_at for w in watchers if w.switched_at is not None]
    controls = sum(
        1 for w in watchers if w.client.get_boolean_value(flag_key, CONTEXT, True) is False
    )
    print(json.dumps({"switched": times, "control_now": controls, "clients": count}), flush=True)
    for watcher in watchers:
        watcher.client.close()


if __name__ == "__main__":
    url, key, flag, clients, timeout = sys.argv[1:6]
    main(url, key, flag, int(clients), float(timeout))
