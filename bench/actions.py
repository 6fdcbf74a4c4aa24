"""Benchmark: the action service (issue 18: validation of one submission under 20 ms).

In a child process on a fresh SQLite database (``bench.storage``'s set-up) with the example
logistics ontology on ``main``, an editor calls the API in process (Django's test client):
the baseline reads the action type (``GET .../action-types/createShipment/``); then a valid
submission is validated, an invalid one (every kind of problem at once), a preview of the
link-and-modify action, and a submission recorded (a new Idempotency-Key each time; its
dispatch is not timed). 300 requests each after 20 warm-ups. Run it with
``.venv/bin/python bench/actions.py``; see docs/benchmarks.md.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from bench.common import format_seconds, mark, percentile, render_table, samples_in_child  # noqa: E402

REQUESTS, WARMUP, TARGET = 300, 20, 0.020
SHIPMENT = {
    "shipmentId": "S-1",
    "orderId": "O-1",
    "carrierId": "C-1",
    "trackingId": "T-1",
    "weightKg": 12.5,
}
WRONG = {"shipmentId": 7, "carrierId": "C-1", "weightKg": -1, "colour": "red"}


def child(out: Path) -> None:
    from bench.storage import setup_django

    with tempfile.TemporaryDirectory(prefix="oms-bench-actions-") as tmp:
        os.environ["CELERY_BROKER_URL"] = "memory://"  # the dispatch task is queued, not run
        setup_django(Path(tmp) / "var")
        from django.core.management import call_command
        from django.test.utils import setup_test_environment
        from rest_framework.test import APIClient

        from integrations.user_service.principal import Principal, scopes_for
        from ontology.examples import example_ontology_load

        setup_test_environment()  # the test client's host and the in-memory mail outbox
        call_command("storage_init", verbosity=0)
        example_ontology_load()
        roles = frozenset({"editor"})
        client = APIClient()
        client.force_authenticate(
            user=Principal(id="u-b", username="bench", roles=roles, scopes=scopes_for(roles))
        )
        base = "/api/v1/branches/main/action-types"
        keys = iter(range(10**6))

        def post(path: str, parameters: dict, **headers: str) -> int:
            return client.post(
                path, {"parameters": parameters}, format="json", **headers
            ).status_code

        work = {
            "read the action type (baseline)": lambda: (
                client.get(f"{base}/createShipment/").status_code
            ),
            "validate a valid submission": lambda: post(
                f"{base}/createShipment/validate/", SHIPMENT
            ),
            "validate an invalid one (six problems)": lambda: post(
                f"{base}/createShipment/validate/", WRONG
            ),
            "preview link and modify": lambda: post(
                f"{base}/assignShipmentToVehicle/preview/", {"shipment": "S-1", "vehicle": "V-1"}
            ),
            "submit (recorded, dispatch not timed)": lambda: post(
                f"{base}/createShipment/submissions/",
                SHIPMENT,
                HTTP_IDEMPOTENCY_KEY=f"k-{next(keys)}",
            ),
        }
        samples: dict[str, list[float]] = {}
        for name, request in work.items():
            for _ in range(WARMUP):
                assert request() in (200, 201), name
            times = []
            for _ in range(REQUESTS):
                started = time.perf_counter()
                request()
                times.append(time.perf_counter() - started)
            samples[name] = times
    out.write_text(json.dumps(samples))


def main() -> int:
    samples = samples_in_child(__file__, child, "action service")
    if samples is None:
        return 0
    baseline = percentile(next(iter(samples.values())), 0.5)
    rows, missed = [], []
    for name, times in samples.items():
        p50, p95 = percentile(times, 0.5), percentile(times, 0.95)
        judged = name.startswith("validate")
        missed += [name] if judged and p95 >= TARGET else []
        rows.append(
            [
                name,
                format_seconds(p50),
                format_seconds(p95),
                f"{p50 / baseline:.1f}x",
                f"p95 < {format_seconds(TARGET)} {mark(p95 < TARGET)}" if judged else "-",
            ]
        )
    print(
        f"OMS action service (in process, SQLite, the example ontology): {REQUESTS} requests "
        f"each after {WARMUP} warm-ups\n"
    )
    print(render_table(["request", "p50", "p95", "vs baseline", "target"], rows))
    print("\n" + ("all targets met" if not missed else "targets missed: " + "; ".join(missed)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
