"""``waymark-server``: serve, load the demo organisation, and administer (exact syntax in README.md).

Every error is one line on stderr naming the problem, exit status 1, never a traceback.
"""

from __future__ import annotations

import argparse
import ipaddress
import os
import sys
from collections.abc import Sequence
from datetime import date, timedelta
from pathlib import Path

import platformdirs

from sync.server import keys
from sync.server.admin import Admin, AdminError, parse_duration, parse_time
from sync.server.errors import SettingsError
from sync.server.settings import Settings


def default_db_url() -> str:
    folder = Path(platformdirs.user_data_dir("waymark-server", appauthor=False))
    folder.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{folder / 'server.db'}"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="waymark-server", description="Waymark sync server")
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="run the sync server")
    serve.add_argument("--db", help="database URL (default: an SQLite file in the platform data folder)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8765)
    serve.add_argument("--tls-cert", type=Path)
    serve.add_argument("--tls-key", type=Path)
    serve.add_argument("--workers", type=int, default=1)
    serve.add_argument("--api-docs", action="store_true", help="serve the interactive /docs and /redoc pages")
    serve.add_argument(
        "--trusted-proxy",
        action="append",
        default=[],
        metavar="ADDRESS",
        help="a reverse proxy (address or network) whose X-Forwarded-For is believed; repeatable",
    )
    serve.add_argument("--token-lifetime", help="how long an unused device token lasts, e.g. 30d (default 30d)")
    serve.add_argument(
        "--break-glass-attempts",
        help="break-glass attempts allowed per user and per device in each window (default 10)",
    )
    serve.add_argument("--break-glass-window", help="the break-glass rate limit's window, e.g. 1h (default 1h)")
    serve.add_argument("--keys", type=Path, help="the server keys file (default: see README, Sync server keys)")

    demo = sub.add_parser("demo", help="load the demo organisation into an empty database")
    demo.add_argument("--db", required=True)
    demo.add_argument("--persons", type=int, default=40)
    demo.add_argument("--seed", type=int, default=7)
    demo.add_argument("--keys", type=Path, help="the server keys file (default: see README)")

    load = sub.add_parser("import", help="import an organisation's safety plans, pathways or contacts directory")
    load.add_argument("--db", help="database URL (default: as for serve)")
    load.add_argument("--keys", type=Path, help="the server keys file (default: as for serve)")
    load.add_argument("kind", choices=("plans", "pathways", "directory"))
    load.add_argument("files", type=Path, nargs="+", metavar="FILE")

    admin = sub.add_parser("admin", help="administer the organisation")
    admin_sub = admin.add_subparsers(dest="action", required=True)

    def add(name: str, help_text: str) -> argparse.ArgumentParser:
        action = admin_sub.add_parser(name, help=help_text)
        action.add_argument("--db", help="database URL (default: as for serve)")
        action.add_argument("--keys", type=Path, help="the server keys file (default: as for serve)")
        return action

    add("create-keys", "make the server's signing and cursor keys in a new owner-only file")
    add("users", "list users: USERNAME ROLE TEAM")
    code = add("enrol-code", "print a single-use enrolment code for a user's device")
    code.add_argument("--user", required=True)
    code.add_argument("--valid-for", default="24h")
    org = add("create-organisation", "create the organisation in an empty database")
    org.add_argument("--name", required=True)
    team = add("create-team", "create a team")
    team.add_argument("--name", required=True)
    team.add_argument("--area", required=True)
    team.add_argument("--nation", required=True, choices=("england", "scotland", "wales", "northern-ireland"))
    user = add("create-user", "create a user")
    user.add_argument("--username", required=True)
    user.add_argument("--name", required=True)
    user.add_argument("--role", required=True, choices=("worker", "duty", "team_lead", "admin"))
    user.add_argument("--team")
    assign = add("assign", "assign a person to a user")
    assign.add_argument("--user", required=True)
    assign.add_argument("--person", required=True)
    assign.add_argument("--role", default="lead", choices=("lead", "co-worker"))
    unassign = add("unassign", "end a user's assignment to a person")
    unassign.add_argument("--user", required=True)
    unassign.add_argument("--person", required=True)
    cover = add("cover", "time-boxed cover for duty staff: a team, or persons")
    cover.add_argument("--user", required=True)
    cover.add_argument("--from", dest="starts", required=True)
    cover.add_argument("--to", dest="ends", required=True)
    cover.add_argument("--team")
    cover.add_argument("--person", action="append")
    set_lease = add("set-lease", "how long laptops keep full access to case data between syncs (default 7 days)")
    set_lease.add_argument("--days", type=int, required=True)
    end_cover = add("end-cover", "end a user's cover now (a shift ended early)")
    end_cover.add_argument("--user", required=True)
    persons = add("import-persons", "import persons from a JSON-lines file")
    persons.add_argument("file", type=Path)
    add("devices", "list devices with last sync, unsent and quarantined counts")
    reviewed = add("quarantine-reviewed", "a device's quarantine has been looked at: it may push again")
    reviewed.add_argument("device")
    revoke = add("revoke", "revoke a lost device: refused everywhere, wiped on sight")
    revoke.add_argument("device")
    retire = add("retire", "retire a leaver's device: it pushes everything, then wipes")
    retire.add_argument("device")
    purge = add("purge-person", "tell a device to remove one person's records")
    purge.add_argument("device")
    purge.add_argument("--person", required=True)
    add("new-epoch", "after restoring from backup: clients re-push and re-snapshot")

    report = sub.add_parser("report", help="governance measures for a team and period, from the server's records")
    report.add_argument("--db", help="database URL (default: as for serve)")
    report.add_argument("--team", required=True, help="the team's name or area")
    report.add_argument("--from", dest="first", required=True, type=_day, help="first day, YYYY-MM-DD")
    report.add_argument("--to", dest="last", required=True, type=_day, help="last day, YYYY-MM-DD (included)")
    report.add_argument("--csv", type=Path, default=None, help="also write the figures and their records as CSV")
    report.add_argument("--keys", type=Path, help="the server keys file (default: as for serve)")
    return parser


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date such as 2026-11-30") from None


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return _run(args)
    except (AdminError, SettingsError) as exc:
        print(f"waymark-server: {exc}", file=sys.stderr)
        return 1
    except Exception as exc:
        print(f"waymark-server: {type(exc).__name__}: {_first_line(exc)}", file=sys.stderr)
        return 1


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else "unexpected error"


def _run(args: argparse.Namespace) -> int:
    if args.command == "serve":
        return _serve(args)
    if args.command == "demo":
        from sync.server import demo

        if args.persons < 2:
            raise AdminError("the demo needs at least two persons")
        with Admin(args.db, keys_file=args.keys) as admin:
            for username, role, team in demo.load(admin, persons=args.persons, seed=args.seed):
                print(f"{username} {role} {team}")
        return 0
    if args.command == "report":
        return _report(args)
    if args.command == "import":
        from sync.server import importing

        with Admin(args.db or default_db_url(), keys_file=args.keys) as admin:
            try:
                print(importing.describe(importing.run(admin, args.kind, args.files)))
            except importing.ImportProblems as problems:
                for line in problems.lines:
                    print(line, file=sys.stderr)
                raise AdminError(str(problems)) from None
        return 0
    if args.action == "create-keys":
        source = keys.source_for(args.db or default_db_url(), args.keys)
        if source.file is None:
            raise AdminError(f"the keys are given in the environment ({source.describe()}); no file was made")
        made = keys.create(source.file)
        print(f"{source.file} {made.public_key_hex}")
        return 0
    with Admin(args.db or default_db_url(), keys_file=args.keys) as admin:
        _admin(admin, args)
    return 0


def _report(args: argparse.Namespace) -> int:
    from app.governance.csv_export import to_csv
    from app.governance.report import summary
    from sync.server.report import team_report

    if args.csv is not None and not args.csv.parent.is_dir():
        raise AdminError(f"the folder for {args.csv} does not exist; no report was made")
    with Admin(args.db or default_db_url(), keys_file=args.keys) as admin:
        report = team_report(admin, args.team, args.first, args.last)
    print("\n".join(summary(report)))
    if args.csv is not None:
        args.csv.write_text(to_csv(report), encoding="utf-8")
        print(f"CSV written to {args.csv}")
    return 0


def _admin(admin: Admin, args: argparse.Namespace) -> None:
    action = args.action
    if action == "users":
        for username, role, team in admin.users():
            print(f"{username} {role} {team}")
    elif action == "enrol-code":
        print(admin.enrol_code(args.user, parse_duration(args.valid_for)))
    elif action == "create-organisation":
        print(admin.create_organisation(args.name))
    elif action == "create-team":
        print(admin.create_team(args.name, args.area, args.nation))
    elif action == "create-user":
        print(admin.create_user(args.username, args.name, args.role, args.team))
    elif action == "assign":
        print(admin.assign(args.user, args.person, args.role))
    elif action == "unassign":
        admin.unassign(args.user, args.person)
    elif action == "cover":
        print(admin.cover(args.user, parse_time(args.starts), parse_time(args.ends), args.team, args.person))
    elif action == "set-lease":
        admin.set_lease(timedelta(days=args.days))
    elif action == "end-cover":
        print(admin.end_cover(args.user))
    elif action == "import-persons":
        print(admin.import_persons(args.file))
    elif action == "devices":
        for row in admin.devices():
            last = row.last_sync_at.isoformat() if row.last_sync_at else "never"
            unsent = "?" if row.unsent is None else str(row.unsent)
            full = " QUARANTINE_FULL(pushes refused until reviewed)" if row.quarantine_full_at else ""
            print(
                f"{row.device_id} {row.username} {row.status} last_sync={last} unsent={unsent} "
                f"quarantined={row.quarantined}{full}"
            )
    elif action == "quarantine-reviewed":
        admin.quarantine_reviewed(args.device)
    elif action == "revoke":
        admin.revoke(args.device)
    elif action == "retire":
        admin.retire(args.device)
    elif action == "purge-person":
        admin.purge_person(args.device, args.person)
    elif action == "new-epoch":
        print(admin.new_epoch())


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    if (args.tls_cert is None) != (args.tls_key is None):
        raise AdminError("give both --tls-cert and --tls-key, or neither")
    if args.tls_cert is None and not _loopback(args.host):
        raise AdminError(f"serving on {args.host} without TLS is refused: give --tls-cert and --tls-key")
    if args.workers < 1:
        raise AdminError("--workers must be at least 1")
    for path in (args.tls_cert, args.tls_key):
        if path is not None and not path.is_file():
            raise AdminError(f"cannot read {path}")
    db_url = args.db or default_db_url()
    # The workers read their settings from the environment; setting them here first checks them once.
    if args.api_docs:
        os.environ["WAYMARK_SERVER_API_DOCS"] = "1"
    if args.trusted_proxy:
        os.environ["WAYMARK_SERVER_TRUSTED_PROXIES"] = ",".join(args.trusted_proxy)
    if args.token_lifetime:
        os.environ["WAYMARK_SERVER_TOKEN_LIFETIME"] = args.token_lifetime
    if args.break_glass_attempts:
        os.environ["WAYMARK_SERVER_BREAK_GLASS_ATTEMPTS"] = args.break_glass_attempts
    if args.break_glass_window:
        os.environ["WAYMARK_SERVER_BREAK_GLASS_WINDOW"] = args.break_glass_window
    if args.keys:
        os.environ[keys.FILE_ENV] = str(args.keys)
    Settings.from_env()
    # Migrate once here (and make the keys at first start), so several workers do not race to; each worker
    # then builds the app from the URL.
    Admin(db_url).close()
    os.environ["WAYMARK_SERVER_DB"] = db_url
    uvicorn.run(
        "sync.server.asgi:app",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        ssl_certfile=str(args.tls_cert) if args.tls_cert else None,
        ssl_keyfile=str(args.tls_key) if args.tls_key else None,
        log_level="warning",
        # X-Forwarded-For is honoured by the application, and only from --trusted-proxy (uvicorn alone would
        # believe it from any process on this machine).
        proxy_headers=False,
    )
    return 0


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


if __name__ == "__main__":
    sys.exit(main())
