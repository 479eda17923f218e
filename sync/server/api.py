"""The FastAPI application: routes under /api/v1, token auth, stated limits, precise refusals.

``create_app(db_url)`` brings the database schema to head (Alembic) before serving anything.
"""

import email.message
import secrets
import uuid
from collections.abc import Callable, Coroutine, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Header, Path, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.routing import APIRoute
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ValidationError
from pydantic_core import to_json
from sqlalchemy import Engine, func, select, update
from sqlalchemy.orm import Session, sessionmaker
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from app import nhs_number
from app.clock import Clock, SystemClock
from sync import protocol as p
from sync.server import audit, commands, cursor, db, documents, keys, lease, pull, push, refusals, scope
from sync.server.errors import ApiError
from sync.server.models import (
    BreakGlass,
    BreakGlassRefusal,
    CommandAck,
    Device,
    DeviceCommand,
    EnrolCode,
    EnrolFailure,
    Person,
    PlanConflict,
    Team,
    User,
)
from sync.server.settings import Settings
from sync.server.team_health import break_glass_grants, grant_wire
from sync.server.team_health import report as team_health_report
from sync.server.tokens import hash_secret, normalise_code

ENROL_FAILURE_WINDOW = timedelta(minutes=15)
ENROL_FAILURE_LIMIT = 10
# A token's lifetime is renewed by use, written at most this often so that reads stay reads.
TOKEN_RENEW_EVERY = timedelta(hours=1)
# A break-glass opening lasts long enough to deal with tonight's call, not to become cover.
BREAK_GLASS_FOR = timedelta(hours=2)
TOO_MANY_BREAK_GLASS = "too_many_break_glass_attempts"


def _announced_schema(request: Request) -> int:
    """The schema the client says it reads (``X-Waymark-Schema``); none, or nonsense, is the first."""
    value = request.headers.get("X-Waymark-Schema", "")
    return int(value) if value.isdigit() and len(value) <= 4 else 1


ALREADY_HELD = "already_held"
REFUSALS: dict[int | str, dict[str, Any]] = {
    code: {"model": p.ErrorBody} for code in (400, 401, 403, 404, 409, 410, 413, 422, 426, 429)
}


@dataclass(frozen=True)
class Caller:
    user: User
    device: Device


class BodyLimit:
    """Refuse bodies over the stated limit (413) before the application sees a byte, declared length or not.

    The body is read here, up to the limit, and handed on whole: an error raised from inside the
    application's own body reading would be caught by FastAPI and answered 400, and a chunked body has
    no length to check up front.
    """

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope_: Scope, receive: Receive, send: Send) -> None:
        if scope_["type"] != "http":
            await self.app(scope_, receive, send)
            return
        declared = dict(scope_.get("headers") or []).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.limit):
            await _too_large(send, self.limit)
            return
        chunks: list[bytes] = []
        seen = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away: nothing to answer
            chunk = message.get("body", b"")
            seen += len(chunk)
            if seen > self.limit:
                await _too_large(send, self.limit)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        delivered = False

        async def replay() -> Message:
            nonlocal delivered
            if not delivered:
                delivered = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope_, replay, send)


def _validated_from_bytes(model: type[BaseModel]) -> type[APIRoute]:
    """A route class for a route whose body is one ``model``: a JSON body is validated straight from its bytes
    by pydantic's own parser before FastAPI's handling, which would json.loads it and then validate the Python
    objects (together about twice the time, measured on 500-record pushes). FastAPI then finds the body already
    parsed (Starlette keeps it on the request) and takes the model as it is. A body this refuses, or one not
    declared as JSON, goes through FastAPI's own handling untouched, so every refusal is answered as before."""

    class Route(APIRoute):
        def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
            handler = super().get_route_handler()

            async def validated_first(request: Request) -> Response:
                if _declared_json(request.headers.get("content-type")):
                    body = await request.body()
                    try:
                        parsed = model.model_validate_json(body)
                    except ValidationError:
                        pass
                    else:
                        # Starlette's cache of request.json(), which FastAPI reads the body through.
                        request._json = parsed
                return await handler(request)

            return validated_first

    return Route


def _declared_json(content_type: str | None) -> bool:
    """Whether FastAPI would read the body as JSON (its own test, fastapi.routing): a body sent without a
    content type is left to FastAPI's rules."""
    if not content_type:
        return False
    message = email.message.Message()
    message["content-type"] = content_type
    subtype = message.get_content_subtype()
    return message.get_content_maintype() == "application" and (subtype == "json" or subtype.endswith("+json"))


async def _too_large(send: Send, limit: int) -> None:
    body = p.ErrorBody(
        reason="body_too_large", message=f"The request body is over the {limit} byte limit; nothing was stored."
    ).model_dump_json(exclude_none=True)
    await send({"type": "http.response.start", "status": 413, "headers": [(b"content-type", b"application/json")]})
    await send({"type": "http.response.body", "body": body.encode()})


