"""Device tokens lapse after a lifetime without use (renewed by use), are refused with token_expired, and a
lapsed laptop enrols again as the same device, so its unsent records still go."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from sync.client import _refusal
from sync.protocol import ErrorBody
from sync.server.models import Record
from sync.server.settings import DEFAULT_TOKEN_LIFETIME
from tests.sync.conftest import V1, Org

ENROL = {"device_name": "laptop", "app_version": "0.1"}
DAY = timedelta(days=1)


def test_use_renews_the_token_and_disuse_lets_it_lapse(org: Org) -> None:
    alice = org.device("alice")
    org.clock.set(org.clock.now() + DEFAULT_TOKEN_LIFETIME - DAY)
    alice.pull()
    org.clock.set(org.clock.now() + DEFAULT_TOKEN_LIFETIME - DAY)  # past the first lifetime, within the renewed one
    alice.pull()
    org.clock.set(org.clock.now() + DEFAULT_TOKEN_LIFETIME + DAY)
    answer = alice.pull(expect=401)
    assert answer["reason"] == "token_expired" and "enrol it again" in answer["message"]
    assert alice.push(alice.record(org.persons["pa"]), expect=401)["reason"] == "token_expired"
    with org.admin.transaction() as session:
        assert session.scalar(select(func.count()).select_from(Record)) == 0


def test_a_revoked_device_with_a_lapsed_token_still_hears_its_revoke(org: Org) -> None:
    alice = org.device("alice")
    org.admin.revoke(str(alice.device_id))
    org.clock.set(org.clock.now() + DEFAULT_TOKEN_LIFETIME + DAY)
    answer = org.client.get(f"{V1}/commands", headers=alice.headers)
    assert answer.status_code == 200 and [c["kind"] for c in answer.json()["commands"]] == ["revoke"]


def test_enrolling_again_with_the_old_token_renews_the_same_device(org: Org) -> None:
    alice = org.device("alice")
    alice.push(alice.record(org.persons["pa"]))
    org.clock.set(org.clock.now() + DEFAULT_TOKEN_LIFETIME + DAY)
    pending = alice.record(org.persons["pa"])  # written while the token lapsed
    alice.push(pending, expect=401)
    code = org.admin.enrol_code("alice")
    answer = org.client.post(f"{V1}/enrol", json={"code": code, **ENROL}, headers=alice.headers)
    assert answer.status_code == 200 and answer.json()["device_id"] == str(alice.device_id)
    old_headers = alice.headers
    alice.token = answer.json()["token"]
    # Same device, same numbering: the record written meanwhile goes, with its own device id.
    assert alice.push(pending)["results"][0]["status"] == "accepted"
    assert org.client.get(f"{V1}/pull", headers=old_headers).json()["reason"] == "token_unknown"


def test_a_code_for_someone_else_cannot_renew_a_device_and_stays_unused(org: Org) -> None:
    alice = org.device("alice")
    bobs = org.admin.enrol_code("bob")
    answer = org.client.post(f"{V1}/enrol", json={"code": bobs, **ENROL}, headers=alice.headers)
    assert (answer.status_code, answer.json()["reason"]) == (403, "renewal_refused")
    assert org.client.post(f"{V1}/enrol", json={"code": bobs, **ENROL}).status_code == 200


def test_a_revoked_device_cannot_be_renewed(org: Org) -> None:
    alice = org.device("alice")
    org.admin.revoke(str(alice.device_id))
    answer = org.client.post(
        f"{V1}/enrol", json={"code": org.admin.enrol_code("alice"), **ENROL}, headers=alice.headers
    )
    assert (answer.status_code, answer.json()["reason"]) == (403, "renewal_refused")


def test_the_laptop_says_enrol_again_in_plain_words() -> None:
    failure = _refusal(401, ErrorBody(reason="token_expired", message="…").model_dump_json().encode())
    assert not failure.retry and "enrol it again" in str(failure) and "Nothing recorded" in str(failure)
