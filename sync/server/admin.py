"""An organisation's administration: teams, users, assignments, cover, enrolment codes, devices.

The command line and the tests drive the server through this module; it never reads clinical text.
"""

from __future__ import annotations

import json
import re
import secrets
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from app.clock import Clock, SystemClock
from sync.server import audit, commands, db, keys, lease
from sync.server.errors import SettingsError
from sync.server.models import (
    Assignment,
    ChangeCounter,
    Cover,
    CoverPerson,
    Device,
    EnrolCode,
    Organisation,
    Person,
    Quarantine,
    Team,
    User,
)
from sync.server.tokens import hash_secret

ROLES = ("worker", "duty", "team_lead", "admin")
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I to misread
_DURATION = re.compile(r"^(\d+)([mhd])$")


class AdminError(Exception):
    """A problem the admin can fix: the message is one line, for them."""


def parse_duration(text: str) -> timedelta:
    match = _DURATION.match(text.strip())
    if not match or int(match.group(1)) == 0:
        raise AdminError(f"cannot read duration {text!r}: use a number then m, h or d, e.g. 24h")
    amount, unit = int(match.group(1)), match.group(2)
    return {"m": timedelta(minutes=amount), "h": timedelta(hours=amount), "d": timedelta(days=amount)}[unit]


def parse_time(text: str) -> datetime:
    try:
        at = datetime.fromisoformat(text)
    except ValueError:
        raise AdminError(f"cannot read time {text!r}: use ISO 8601 with a timezone, e.g. 2026-12-01T17:00Z") from None
    if at.tzinfo is None:
        raise AdminError(f"time {text!r} has no timezone: add Z or +00:00")
    return at


@dataclass(frozen=True)
class DeviceRow:
    device_id: uuid.UUID
    username: str
    name: str
    status: str
    last_sync_at: datetime | None
    unsent: int | None
    quarantined: int
    quarantine_full_at: datetime | None = None


