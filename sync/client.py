"""The sync server's HTTP API as the device sees it: one call per route, each with a timeout, every
failure turned into a ``SyncFailure`` a worker can read (what happened, that nothing was lost, what next).

Bodies are parsed with the shared wire models (``sync.protocol``), so an answer that drifts from the
contract is a failure here, never a half-read value further on.
"""

from __future__ import annotations

import json
import ssl
import uuid
from pathlib import Path
from typing import Any, TypeVar

import httpx
from pydantic import BaseModel, ValidationError

from sync import protocol as p

# The schema version this client writes and reads (PROTOCOL.md §1.2, §2.5): 2 reads the organisation's
# documents' digest on pull pages (§2.10); 3 reads the team's refused break-glass attempts (§2.8).
CLIENT_SCHEMA = p.STAFF_NAMES_SCHEMA
APP_VERSION = "0.1.0"
# Generous for a slow mobile link, short enough that a dead one is noticed and retried.
TIMEOUT = httpx.Timeout(20.0, connect=10.0)
# The biggest answer we read: a pull page is about 1 MiB by the server's own limit; more is not a server
# keeping the contract, and reading it all could exhaust memory.
MAX_ANSWER_BYTES = 8 * 1024 * 1024

NOTHING_LOST = "Nothing recorded on this laptop was lost; it stays here until it is sent."

M = TypeVar("M", bound=BaseModel)


class SyncFailure(Exception):
    """A sync step that did not complete. ``retry`` says whether trying again later can help."""

    def __init__(self, message: str, *, reason: str, retry: bool, status: int | None = None, **extra: Any) -> None:
        super().__init__(message)
        self.reason = reason
        self.retry = retry
        self.status = status
        self.extra = extra


