"""Schemathesis against the OpenAPI document: whatever it sends, the server never answers with a 5xx.

Run through its Python API (its pytest plugin does not support this pytest yet): for every operation,
Hypothesis draws cases from the schema, and each is sent anonymously and with write-capable tokens.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from trucewatch.server.app import create_app

from .server_fixtures import make_served

pytestmark = pytest.mark.slow


def test_no_server_errors_anywhere_in_the_schema(tmp_path: Path, database: str | None) -> None:
    served = make_served(tmp_path, database)
    served.client.post("/api/v1/publish", headers=served.headers("chief"))
    schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(served.dir, database))
    operations = [r.ok() for r in schema.get_all_operations()]
    assert len(operations) >= 15
    failures: list[str] = []
    calls: list[int] = []
    for op in operations:

        @given(case=op.as_strategy())
        @settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def check(case) -> None:  # type: ignore[no-untyped-def]
            calls.append(1)
            for role in ("public", "chief", "monitor"):
                response = case.call(headers=served.headers(role))
                if response.status_code >= 500:
                    failures.append(f"{role} {case.method} {case.formatted_path}: {response.status_code}")
                elif response.status_code >= 400 and "json" in response.headers.get("content-type", ""):
                    body = response.json()
                    assert body["ok"] is False and body["status"] == response.status_code

        check()
    assert not failures, failures[:10]
    assert len(calls) >= 5 * len(operations)  # the cases were really generated and sent