def _error(status: int, reason: str, message: str, expected_seq: int | None = None) -> JSONResponse:
    body = p.ErrorBody(reason=reason, message=message, expected_seq=expected_seq)
    return JSONResponse(body.model_dump(mode="json", exclude_none=True), status_code=status)


def create_app(
    db_url: str, clock: Clock | None = None, min_client_schema: int = 1, settings: Settings | None = None
) -> FastAPI:
    """``min_client_schema``: clients below it may still push (their records must get off the device)
    but are told 426 ``upgrade_required`` when they pull, since they could misread what they get.
    ``settings`` default to the environment's (``Settings.from_env``)."""
    clock = clock or SystemClock()
    settings = settings or Settings.from_env()
    engine = db.open_engine(db_url)
    secrets_held = db.upgrade(engine, keys.source_for(db_url, settings.keys_file))
    writers = sessionmaker(engine, expire_on_commit=False)
    sessions = sessionmaker(db.reader(engine), expire_on_commit=False)
    app = FastAPI(
        title="Waymark sync server",
        version="1",
        description="Change records from devices' outboxes in, changes to their caseloads out (sync/PROTOCOL.md).",
        docs_url="/docs" if settings.api_docs else None,
        redoc_url="/redoc" if settings.api_docs else None,
    )
    app.state.engine = engine
    app.state.sessions = sessions
    app.state.clock = clock
    app.add_middleware(BodyLimit, limit=p.MAX_BODY_BYTES)  # type: ignore[arg-type]
    if settings.trusted_proxies:
        # Added last, so it runs first: every later step sees the client's address, not the proxy's.
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=list(settings.trusted_proxies))  # type: ignore[arg-type]

    @app.exception_handler(ApiError)
    async def _api_error(_request: Request, exc: ApiError) -> JSONResponse:
        return _error(exc.status, exc.reason, exc.message, exc.expected_seq)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = exc.errors()
        if any(e.get("type") == "json_invalid" for e in errors):
            return _error(422, "malformed_json", "The body is not valid JSON; nothing was stored.")
        where = ".".join(str(part) for part in errors[0].get("loc", ())) if errors else ""
        kind = "invalid_parameter" if where.startswith(("query", "path", "header")) else "invalid_body"
        return _error(422, kind, f"{where}: {errors[0].get('msg') if errors else 'invalid'}; nothing was stored.")

    @app.exception_handler(StarletteHTTPException)
    async def _http(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        reasons = {404: "no_such_route", 405: "method_not_allowed", 400: "malformed_json"}
        return _error(exc.status_code, reasons.get(exc.status_code, "refused"), str(exc.detail))

    @contextmanager
    def transaction() -> Iterator[Session]:
        with writers.begin() as session:
            yield session

    refusal_log = refusals.RefusalLog(transaction)

    def refuse(
        reason: str,
        message: str,
        status: int,
        user: User | None = None,
        device: Device | None = None,
        request: Request | None = None,
    ) -> ApiError:
        # Refused attempts are counted in their own transaction (they must outlive the refusal), per source
        # and minute, so a flood of them cannot fill the database.
        refusal_log.record(
            clock.now(),
            source_of(request) if request else "unknown",
            reason,
            request.url.path if request else "",
            user.id if user else None,
            device.id if device else None,
        )
        return ApiError(status, reason, message)

    bearer = HTTPBearer(auto_error=False)

    def authenticated(
        request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
    ) -> Caller:
        if credentials is None or credentials.scheme.lower() != "bearer":
            raise refuse("no_token", "This route needs the device token from enrolment.", 401, request=request)
        with sessions() as session:
            # Device and user in one query: every request of every route comes through here.
            row = session.execute(
                select(Device, User)
                .join(User, User.id == Device.user_id)
                .where(Device.token_hash == hash_secret(credentials.credentials))
            ).first()
            if row is None:
                raise refuse(
                    "token_unknown",
                    "This device token is not known here: enrol the device again.",
                    401,
                    request=request,
                )
            found, user = row[0], row[1]
        now = clock.now()
        renewed = found.token_renewed_at or found.enrolled_at
        # A revoked or retiring device is let through to hear its command (and a retiring one to push what
        # it holds): an admin asked for exactly that device, and a lapsed token must not stand in the way.
        if now - renewed > settings.token_lifetime and found.status not in ("revoked", "retire_pending"):
            raise refuse(
                "token_expired",
                "This device has not been in touch for too long and its token has lapsed: enrol it again with a "
                "new code, giving its old token. Nothing it holds is lost.",
                401,
                user,
                found,
                request,
            )
        if now - renewed > TOKEN_RENEW_EVERY:
            with transaction() as session:
                session.execute(update(Device).where(Device.id == found.id).values(token_renewed_at=now))
        return Caller(user, found)

    def active(request: Request, caller: Annotated[Caller, Depends(authenticated)]) -> Caller:
        if caller.device.status == "revoked":
            raise refuse(
                "device_revoked",
                "This device was revoked; its local copy must be wiped.",
                403,
                caller.user,
                caller.device,
                request,
            )
        if caller.device.status == "retired":
            raise refuse(
                "device_retired",
                "This device was retired and can no longer sync.",
                403,
                caller.user,
                caller.device,
                request,
            )
        return caller

    def over_quota(device: Device, session: Session) -> bool:
        count, size = push.quarantine_held(session, device)
        return count >= settings.quarantine_items or size >= settings.quarantine_bytes

    def flag_quarantine_full(session: Session, caller: Caller, now: datetime) -> None:
        device = session.get(Device, caller.device.id)
        assert device is not None
        if device.quarantine_full_at is None:
            device.quarantine_full_at = now
            count, size = push.quarantine_held(session, device)
            audit.append(
                session,
                now,
                [
                    audit.Entry(
                        "sync.quarantine_full",
                        "flagged",
                        caller.user.id,
                        device.id,
                        detail={"records": count, "bytes": size},
                    )
                ],
            )

    def state(session: Session, caller: Caller, server_keys: keys.ServerKeys) -> dict[str, Any]:
        device = session.get(Device, caller.device.id)
        assert device is not None
        return {
            "server_time": commands.stamp(clock.now()),
            "server_epoch": server_keys.epoch,
            "device_status": device.status,
            "commands": commands.pending(session, device.id),
        }

    v1 = p.API_PREFIX

    @app.get(f"{v1}/health", responses=REFUSALS)
    def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.post(f"{v1}/enrol", responses=REFUSALS)
    def enrol(
        body: p.EnrolRequest,
        request: Request,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    ) -> p.EnrolResponse:
        """With the device's old token as its bearer, enrolling renews that device (same id, same place in
        its outbox, a new token) instead of making a new one: a lapsed laptop's unsent records still carry
        its device id and continue its numbering."""
        now = clock.now()
        source = source_of(request)
        with transaction() as session:
            failures = session.scalar(
                select(func.count())
                .select_from(EnrolFailure)
                .where(EnrolFailure.source == source, EnrolFailure.at > now - ENROL_FAILURE_WINDOW)
            )
            if (failures or 0) >= ENROL_FAILURE_LIMIT:
                raise ApiError(429, "too_many_attempts", "Too many wrong enrolment codes: wait 15 minutes.")
            code = session.scalars(
                select(EnrolCode).where(EnrolCode.code_hash == hash_secret(normalise_code(body.code))).with_for_update()
            ).first()
            problem = None
            if code is None:
                problem = "code_unknown"
            elif code.used_at is not None:
                problem = "code_used"
            elif code.expires_at <= now:
                problem = "code_expired"
            if problem is not None:
                session.add(EnrolFailure(source=source, at=now))
                # Which of the three it was goes only to the audit log: an answer that said "used" or "expired"
                # would tell a guesser they had found a real code.
                audit.append(
                    session,
                    now,
                    [audit.Entry("security.enrol_refused", problem, None, None, detail={"source": source})],
                )
        if problem is not None:
            raise _code_invalid()
        token = secrets.token_urlsafe(32)
        with transaction() as session:
            code = session.scalars(select(EnrolCode).where(EnrolCode.id == code.id).with_for_update()).one()
            if code.used_at is not None:
                raise _code_invalid()
            user = session.get(User, code.user_id)
            assert user is not None
            if credentials is not None:
                renewing = session.scalars(
                    select(Device).where(Device.token_hash == hash_secret(credentials.credentials)).with_for_update()
                ).first()
                if renewing is None or renewing.user_id != user.id or renewing.status != "active":
                    refused = True
                else:
                    refused = False
                    renewing.token_hash = hash_secret(token)
                    renewing.token_renewed_at = now
                    renewing.last_seen_at = now
                    device = renewing
            else:
                refused = False
                device = Device(
                    id=uuid.uuid4(),
                    user_id=user.id,
                    name=body.device_name,
                    token_hash=hash_secret(token),
                    status="active",
                    enrolled_at=now,
                    last_seen_at=now,
                    last_sync_at=None,
                    last_seq=0,
                    heartbeat=None,
                    token_renewed_at=now,
                )
                session.add(device)
            if not refused:
                code.used_at = now
                code.device_id = device.id
            server_keys = keys.load(session, secrets_held)
            home = session.get(Team, user.team_id) if user.team_id else None
            team = p.TeamInfo(id=home.id, name=home.name, area=home.area, nation=home.nation) if home else None
            audit.append(
                session,
                now,
                [
                    audit.Entry(
                        "device.enrolled" if credentials is None else "device.renewed",
                        "refused" if refused else "ok",
                        user.id,
                        None if refused else device.id,
                        detail={"app_version": body.app_version},
                    )
                ],
            )
        if refused:
            raise ApiError(
                403,
                "renewal_refused",
                "This device's earlier enrolment cannot be renewed with this code (the code is for another user, "
                "or the device was revoked or retired). The code is still unused; nothing was changed.",
            )
        return p.EnrolResponse(
            device_id=device.id,
            user_id=user.id,
            organisation_id=user.organisation_id,
            token=token,
            role=user.role,
            server_epoch=server_keys.epoch,
            command_public_key=server_keys.public_key_hex,
            user_name=user.name,
            team=team,
        )

    # The big answers are serialised once, straight from their model: returned as models, FastAPI would dump,
    # re-validate and serialise each again (measured: the larger part of a 1,000-change pull's time).
    def push_route(
        body: p.PushRequest, request: Request, caller: Annotated[Caller, Depends(authenticated)]
    ) -> Response:
        now = clock.now()
        if caller.device.status == "revoked":
            with transaction() as session:
                push.quarantine_all(session, caller.user, caller.device, body, now)
            raise ApiError(
                403,
                "device_revoked",
                "This device was revoked: what it sent is kept in quarantine, and it must be wiped.",
            )
        active(request, caller)
        if caller.device.quarantine_full_at is not None:
            raise ApiError(
                403,
                "quarantine_full",
                "The server is holding too many of this device's records for review, so nothing more was taken "
                "from it for now. Nothing is lost: the records stay on the device and are sent once a team lead "
                "or administrator has reviewed the held ones.",
            )
        with transaction() as session:
            server_keys = keys.load(session, secrets_held)
            # Attached without a read of its own: push() reads the device's row afresh once it holds the
            # organisation's lock, and only that read decides anything.
            device = session.merge(caller.device, load=False)
            results, top = push.push(session, caller.user, device, body, server_keys.epoch, now)
            last_seq = device.last_seq
            if any(r["status"] == "rejected" for r in results) and over_quota(device, session):
                # This batch is kept whole (nothing is dropped); the next one is refused until someone looks.
                flag_quarantine_full(session, caller, now)
            # Read in this transaction (the device is already loaded; one query for its commands) rather than in
            # a session of its own after it, which cost a connection checkout and two more round trips.
            head = p.ServerState(**state(session, caller, server_keys)).model_dump(mode="json")
        # PushResponse's fields in its order, written straight out: the results are already JSON values (the
        # ledger keeps them so), and making 500 ItemResult models again to serialise them cost a tenth of a push.
        answer = {**head, "results": results, "last_seq": last_seq, "high_water_seq": top}
        return Response(to_json(answer), media_type="application/json")

    app.router.add_api_route(
        f"{v1}/push",
        push_route,
        methods=["POST"],
        responses=REFUSALS,
        response_model=p.PushResponse,
        route_class_override=_validated_from_bytes(p.PushRequest),
    )

    @app.get(f"{v1}/pull", responses=REFUSALS, response_model=p.PullResponse)
    def pull_route(
        caller: Annotated[Caller, Depends(active)],
        cursor_: Annotated[str | None, Query(alias="cursor", max_length=1024)] = None,
        limit: Annotated[int, Query(ge=1, le=p.MAX_PULL_LIMIT)] = p.DEFAULT_PULL_LIMIT,
        max_bytes: Annotated[int, Query(ge=1024, le=8 * p.MAX_BODY_BYTES)] = p.DEFAULT_PULL_BYTES,
        client_schema: Annotated[int | None, Header(alias="X-Waymark-Schema", ge=1, le=1000)] = None,
    ) -> Response:
        now = clock.now()
        if client_schema is not None and client_schema < min_client_schema:
            raise ApiError(
                426,
                "upgrade_required",
                "This version of Waymark is too old to read from the server: update it. Pushing still "
                "works, so nothing recorded on this device is lost.",
            )
        known = client_schema or 1  # what the client reads: no header is the first schema
        # Read in a read-only transaction: a pull takes no write lock (SQLite's single writer, or the audit
        # chain's head) while it reads and builds its page; only the audit of what it read is written, after.
        with sessions() as session:
            server_keys = keys.load(session, secrets_held)
            after = cursor.read(server_keys.cursor_key, server_keys.epoch, cursor_, caller.user.id, caller.device.id)
            changes, resume, has_more, top, visible = pull.pull(
                session, caller.user, caller.device.id, after, limit, max_bytes, now
            )
            page = p.PullResponse(
                changes=[],
                next_cursor=cursor.make(
                    server_keys.cursor_key, server_keys.epoch, resume, caller.user.id, caller.device.id
                ),
                has_more=has_more,
                high_water_seq=top,
                scope=visible,
                holds=[
                    p.Hold(person_id=pid, basis=basis, until=commands.stamp(until) if until else None, team_name=team)
                    for pid, basis, until, team in scope.holds(session, caller.user, now)
                ],
                offline_lease_s=lease.seconds(session),
                documents_digest=documents.digest(documents.in_force(session)),
                staff=pull.staff_names(session, caller.user, now) if known >= p.STAFF_NAMES_SCHEMA else None,
                **state(session, caller, server_keys),
            )
        entries = pull.read_audit(caller.user, caller.device.id, changes)
        if entries:
            with transaction() as session:
                audit.append(session, now, entries)
        # An older client refuses fields it does not know (every body is strict): it is not sent the newer ones.
        older = {"documents_digest"} if known < p.DOCUMENTS_SCHEMA else set()
        if known < p.STAFF_NAMES_SCHEMA:
            older.add("staff")
        # The page's changes are already JSON (pull.pull): put in the model's place for them, not made into 1,000
        # models to be serialised again.
        answer = page.model_dump(mode="json", exclude=older or None)
        return Response(pull.page_json(answer, changes), media_type="application/json")

    @app.get(f"{v1}/documents", responses=REFUSALS)
    def documents_route(caller: Annotated[Caller, Depends(active)]) -> p.DocumentList:
        """The organisation's pathways and contacts directory in force: the newest version of each file."""
        with sessions() as session:
            rows = documents.in_force(session)
            return p.DocumentList(
                documents=[
                    p.OrgDocument(
                        kind=d.kind,  # type: ignore[arg-type]  # the import writes only these two kinds
                        name=d.name,
                        document_id=d.id,
                        sha256=d.sha256,
                        text=d.text,
                        imported_at=commands.stamp(d.imported_at),
                    )
                    for d in rows
                ],
                documents_digest=documents.digest(rows),
                **state(session, caller, keys.load(session, secrets_held)),
            )

    @app.get(f"{v1}/persons/{{person_id}}/snapshot", responses=REFUSALS, response_model=p.PersonSnapshot)
    def snapshot(
        person_id: Annotated[uuid.UUID, Path()], request: Request, caller: Annotated[Caller, Depends(active)]
    ) -> Response:
        now = clock.now()
        with transaction() as session:
            person = session.get(Person, person_id)
            # Scope is checked whether or not the person exists: the same queries and the same answer for an
            # unknown id as for someone else's person, so no answer tells which person ids exist.
            readable = scope.may_read(session, caller.user, person_id, now)
            if person is None or not readable:
                audit.append(
                    session,
                    now,
                    [
                        audit.Entry(
                            "security.read_refused",
                            "person_not_visible",
                            caller.user.id,
                            caller.device.id,
                            detail={"path": request.url.path},
                        )
                    ],
                )
                refused = True
            else:
                refused = False
                as_of = pull.high_water(session, caller.user.organisation_id)
                records, plans, conflicts, count, digest = pull.snapshot(session, person_id, as_of)
                audit.append(
                    session,
                    now,
                    [
                        audit.Entry(
                            "record.read",
                            "snapshot",
                            caller.user.id,
                            caller.device.id,
                            person_id,
                            None,
                            {"records": count},
                        )
                    ],
                )
                server_keys = keys.load(session, secrets_held)
                # The device keeps the person under their team (its person row needs one), so the
                # snapshot names both; the rest is the person's details as the client row holds them.
                team = session.get(Team, person.team_id)
                assert team is not None
                details = {
                    **person.details,
                    "id": str(person.id),
                    "team": {"id": str(team.id), "name": team.name, "area": team.area, "nation": team.nation},
                }
                answer = p.PersonSnapshot(
                    person_id=person_id,
                    as_of_seq=as_of,
                    person=details,
                    records=records,
                    plans=plans,
                    open_conflicts=conflicts,
                    count=count,
                    digest=digest,
                    **state(session, caller, server_keys),
                )
        if refused:
            raise ApiError(404, "person_not_visible", "No such person is visible to you.")
        return _json(answer)

    def break_glass_attempts(session: Session, caller: Caller, since: datetime) -> int:
        """Attempts counted by the rate limit since ``since``: the caller's grants and refusals, by user and by
        device, whichever is more. A refusal for too many attempts is not itself an attempt."""
        counts = []
        for grant_by, refusal_by, key in (
            (BreakGlass.user_id, BreakGlassRefusal.user_id, caller.user.id),
            (BreakGlass.device_id, BreakGlassRefusal.device_id, caller.device.id),
        ):
            grants = session.scalar(
                select(func.count()).select_from(BreakGlass).where(grant_by == key, BreakGlass.granted_at > since)
            )
            refused = session.scalar(
                select(func.count())
                .select_from(BreakGlassRefusal)
                .where(
                    refusal_by == key,
                    BreakGlassRefusal.at > since,
                    BreakGlassRefusal.refusal != TOO_MANY_BREAK_GLASS,
                )
            )
            counts.append((grants or 0) + (refused or 0))
        return max(counts)

    def attempt_break_glass(
        caller: Caller, request: Request, reason: str, find: Callable[[Session], list[Person]]
    ) -> p.BreakGlassResponse:
        """One break-glass attempt by either route: counted against the rate limit, then refused or granted.
        ``find`` gives the persons of the caller's organisation the request names (none, one, or several).

        The count and the refusal or grant it adds commit together under a lock on the caller's user row, and
        live in the database: attempts racing on several server processes cannot all slip under the limit.
        A refusal is kept for the team lead (who, when, which, and the written reason, never the number asked
        for) and audited; the limit keeps how many are kept bounded."""
        now = clock.now()
        reason = reason.strip()
        refused: tuple[int, str, str] | None = None
        already_held = False
        with transaction() as session:
            session.execute(select(User.id).where(User.id == caller.user.id).with_for_update())
            since = now - settings.break_glass_window
            found: list[Person] = []
            if break_glass_attempts(session, caller, since) >= settings.break_glass_attempts:
                refused = (
                    429,
                    TOO_MANY_BREAK_GLASS,
                    "Too many break-glass attempts from this user or device in the last "
                    f"{_minutes(settings.break_glass_window)}: nothing was opened and nothing recorded is lost. "
                    "Phone the duty lead or on-call manager now; use the crisis lines for anyone in danger.",
                )
            elif caller.user.role != "duty":
                refused = (403, "role_may_not_break_glass", "Only duty staff may open a person outside their cover.")
            elif caller.device.status != "active":
                # A retiring laptop may still send what it holds, never open anyone new.
                refused = (403, "device_retiring", "This device is being retired: it cannot open anyone new.")
            else:
                found = find(session)
                if len(found) > 1:
                    refused = (
                        409,
                        "nhs_number_ambiguous",
                        "More than one record holds that NHS number, so none was opened. Ask your team lead or "
                        "administrator to merge or correct them.",
                    )
                elif not found:
                    refused = (404, "person_not_visible", "No such person is visible to you.")
            if refused is not None:
                status, refusal, _message = refused
                # One kept refusal for too many attempts per window is enough for the lead (the rest are
                # counted in the refusal tally): a flood must not fill the table.
                if refusal != TOO_MANY_BREAK_GLASS or not session.scalar(
                    select(func.count())
                    .select_from(BreakGlassRefusal)
                    .where(
                        BreakGlassRefusal.user_id == caller.user.id,
                        BreakGlassRefusal.refusal == TOO_MANY_BREAK_GLASS,
                        BreakGlassRefusal.at > since,
                    )
                ):
                    kept = BreakGlassRefusal(
                        user_id=caller.user.id, device_id=caller.device.id, at=now, refusal=refusal, reason=reason
                    )
                    session.add(kept)
                    session.flush()
                    audit.append(
                        session,
                        now,
                        [
                            audit.Entry(
                                "security.break_glass",
                                refusal,
                                caller.user.id,
                                caller.device.id,
                                # Neither the number nor the person asked for, nor the reason's text.
                                detail={"refusal": kept.id},
                            )
                        ],
                    )
            elif scope.holds_without_break_glass(session, caller.user, found[0].id, now):
                # Nothing to open: the person is on the caller's caseload or cover now. Neither a grant nor a
                # refusal, so not counted against the limit and not listed to the lead; it tells the caller
                # nothing they cannot already read. Audited as the lookup it was, without the reason's text.
                already_held = True
                audit.append(
                    session,
                    now,
                    [
                        audit.Entry(
                            "security.break_glass", "already_held", caller.user.id, caller.device.id, found[0].id
                        )
                    ],
                )
            else:
                [person] = found
                grant = BreakGlass(
                    id=uuid.uuid4(),
                    user_id=caller.user.id,
                    device_id=caller.device.id,
                    person_id=person.id,
                    reason=reason,
                    granted_at=now,
                    ends_at=now + BREAK_GLASS_FOR,
                )
                session.add(grant)
                session.flush()
                audit.append(
                    session,
                    now,
                    [
                        audit.Entry(
                            "security.break_glass",
                            "granted",
                            caller.user.id,
                            caller.device.id,
                            person.id,
                            None,
                            # The reason is kept with the grant, for the team lead; the log holds no clinical text.
                            {"grant": str(grant.id), "until": commands.stamp(grant.ends_at)},
                        )
                    ],
                )
                server_keys = keys.load(session, secrets_held)
                answer = p.BreakGlassResponse(
                    grant=grant_wire(grant, caller.user.name), **state(session, caller, server_keys)
                )
        if refused is not None:
            status, refusal, message = refused
            if status == 429 and _announced_schema(request) < p.BREAK_GLASS_LIMIT_SCHEMA:
                # A laptop from before the limit words every 429 as wrong enrolment codes ("wait 15 minutes"),
                # which would send a duty worker at 3 a.m. the wrong way; its 403 branch quotes this message,
                # which says whom to phone.
                status = 403
            raise refuse(refusal, message, status, caller.user, caller.device, request)
        if already_held:
            raise ApiError(
                409,
                ALREADY_HELD,
                "This person is already on your caseload or cover now: nothing was opened by break-glass. Open "
                "them from your caseload.",
            )
        return answer

    @app.post(f"{v1}/persons/{{person_id}}/break-glass", responses=REFUSALS)
    def break_glass(
        person_id: Annotated[uuid.UUID, Path()],
        body: p.BreakGlassRequest,
        request: Request,
        caller: Annotated[Caller, Depends(active)],
    ) -> p.BreakGlassResponse:
        """A duty worker opens a person outside their cover: written reason, short time, audited, seen by the
        person's team lead and the caller's own. The person then arrives with the next pull (scope), and leaves
        after it ends."""

        def find(session: Session) -> list[Person]:
            person = session.get(Person, person_id)
            # Another organisation's person is refused exactly as no person.
            return [person] if person is not None and person.organisation_id == caller.user.organisation_id else []

        return attempt_break_glass(caller, request, body.reason, find)

    @app.post(f"{v1}/break-glass", responses=REFUSALS)
    def break_glass_by_nhs_number(
        body: p.BreakGlassByNhsNumber, request: Request, caller: Annotated[Caller, Depends(active)]
    ) -> p.BreakGlassResponse:
        """The same opening for a duty worker who knows the person only by NHS number (a call out of hours
        about someone outside their cover): the reason comes first, so every lookup that finds someone is a
        grant the team lead sees; one that finds nobody is refused as a person not visible, and kept for the
        lead. Attempts are rate-limited per user and device, so a token cannot walk NHS numbers."""

        def find(session: Session) -> list[Person]:
            # Compared as digits whatever the import wrote (spaces, dashes, a JSON number): a number stored
            # as "943 476 5919" must not tell a duty worker at 3 a.m. that the person is not known here.
            # A rare, audited, rate-limited request: reading the organisation's persons for it is affordable.
            return [
                candidate
                for candidate in session.scalars(
                    select(Person).where(Person.organisation_id == caller.user.organisation_id)
                )
                if nhs_number.normalise(str(candidate.details.get("nhs_number") or "")) == body.nhs_number
            ]

        return attempt_break_glass(caller, request, body.reason, find)

    @app.get(f"{v1}/break-glass", responses=REFUSALS)
    def break_glass_list(request: Request, caller: Annotated[Caller, Depends(active)]) -> p.BreakGlassList:
        """Every break-glass opening by the team lead's staff or of their team's persons in the last 30 days,
        newest first."""
        now = clock.now()
        if caller.user.role != "team_lead":
            raise refuse(
                "role_may_not_read",
                "Only team leads see break-glass openings.",
                403,
                caller.user,
                caller.device,
                request,
            )
        with transaction() as session:
            grants = break_glass_grants(session, caller.user, now)
            audit.append(
                session,
                now,
                [
                    audit.Entry(
                        "record.read",
                        "break_glass_list",
                        caller.user.id,
                        caller.device.id,
                        detail={"grants": len(grants)},
                    )
                ],
            )
            server_keys = keys.load(session, secrets_held)
            return p.BreakGlassList(grants=grants, **state(session, caller, server_keys))

    @app.get(f"{v1}/conflicts", responses=REFUSALS)
    def conflicts(caller: Annotated[Caller, Depends(active)]) -> p.ConflictList:
        now = clock.now()
        with sessions() as session:
            rows = session.scalars(
                select(PlanConflict).where(
                    PlanConflict.status == "open", PlanConflict.person_id.in_(scope.visible(caller.user, now))
                )
            ).all()
            return p.ConflictList(
                conflicts=[push.conflict_wire(c) for c in rows],
                **state(session, caller, keys.load(session, secrets_held)),
            )

    @app.post(f"{v1}/heartbeat", responses=REFUSALS)
    def heartbeat(body: p.HeartbeatRequest, caller: Annotated[Caller, Depends(active)]) -> p.HeartbeatResponse:
        now = clock.now()
        offset_ms = int((datetime.fromisoformat(body.device_time) - now).total_seconds() * 1000)
        with transaction() as session:
            device = session.get(Device, caller.device.id)
            assert device is not None
            device.last_seen_at = now
            device.heartbeat = {
                **body.model_dump(mode="json"),
                "clock_offset_ms": offset_ms,
                "received_at": commands.stamp(now),
            }
        with sessions() as session:
            return p.HeartbeatResponse(
                clock_offset_ms=offset_ms, **state(session, caller, keys.load(session, secrets_held))
            )

    @app.get(f"{v1}/team/health", responses=REFUSALS, response_model=p.TeamHealth)
    def team_health(
        caller: Annotated[Caller, Depends(active)],
        client_schema: Annotated[int | None, Header(alias="X-Waymark-Schema", ge=1, le=1000)] = None,
    ) -> Response:
        now = clock.now()
        with transaction() as session:
            if caller.user.role != "team_lead":
                audit.append(session, now, [
                    audit.Entry("security.read_refused", "not_a_team_lead", caller.user.id, caller.device.id)
                ])  # fmt: skip
                refused = True
            else:
                audit.append(session, now, [audit.Entry("team.health_read", "ok", caller.user.id, caller.device.id)])
                refused = False
        if refused:
            raise ApiError(403, "not_a_team_lead", "Only a team lead can see the team's sync health.")
        # An older client refuses fields it does not know (every body is strict): it is not sent this one.
        current = client_schema is not None and client_schema >= p.BREAK_GLASS_REFUSED_SCHEMA
        with sessions() as session:
            server_keys = keys.load(session, secrets_held)
            health = team_health_report(session, caller.user, now, state(session, caller, server_keys), current)
        exclude = None if current else {"break_glass_refused"}
        return Response(health.model_dump_json(exclude=exclude), media_type="application/json")

    @app.get(f"{v1}/commands", responses=REFUSALS)
    def pending_commands(caller: Annotated[Caller, Depends(authenticated)]) -> p.ServerState:
        # Open to a revoked device on purpose: it must hear the signed revoke to wipe itself.
        with sessions() as session:
            return p.ServerState(**state(session, caller, keys.load(session, secrets_held)))

    @app.post(f"{v1}/commands/{{command_id}}/ack", responses=REFUSALS)
    def ack(
        command_id: Annotated[uuid.UUID, Path()], body: p.CommandAck, caller: Annotated[Caller, Depends(authenticated)]
    ) -> p.Ack:
        now = clock.now()
        with transaction() as session:
            command = session.get(DeviceCommand, command_id)
            if command is None or command.device_id != caller.device.id:
                audit.append(
                    session,
                    now,
                    [audit.Entry("security.ack_refused", "command_not_yours", caller.user.id, caller.device.id)],
                )
                missing = True
            else:
                missing = False
                if session.get(CommandAck, command_id) is None:
                    # A revoke stays pending until the device says it wiped: "failed" is audited, not an answer.
                    if command.kind != "revoke" or body.outcome == "done":
                        session.add(CommandAck(command_id=command_id, outcome=body.outcome, acked_at=now))
                    device = session.get(Device, caller.device.id)
                    assert device is not None
                    # Revoked is final: a stolen device acknowledging an older retire must not hide that it was
                    # reported lost and may never have wiped.
                    if command.kind == "retire" and body.outcome == "done" and device.status != "revoked":
                        device.status = "retired"
                    audit.append(
                        session,
                        now,
                        [
                            audit.Entry(
                                f"command.{command.kind}",
                                f"acked_{body.outcome}",
                                caller.user.id,
                                caller.device.id,
                                command.person_id,
                            )
                        ],
                    )
        if missing:
            raise ApiError(404, "command_not_found", "No such command was sent to this device.")
        with sessions() as session:
            return p.Ack(command_id=command_id, **state(session, caller, keys.load(session, secrets_held)))

    return app


def _json(model: p.Wire) -> Response:
    return Response(model.model_dump_json(), media_type="application/json")


def _code_invalid() -> ApiError:
    return ApiError(
        403,
        "code_invalid",
        "This enrolment code cannot be used: it may be mistyped, already used or expired. Check it, or ask your "
        "admin for a new one. Nothing on the device was changed.",
    )


def _minutes(window: timedelta) -> str:
    minutes = int(window.total_seconds() // 60)
    if minutes % 60 == 0:
        hours = minutes // 60
        return "hour" if hours == 1 else f"{hours} hours"
    return f"{minutes} minutes"


def source_of(request: Request) -> str:
    """The client's address: the peer's, or what a trusted proxy said it was (ProxyHeadersMiddleware)."""
    return request.client.host[:64] if request.client else "unknown"


def engine_of(app: FastAPI) -> Engine:
    return app.state.engine  # type: ignore[no-any-return]