class SyncClient:
    def __init__(
        self,
        server: str,
        token: str | None = None,
        *,
        ca_file: Path | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        verify: ssl.SSLContext | bool = ssl.create_default_context(cafile=str(ca_file)) if ca_file else True
        headers = {"X-Waymark-Schema": str(CLIENT_SCHEMA)}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        self._http = httpx.Client(
            base_url=server.rstrip("/"), timeout=TIMEOUT, verify=verify, headers=headers, transport=transport
        )

    def close(self) -> None:
        self._http.close()

    # -- routes --------------------------------------------------------------------------------------

    def enrol(self, code: str, device_name: str) -> p.EnrolResponse:
        body = p.EnrolRequest(code=code, device_name=device_name, app_version=APP_VERSION)
        return self._call("POST", "/enrol", p.EnrolResponse, json=body.model_dump(mode="json"))

    def push(self, server_epoch: str | None, resync: bool, items: list[dict[str, Any]]) -> p.PushResponse:
        body = {"server_epoch": server_epoch, "resync": resync, "items": items}
        return self._call(
            "POST", "/push", p.PushResponse, content=encode(body), headers={"Content-Type": "application/json"}
        )

    def pull(self, cursor: str | None, limit: int = p.DEFAULT_PULL_LIMIT) -> p.PullResponse:
        params: dict[str, Any] = {"limit": limit}
        if cursor:
            params["cursor"] = cursor
        return self._call("GET", "/pull", p.PullResponse, params=params)

    def snapshot(self, person_id: uuid.UUID) -> p.PersonSnapshot:
        return self._call("GET", f"/persons/{person_id}/snapshot", p.PersonSnapshot)

    def break_glass(self, person_id: uuid.UUID, reason: str) -> p.BreakGlassResponse:
        body = p.BreakGlassRequest(reason=reason)
        return self._call(
            "POST", f"/persons/{person_id}/break-glass", p.BreakGlassResponse, json=body.model_dump(mode="json")
        )

    def break_glass_by_nhs_number(self, nhs_number: str, reason: str) -> p.BreakGlassResponse:
        body = p.BreakGlassByNhsNumber(nhs_number=nhs_number, reason=reason)
        return self._call("POST", "/break-glass", p.BreakGlassResponse, json=body.model_dump(mode="json"))

    def break_glass_list(self) -> p.BreakGlassList:
        return self._call("GET", "/break-glass", p.BreakGlassList)

    def commands(self) -> p.ServerState:
        return self._call("GET", "/commands", p.ServerState)

    def ack(self, command_id: uuid.UUID, outcome: str, detail: str | None) -> p.Ack:
        body = p.CommandAck(outcome=outcome, detail=detail)  # type: ignore[arg-type]
        return self._call("POST", f"/commands/{command_id}/ack", p.Ack, json=body.model_dump(mode="json"))

    def heartbeat(self, body: p.HeartbeatRequest) -> p.HeartbeatResponse:
        # The escalation count only when there is one, so a server from before it (which refuses unknown
        # fields) still takes every other heartbeat.
        exclude = {"unsent_escalations"} if not body.unsent_escalations else set()
        return self._call("POST", "/heartbeat", p.HeartbeatResponse, json=body.model_dump(mode="json", exclude=exclude))

    def documents(self) -> p.DocumentList:
        return self._call("GET", "/documents", p.DocumentList)

    def team_health(self) -> p.TeamHealth:
        return self._call("GET", "/team/health", p.TeamHealth)

    # -- plumbing ------------------------------------------------------------------------------------

    def _call(self, method: str, route: str, model: type[M], **kwargs: Any) -> M:
        try:
            with self._http.stream(method, p.API_PREFIX + route, **kwargs) as answer:
                raw = _read_bounded(answer)
                status = answer.status_code
        except httpx.TimeoutException:
            raise SyncFailure(
                f"The sync server did not answer in time. {NOTHING_LOST} Sync will try again by itself.",
                reason="timeout",
                retry=True,
            ) from None
        except httpx.ConnectError as exc:
            if isinstance(exc.__cause__, ssl.SSLError) or "SSL" in str(exc) or "certificate" in str(exc):
                raise SyncFailure(
                    "The sync server's identity could not be confirmed (its certificate is not the one this "
                    f"laptop trusts), so nothing was sent. {NOTHING_LOST} Tell your IT support.",
                    reason="tls",
                    retry=True,
                ) from None
            raise SyncFailure(
                f"The sync server cannot be reached (no network, or the server is down). {NOTHING_LOST} "
                "Sync will try again by itself.",
                reason="unreachable",
                retry=True,
            ) from None
        except httpx.HTTPError:
            raise SyncFailure(
                f"The connection to the sync server broke off. {NOTHING_LOST} Sync will try again by itself.",
                reason="connection",
                retry=True,
            ) from None
        if status >= 400:
            raise _refusal(status, raw)
        try:
            return model.model_validate_json(raw)
        except ValidationError:
            raise SyncFailure(
                f"The sync server sent an answer this version of Waymark cannot read. {NOTHING_LOST} "
                "Sync will try again by itself; if this keeps happening, tell your IT support.",
                reason="garbled_answer",
                retry=True,
                status=status,
            ) from None


def encode(body: dict[str, Any]) -> bytes:
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()


def _read_bounded(answer: httpx.Response) -> bytes:
    chunks: list[bytes] = []
    size = 0
    for chunk in answer.iter_bytes():
        size += len(chunk)
        if size > MAX_ANSWER_BYTES:
            raise SyncFailure(
                f"The sync server sent far more than it should have, so the answer was ignored. {NOTHING_LOST} "
                "Sync will try again by itself; if this keeps happening, tell your IT support.",
                reason="answer_too_large",
                retry=True,
                status=answer.status_code,
            )
        chunks.append(chunk)
    return b"".join(chunks)


# Refusals that trying again cannot fix, with what the worker should do.
_FINAL = {
    "device_revoked": "This laptop has been switched off for Waymark by your organisation.",
    "device_retired": "This laptop has been retired from Waymark by your organisation.",
    "token_unknown": "The sync server no longer recognises this laptop. Ask your administrator to enrol it again.",
    "token_expired": "This laptop has not synced for so long that its sign-in to the sync server has lapsed. "
    "Ask your administrator for an enrolment code and enrol it again.",
    "renewal_refused": "That enrolment code cannot renew this laptop's enrolment (it is for someone else, or "
    "this laptop was switched off for Waymark). Ask your administrator.",
    "no_token": "This laptop is not enrolled with a sync server.",
    "code_invalid": "That enrolment code cannot be used: it may be mistyped, already used or expired. Check it, "
    "or ask your administrator for a new one.",
    "code_unknown": "That enrolment code is not known to the server. Check it, or ask for a new one.",
    "code_used": "That enrolment code has already been used. Ask your administrator for a new one.",
    "code_expired": "That enrolment code has expired. Ask your administrator for a new one.",
    "upgrade_required": "This version of Waymark is too old to receive records. Ask IT to update it; "
    "what you record is still sent.",
}


def _refusal(status: int, raw: bytes) -> SyncFailure:
    try:
        body = p.ErrorBody.model_validate_json(raw)
        reason, message, expected = body.reason, body.message, body.expected_seq
    except ValidationError:
        reason, message, expected = "unreadable_refusal", "", None
    if status >= 500 or reason == "unreadable_refusal":
        return SyncFailure(
            f"The sync server had a problem ({status}). {NOTHING_LOST} Sync will try again by itself.",
            reason="server_error" if status >= 500 else reason,
            retry=True,
            status=status,
        )
    if reason in _FINAL:
        return SyncFailure(f"{_FINAL[reason]} {NOTHING_LOST}", reason=reason, retry=False, status=status)
    if reason == "quarantine_full":
        return SyncFailure(
            "The sync server is holding too many of this laptop's records for a team lead to review, so it is "
            f"not taking more for now. {NOTHING_LOST} Tell your team lead; sync carries on by itself once they "
            "have looked.",
            reason=reason,
            retry=True,
            status=status,
        )
    if status == 429 and reason == "too_many_attempts":
        return SyncFailure(
            "Too many wrong enrolment codes were tried from this network. Wait 15 minutes, then try again.",
            reason=reason,
            retry=False,
            status=status,
        )
    # 409 out_of_order and 410 resync_required are handled by the engine; anything else is a fault
    # between the two ends that a retry after an update may fix.
    return SyncFailure(
        f"The sync server refused a request ({status}: {message or reason}). {NOTHING_LOST} "
        "Sync will try again by itself; if this keeps happening, tell your IT support.",
        reason=reason,
        retry=True,
        status=status,
        expected_seq=expected,
    )