class Admin:
    def __init__(
        self, db_url: str, clock: Clock | None = None, engine: Engine | None = None, keys_file: Path | None = None
    ) -> None:
        self.clock = clock or SystemClock()
        self.engine = engine or db.open_engine(db_url)
        try:
            self.secrets = db.upgrade(self.engine, keys.source_for(db_url, keys_file))
        except SettingsError as exc:
            self.engine.dispose()
            raise AdminError(str(exc)) from None
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Admin:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        with self._sessions.begin() as session:
            yield session

    # --- organisation ----------------------------------------------------------------------

    def organisation_id(self, session: Session) -> uuid.UUID:
        org = session.scalars(select(Organisation.id)).first()
        if org is None:
            raise AdminError("this server database holds no organisation yet: run `waymark-server demo` or import one")
        return org

    def create_organisation(self, name: str, organisation_id: uuid.UUID | None = None) -> uuid.UUID:
        with self.transaction() as session:
            if session.scalars(select(Organisation.id)).first() is not None:
                raise AdminError("this server database already holds an organisation; use an empty database")
            org = Organisation(id=organisation_id or uuid.uuid4(), name=name)
            session.add(org)
            session.flush()
            session.add(ChangeCounter(organisation_id=org.id, value=0))
            return org.id

    def create_team(self, name: str, area: str, nation: str, team_id: uuid.UUID | None = None) -> uuid.UUID:
        with self.transaction() as session:
            team = Team(
                id=team_id or uuid.uuid4(),
                organisation_id=self.organisation_id(session),
                name=name,
                area=area,
                nation=nation,
            )
            if session.scalars(select(Team).where(Team.area == area)).first() is not None:
                raise AdminError(f"a team with area {area!r} already exists")
            session.add(team)
            return team.id

    def _team(self, session: Session, area: str) -> Team:
        team = session.scalars(select(Team).where(Team.area == area)).first()
        if team is None:
            raise AdminError(f"no team {area!r}: `waymark-server admin users` lists the teams in use")
        return team

    def _user(self, session: Session, username: str) -> User:
        user = session.scalars(select(User).where(User.username == username)).first()
        if user is None:
            raise AdminError(f"no user {username!r}: `waymark-server admin users` lists them")
        return user

    def _person(self, session: Session, person_id: str | uuid.UUID) -> Person:
        try:
            pid = person_id if isinstance(person_id, uuid.UUID) else uuid.UUID(person_id)
        except ValueError:
            raise AdminError(f"{person_id!r} is not a person id (a UUID)") from None
        person = session.get(Person, pid)
        if person is None:
            raise AdminError(f"no person {pid}")
        return person

    def create_user(
        self, username: str, name: str, role: str, team: str | None, user_id: uuid.UUID | None = None
    ) -> uuid.UUID:
        if role not in ROLES:
            raise AdminError(f"unknown role {role!r}: choose one of {', '.join(ROLES)}")
        if not re.fullmatch(r"[a-z0-9][a-z0-9._-]{0,63}", username):
            raise AdminError(f"username {username!r}: use lowercase letters, digits, dot, dash or underscore")
        with self.transaction() as session:
            if session.scalars(select(User).where(User.username == username)).first() is not None:
                raise AdminError(f"user {username!r} already exists")
            team_id = self._team(session, team).id if team else None
            if role != "admin" and team_id is None:
                raise AdminError(f"a {role} needs a team (--team AREA)")
            user = User(
                id=user_id or uuid.uuid4(),
                organisation_id=self.organisation_id(session),
                team_id=team_id,
                username=username,
                name=name,
                role=role,
            )
            session.add(user)
            return user.id

    def users(self) -> list[tuple[str, str, str]]:
        with self._sessions() as session:
            rows = session.execute(
                select(User.username, User.role, Team.area)
                .outerjoin(Team, Team.id == User.team_id)
                .order_by(User.username)
            )
            return [(username, role, area or "-") for username, role, area in rows]

    # --- caseloads ---------------------------------------------------------------------------

    def assign(self, username: str, person_id: str | uuid.UUID, role: str = "lead") -> uuid.UUID:
        now = self.clock.now()
        with self.transaction() as session:
            user, person = self._user(session, username), self._person(session, person_id)
            if user.role == "admin":
                raise AdminError("an admin holds no caseload")
            assignment = Assignment(
                id=uuid.uuid4(), user_id=user.id, person_id=person.id, role=role, starts_at=now, ends_at=None
            )
            session.add(assignment)
            audit.append(
                session, now, [audit.Entry("admin.assign", role, None, None, person.id, detail={"user": str(user.id)})]
            )
            return assignment.id

    def unassign(self, username: str, person_id: str | uuid.UUID) -> int:
        now = self.clock.now()
        with self.transaction() as session:
            user, person = self._user(session, username), self._person(session, person_id)
            live = session.scalars(
                select(Assignment).where(
                    Assignment.user_id == user.id, Assignment.person_id == person.id, Assignment.ends_at.is_(None)
                )
            ).all()
            if not live:
                raise AdminError(f"{username} does not hold person {person.id}")
            for assignment in live:
                assignment.ends_at = now
            audit.append(
                session,
                now,
                [audit.Entry("admin.unassign", "ended", None, None, person.id, detail={"user": str(user.id)})],
            )
            return len(live)

    def cover(
        self,
        username: str,
        starts_at: datetime,
        ends_at: datetime,
        team: str | None = None,
        persons: list[str] | None = None,
    ) -> uuid.UUID:
        if ends_at <= starts_at:
            raise AdminError("cover must end after it starts")
        if (team is None) == (not persons):
            raise AdminError("cover is for a team (--team) or a list of persons (--person), not both or neither")
        now = self.clock.now()
        with self.transaction() as session:
            user = self._user(session, username)
            if user.role not in ("duty", "worker", "team_lead"):
                raise AdminError(f"{username} is an {user.role} and cannot hold cover")
            cover = Cover(
                id=uuid.uuid4(),
                user_id=user.id,
                team_id=self._team(session, team).id if team else None,
                starts_at=starts_at,
                ends_at=ends_at,
            )
            session.add(cover)
            session.flush()
            for pid in persons or []:
                session.add(CoverPerson(cover_id=cover.id, person_id=self._person(session, pid).id))
            audit.append(
                session,
                now,
                [
                    audit.Entry(
                        "admin.cover",
                        "granted",
                        None,
                        None,
                        None,
                        detail={"user": str(user.id), "cover": str(cover.id)},
                    )
                ],
            )
            return cover.id

    def set_lease(self, length: timedelta) -> None:
        """The organisation's offline lease (each laptop hears it at its next sync)."""
        now = self.clock.now()
        with self.transaction() as session:
            try:
                lease.set_length(session, length)
            except ValueError as exc:
                raise AdminError(str(exc)) from None
            audit.append(
                session,
                now,
                [audit.Entry("admin.lease", "set", None, None, None, detail={"seconds": int(length.total_seconds())})],
            )

    def end_cover(self, username: str) -> int:
        """End the user's cover live now, at once (its persons leave their laptop at its next sync, once
        what was recorded for them there has been sent); returns how many covers were ended."""
        now = self.clock.now()
        with self.transaction() as session:
            user = self._user(session, username)
            live = list(
                session.scalars(
                    select(Cover).where(Cover.user_id == user.id, Cover.starts_at <= now, Cover.ends_at > now)
                )
            )
            for cover in live:
                cover.ends_at = now
            audit.append(
                session,
                now,
                [
                    audit.Entry(
                        "admin.cover", "ended", None, None, None, detail={"user": str(user.id), "cover": str(c.id)}
                    )
                    for c in live
                ],
            )
            return len(live)

    def import_persons(self, path: Path) -> int:
        """JSON lines, one person each: ``{"id"?, "team": AREA, "details": {...}}``."""
        rows = _json_lines(path)
        with self.transaction() as session:
            org = self.organisation_id(session)
            for number, row in enumerate(rows, 1):
                if not isinstance(row.get("details"), dict) or not isinstance(row.get("team"), str):
                    raise AdminError(f'{path}:{number}: each line needs "team" (an area) and "details" (object)')
                session.add(
                    Person(
                        id=uuid.UUID(row["id"]) if row.get("id") else uuid.uuid4(),
                        organisation_id=org,
                        team_id=self._team(session, row["team"]).id,
                        details=row["details"],
                    )
                )
            return len(rows)

    # --- enrolment and devices ----------------------------------------------------------------

    def enrol_code(self, username: str, valid_for: timedelta = timedelta(hours=24)) -> str:
        now = self.clock.now()
        code = "-".join("".join(secrets.choice(CODE_ALPHABET) for _ in range(4)) for _ in range(4))
        with self.transaction() as session:
            user = self._user(session, username)
            session.add(
                EnrolCode(
                    id=uuid.uuid4(),
                    code_hash=hash_secret(code.replace("-", "")),
                    user_id=user.id,
                    created_at=now,
                    expires_at=now + valid_for,
                    used_at=None,
                    device_id=None,
                )
            )
            audit.append(
                session,
                now,
                [
                    audit.Entry(
                        "admin.enrol_code",
                        "issued",
                        user.id,
                        None,
                        detail={"valid_for_s": int(valid_for.total_seconds())},
                    )
                ],
            )
        return code

    def devices(self) -> list[DeviceRow]:
        with self._sessions() as session:
            quarantined = dict(
                session.execute(select(Quarantine.device_id, func.count()).group_by(Quarantine.device_id)).all()
            )
            out = []
            for device, username in session.execute(
                select(Device, User.username).join(User, User.id == Device.user_id).order_by(User.username)
            ):
                unsent = (device.heartbeat or {}).get("unsent")
                out.append(
                    DeviceRow(
                        device.id,
                        username,
                        device.name,
                        device.status,
                        device.last_sync_at,
                        unsent if isinstance(unsent, int) else None,
                        quarantined.get(device.id, 0),
                        device.quarantine_full_at,
                    )
                )
            return out

    def _device(self, session: Session, device_id: str) -> Device:
        try:
            device = session.get(Device, uuid.UUID(device_id))
        except ValueError:
            raise AdminError(f"{device_id!r} is not a device id: `waymark-server admin devices` lists them") from None
        if device is None:
            raise AdminError(f"no device {device_id}: `waymark-server admin devices` lists them")
        return device

    def quarantine_reviewed(self, device_id: str) -> None:
        """A team lead or admin has looked at what the device has in quarantine: it may push again, and its
        quota counts afresh from now. The quarantined records themselves stay (append-only)."""
        now = self.clock.now()
        with self.transaction() as session:
            device = self._device(session, device_id)
            device.quarantine_reviewed_at = now
            device.quarantine_full_at = None
            audit.append(session, now, [audit.Entry("admin.quarantine_reviewed", "cleared", None, device.id)])

    def revoke(self, device_id: str) -> None:
        """Lost or stolen: refused from now on, told to wipe on sight."""
        now = self.clock.now()
        with self.transaction() as session:
            device = self._device(session, device_id)
            device.status = "revoked"
            commands.issue(session, keys.load(session, self.secrets), device, "revoke", "admin", now)

    def retire(self, device_id: str) -> None:
        """A leaver's device: it may push what it holds, then wipes and acknowledges."""
        now = self.clock.now()
        with self.transaction() as session:
            device = self._device(session, device_id)
            if device.status == "revoked":
                raise AdminError("this device is already revoked")
            device.status = "retire_pending"
            commands.issue(session, keys.load(session, self.secrets), device, "retire", "admin", now)

    def purge_person(self, device_id: str, person_id: str) -> None:
        now = self.clock.now()
        with self.transaction() as session:
            device = self._device(session, device_id)
            person = self._person(session, person_id)
            commands.issue(session, keys.load(session, self.secrets), device, "purge_person", "admin", now, person.id)

    def new_epoch(self) -> str:
        with self.transaction() as session:
            epoch = keys.new_epoch(session)
            audit.append(session, self.clock.now(), [audit.Entry("admin.new_epoch", "changed", None, None)])
            return epoch


def _json_lines(path: Path) -> list[dict[str, Any]]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise AdminError(f"cannot read {path}: {exc.strerror}") from None
    rows = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise AdminError(f"{path}:{number}: not JSON ({exc.msg})") from None
        if not isinstance(row, dict):
            raise AdminError(f"{path}:{number}: each line must be a JSON object")
        rows.append(row)
    return rows
