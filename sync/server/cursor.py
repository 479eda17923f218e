"""Pull cursors: opaque to clients, HMAC-signed, bound to the user, the device and the server's epoch."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import uuid

from sync.server.errors import ApiError


def make(key: bytes, epoch: str, seq: int, user_id: uuid.UUID, device_id: uuid.UUID) -> str:
    body = json.dumps({"e": epoch, "s": seq, "u": str(user_id), "d": str(device_id)}, separators=(",", ":")).encode()
    mac = hmac.new(key, body, hashlib.sha256).digest()
    return _b64(body) + "." + _b64(mac)


def read(key: bytes, epoch: str, cursor: str | None, user_id: uuid.UUID, device_id: uuid.UUID) -> int:
    """The change sequence the cursor stands for; refusals say which check failed."""
    if not cursor:
        return 0
    try:
        body_text, mac_text = cursor.split(".")
        body, mac = _unb64(body_text), _unb64(mac_text)
    except (ValueError, binascii.Error):
        raise ApiError(400, "cursor_invalid", "The cursor is not one this server issued.") from None
    if not hmac.compare_digest(mac, hmac.new(key, body, hashlib.sha256).digest()):
        raise ApiError(400, "cursor_invalid", "The cursor is not one this server issued.")
    fields = json.loads(body)
    if fields["u"] != str(user_id) or fields["d"] != str(device_id):
        raise ApiError(403, "cursor_not_yours", "The cursor was issued to another user or device.")
    if fields["e"] != epoch:
        raise ApiError(
            410,
            "resync_required",
            "The server was restored from a backup: push every record again and take fresh snapshots.",
        )
    return int(fields["s"])


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
