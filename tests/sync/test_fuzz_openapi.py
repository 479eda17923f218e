"""Fuzz every published route from the OpenAPI document (schemathesis): no input ever gets a 5xx.

Requests carry a live device token, so the fuzzer reaches the handlers behind authentication too.
The example count per route is small in CI; raise it with WAYMARK_EXAMPLES.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from tests.sync.conftest import Template, _copy, _template, close, open_org

EXAMPLES = max(5, int(os.environ.get("WAYMARK_EXAMPLES", "200")) // 20)


@pytest.fixture(params=["sqlite", "postgresql"])
def fuzz_target(request: pytest.FixtureRequest, tmp_path: Path, org_templates: dict[str, Template]) -> Iterator:
    template = _template(request.param, request, org_templates)
    org = open_org(_copy(request.param, template, request, tmp_path), template)
    alice = org.device("alice")
    yield org, alice
    close(org)


def test_no_input_gets_a_server_error(fuzz_target) -> None:
    # Schemathesis's own pytest plugin does not run under this pytest; its strategies do, driven here.
    org, alice = fuzz_target
    schema = schemathesis.openapi.from_asgi("/openapi.json", org.client.app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 9
    headers = {"Authorization": f"Bearer {alice.token}"}
    failures: list[str] = []
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def fuzz(case) -> None:
            response = case.call(headers={**(case.headers or {}), **headers})
            if response.status_code >= 500:
                failures.append(f"{case.method} {case.formatted_path}: {response.status_code} {response.text[:200]}")

        fuzz()
    assert not failures, failures
