"""The pull cursor's rules, read from sync/server/cursor.py's promise: opaque to clients, HMAC-signed, bound to the
user, the device and the server's epoch; each refusal says which check failed.

Pure functions, no server: these run in milliseconds, so mutation testing (tests/MUTANTS.md) checks every
mutant of the module against them first."""

from __future__ import annotations

import base64
import json
import uuid

import pytest

from sync.server import cursor
from sync.server.errors import ApiError

KEY = b"k" * 32
EPOCH = "epoch-2026-11"
USER, DEVICE = uuid.UUID(int=1), uuid.UUID(int=2)
OTHER_USER, OTHER_DEVICE = uuid.UUID(int=3), uuid.UUID(int=4)


def _parts(token: str) -> tuple[dict[str, object], bytes]:
    body, mac = token.split(".")
    return json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))), base64.urlsafe_b64decode(
        mac + "=" * (-len(mac) % 4)
    )


def _refusal(key: bytes, epoch: str, token: str | None, user: uuid.UUID, device: uuid.UUID) -> tuple[int, str, str]:
    with pytest.raises(ApiError) as raised:
        cursor.read(key, epoch, token, user, device)
    return raised.value.status, raised.value.reason, raised.value.message


@pytest.mark.parametrize("seq", [0, 1, 7, 123_456_789_012])
def test_a_cursor_reads_back_as_the_change_sequence_it_was_made_for(seq: int) -> None:
    token = cursor.make(KEY, EPOCH, seq, USER, DEVICE)
    assert cursor.read(KEY, EPOCH, token, USER, DEVICE) == seq


@pytest.mark.parametrize("empty", [None, ""])
def test_no_cursor_is_the_start_of_the_feed(empty: str | None) -> None:
    assert cursor.read(KEY, EPOCH, empty, USER, DEVICE) == 0


def test_the_cursor_is_url_safe_unpadded_text_carrying_what_it_is_bound_to() -> None:
    token = cursor.make(KEY, EPOCH, 42, USER, DEVICE)
    assert token.count(".") == 1 and "=" not in token
    assert set(token) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.")
    fields, mac = _parts(token)
    assert fields == {"e": EPOCH, "s": 42, "u": str(USER), "d": str(DEVICE)}
    assert len(mac) == 32  # a whole HMAC-SHA256, not a prefix


def test_the_same_inputs_make_the_same_cursor_and_any_other_input_another() -> None:
    token = cursor.make(KEY, EPOCH, 5, USER, DEVICE)
    assert cursor.make(KEY, EPOCH, 5, USER, DEVICE) == token
    others = {
        cursor.make(b"x" * 32, EPOCH, 5, USER, DEVICE),
        cursor.make(KEY, "other", 5, USER, DEVICE),
        cursor.make(KEY, EPOCH, 6, USER, DEVICE),
        cursor.make(KEY, EPOCH, 5, OTHER_USER, DEVICE),
        cursor.make(KEY, EPOCH, 5, USER, OTHER_DEVICE),
    }
    assert token not in others and len(others) == 5


@pytest.mark.parametrize(
    "bad",
    ["not-a-cursor", "a.b.c", ".", "!!!.!!!", "abc", "a" * 5 + "." + "b" * 5],
)
def test_text_that_is_not_a_cursor_is_refused_as_not_issued_here(bad: str) -> None:
    assert _refusal(KEY, EPOCH, bad, USER, DEVICE) == (
        400,
        "cursor_invalid",
        "The cursor is not one this server issued.",
    )


def test_a_cursor_signed_with_another_key_or_edited_is_refused_as_not_issued_here() -> None:
    token = cursor.make(KEY, EPOCH, 9, USER, DEVICE)
    refused = (400, "cursor_invalid", "The cursor is not one this server issued.")
    assert _refusal(b"another key", EPOCH, token, USER, DEVICE) == refused
    body, mac = token.split(".")
    fields, _ = _parts(token)
    for change in ({"s": 0}, {"s": 10**9}, {"u": str(OTHER_USER)}, {"e": "other"}):
        edited = base64.urlsafe_b64encode(json.dumps(fields | change, separators=(",", ":")).encode())
        assert _refusal(KEY, EPOCH, edited.rstrip(b"=").decode() + "." + mac, USER, DEVICE) == refused
    # Another cursor's signature on this body, and a signature cut short, are refused too.
    other_mac = cursor.make(KEY, EPOCH, 10, USER, DEVICE).split(".")[1]
    assert _refusal(KEY, EPOCH, body + "." + other_mac, USER, DEVICE) == refused
    assert _refusal(KEY, EPOCH, body + "." + mac[:-4], USER, DEVICE) == refused


@pytest.mark.parametrize(("user", "device"), [(OTHER_USER, DEVICE), (USER, OTHER_DEVICE), (OTHER_USER, OTHER_DEVICE)])
def test_a_genuine_cursor_presented_by_another_user_or_device_is_not_theirs(user: uuid.UUID, device: uuid.UUID) -> None:
    token = cursor.make(KEY, EPOCH, 9, USER, DEVICE)
    assert _refusal(KEY, EPOCH, token, user, device) == (
        403,
        "cursor_not_yours",
        "The cursor was issued to another user or device.",
    )


def test_a_cursor_from_before_the_server_was_restored_asks_for_a_resync() -> None:
    token = cursor.make(KEY, "before-the-backup", 9, USER, DEVICE)
    assert _refusal(KEY, EPOCH, token, USER, DEVICE) == (
        410,
        "resync_required",
        "The server was restored from a backup: push every record again and take fresh snapshots.",
    )


def test_a_borrowed_cursor_is_refused_as_not_theirs_before_its_epoch_is_looked_at() -> None:
    # Someone else's cursor from before a restore tells them nothing about the epoch: it is simply not theirs.
    token = cursor.make(KEY, "before-the-backup", 9, USER, DEVICE)
    assert _refusal(KEY, EPOCH, token, OTHER_USER, DEVICE)[:2] == (403, "cursor_not_yours")
