"""Enrolment codes: a wrong, used or expired code gets one and the same answer, and guessing is limited per
client address, where X-Forwarded-For counts only from a configured trusted proxy."""

from __future__ import annotations

import warnings
from datetime import timedelta

from sync.server.api import create_app
from sync.server.settings import Settings
from tests.sync.conftest import V1, Org

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

ENROL = {"device_name": "laptop", "app_version": "0.1"}
WRONG = "AAAA-BBBB-CCCC-DDDD"


def test_unknown_used_and_expired_codes_get_the_same_answer(org: Org) -> None:
    used = org.admin.enrol_code("alice")
    assert org.client.post(f"{V1}/enrol", json={"code": used, **ENROL}).status_code == 200
    expired = org.admin.enrol_code("bob", timedelta(minutes=5))
    org.clock.set(org.clock.now() + timedelta(minutes=10))
    answers = [org.client.post(f"{V1}/enrol", json={"code": code, **ENROL}) for code in (WRONG, used, expired)]
    assert {(a.status_code, a.content) for a in answers} == {(answers[0].status_code, answers[0].content)}
    assert answers[0].status_code == 403 and answers[0].json()["reason"] == "code_invalid"


def _app(org: Org, settings: Settings) -> TestClient:
    app = create_app(org.admin.engine.url.render_as_string(hide_password=False), clock=org.clock, settings=settings)
    return TestClient(app, client=("127.0.0.1", 40000))


def test_a_forwarded_for_header_from_an_untrusted_peer_does_not_reset_the_limit(org: Org) -> None:
    with _app(org, Settings()) as client:
        for n in range(10):
            answer = client.post(
                f"{V1}/enrol", json={"code": WRONG, **ENROL}, headers={"X-Forwarded-For": f"10.0.0.{n}"}
            )
            assert answer.status_code == 403
        good = org.admin.enrol_code("alice")
        answer = client.post(f"{V1}/enrol", json={"code": good, **ENROL}, headers={"X-Forwarded-For": "10.0.0.99"})
        assert (answer.status_code, answer.json()["reason"]) == (429, "too_many_attempts")


def test_behind_a_trusted_proxy_each_client_address_has_its_own_limit(org: Org) -> None:
    with _app(org, Settings(trusted_proxies=("127.0.0.0/8",))) as client:
        for _ in range(10):
            answer = client.post(f"{V1}/enrol", json={"code": WRONG, **ENROL}, headers={"X-Forwarded-For": "10.0.0.1"})
            assert answer.status_code == 403
        good = org.admin.enrol_code("alice")
        guesser = client.post(f"{V1}/enrol", json={"code": good, **ENROL}, headers={"X-Forwarded-For": "10.0.0.1"})
        assert (guesser.status_code, guesser.json()["reason"]) == (429, "too_many_attempts")
        # Someone else behind the same proxy is not locked out by the guesser.
        other = client.post(f"{V1}/enrol", json={"code": good, **ENROL}, headers={"X-Forwarded-For": "10.0.0.2"})
        assert other.status_code == 200
