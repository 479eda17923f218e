"""The ``waymark`` command: the GUI with no arguments, headless subcommands for support and scripts.

Qt is imported only when the GUI starts, so the subcommands run on machines without a display.
"""

from __future__ import annotations

import argparse
import getpass
import json
import logging
import os
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any, NoReturn

from platformdirs import PlatformDirs

from app.errors import InvalidInput, StoreError, WaymarkError

log = logging.getLogger("waymark")
PASSPHRASE_ENV = "WAYMARK_PASSPHRASE"


def default_data_dir() -> Path:
    return PlatformDirs("Waymark", appauthor=False).user_data_path


def _passphrase(prompt: str = "Passphrase: ", env: str = PASSPHRASE_ENV) -> str:
    value = os.environ.get(env)
    if value == "":
        # An unset variable set to nothing is a scripting slip, not a guess: never spend an attempt on it.
        raise SystemExit(f"waymark: {env} is set but empty; nothing was tried and nothing was changed")
    if value is not None:
        return value
    if not sys.stdin.isatty():
        raise SystemExit(f"waymark: no passphrase: set {env} or run from a terminal")
    return getpass.getpass(prompt)


class _Parser(argparse.ArgumentParser):
    """Bad arguments exit 1, as every other error does (README), not argparse's 2."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(1, f"{self.prog}: error: {message}\n")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="waymark", description="Waymark: safety plans and contact notes, offline.")
    parser.add_argument("--data-dir", type=Path, default=None, help="data folder (default: the user data folder)")
    sub = parser.add_subparsers(dest="command")

    demo = sub.add_parser("demo", help="create (or re-create) a store holding the demo organisation")
    demo.add_argument("--data-dir", type=Path, default=argparse.SUPPRESS)
    demo.add_argument("--persons", type=int, default=40)
    demo.add_argument("--seed", type=int, default=7)
    demo.add_argument(
        "--discard-unsent",
        action="store_true",
        help="replace a demo store even though it holds records a worker made that were never sent",
    )
    demo.add_argument(
        "--role",
        choices=("worker", "team_lead"),
        default="worker",
        help="whose laptop: the demo worker's caseload, or the team lead's copy of the demo team's records",
    )

    dump = sub.add_parser("dump", help="print every decrypted record as JSON lines")
    dump.add_argument("--data-dir", type=Path, default=argparse.SUPPRESS)

    period = sub.add_parser("period", help="in-hours or out-of-hours at a time, with the reason")
    period.add_argument("--at", required=True, help="ISO time with its offset, e.g. 2026-12-28T10:00+00:00")
    period.add_argument("--nation", default="england", choices=["england", "wales", "scotland", "northern-ireland"])
    period.add_argument("--area", default=None, help="use this area's team hours (default: Mon–Fri 09:00–17:00)")

    pathways = sub.add_parser("pathways", help="check pathway files before they are deployed")
    pathways_sub = pathways.add_subparsers(dest="pathways_command", required=True)
    validate = pathways_sub.add_parser("validate", help="validate pathway files: exit 0 when valid, 1 otherwise")
    validate.add_argument("paths", type=Path, nargs="+", metavar="PATH", help="a pathway file or a folder of them")
    validate.add_argument(
        "--contacts", type=Path, default=None, help="contacts folder the pathways name (default: the bundled one)"
    )

    passwd = sub.add_parser("passwd", help="change the passphrase")
    passwd.add_argument("--data-dir", type=Path, default=argparse.SUPPRESS)

    rekey = sub.add_parser("rekey", help="re-encrypt the data under a new key (when a passphrase may have leaked)")
    rekey.add_argument("--data-dir", type=Path, default=argparse.SUPPRESS)

    enrol = sub.add_parser("enrol", help="create an encrypted store, enrol it with a sync server and sync")
    enrol.add_argument("--server", default=None, help="the sync server's address, e.g. https://sync.example.org")
    enrol.add_argument("--code", required=True, help="the enrolment code from your administrator")
    enrol.add_argument(
        "--renew",
        action="store_true",
        help="renew this enrolled laptop's lapsed sign-in (token_expired) with a new code; nothing stored changes",
    )
    enrol.add_argument("--ca", type=Path, default=None, help="the certificate authority file to trust for the server")
    enrol.add_argument("--data-dir", type=Path, default=argparse.SUPPRESS)

    sync = sub.add_parser("sync", help="sync once with the server: send what is waiting, receive what is new")
    sync.add_argument("--data-dir", type=Path, default=argparse.SUPPRESS)

    report = sub.add_parser("report", help="governance measures for a team and period (team leads)")
    report.add_argument("--data-dir", type=Path, default=argparse.SUPPRESS)
    report.add_argument("--team", required=True, help="the team's name or area")
    report.add_argument("--from", dest="first", required=True, type=_day, help="first day, YYYY-MM-DD")
    report.add_argument("--to", dest="last", required=True, type=_day, help="last day, YYYY-MM-DD (included)")
    report.add_argument("--csv", type=Path, default=None, help="also write the figures and their records as CSV")
    report.add_argument("--pdf", type=Path, default=None, help="also write a paginated PDF for a meeting")
    report.add_argument("--by-worker", action="store_true", help="add each worker's figures (audited)")
    report.add_argument("--worker", default=None, help="add one worker's figures, by full name (audited)")
    return parser


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date such as 2026-11-30") from None


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    data_dir: Path = args.data_dir or default_data_dir()
    logging.basicConfig(
        level=os.environ.get("WAYMARK_LOG_LEVEL", "WARNING"), format="%(levelname)s %(name)s: %(message)s"
    )
    if args.command is None:
        from ui.main import run_gui  # Qt only when a window is wanted

        return run_gui(data_dir)
    try:
        match args.command:
            case "demo":
                return _demo(data_dir, args.persons, args.seed, args.discard_unsent, args.role)
            case "dump":
                return _dump(data_dir)
            case "passwd":
                return _passwd(data_dir)
            case "rekey":
                return _rekey(data_dir)
            case "enrol" if args.renew:
                return _renew(data_dir, args.code, args.server, args.ca)
            case "enrol":
                return _enrol(data_dir, args.server, args.code, args.ca)
            case "sync":
                return _sync(data_dir)
            case "report":
                return _report(
                    data_dir, args.team, args.first, args.last, args.csv, args.pdf, args.by_worker, args.worker
                )
            case "period":
                return _period(args.at, args.nation, args.area)
            case "pathways":
                return _validate_pathways(args.paths, args.contacts)
    except InvalidInput as exc:
        # The GUI's wording ("Nothing was saved…") does not fit a command; say only what was wrong.
        print(f"waymark: {exc.field}: {exc.problem}", file=sys.stderr)
        return 1
    except (WaymarkError, StoreError) as exc:
        print(f"waymark: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("waymark: stopped; nothing was changed", file=sys.stderr)
        return 130
    return 2


def _demo(data_dir: Path, persons: int, seed: int, discard_unsent: bool, role: str = "worker") -> int:
    from app.errors import WrongPassphrase
    from app.workspace import Workspace, demo_store_status, discard_demo_store, store_exists
    from resources.demo.generator import populate

    if persons < 2:
        print("waymark: --persons must be at least 2", file=sys.stderr)
        return 1
    passphrase = _passphrase()
    if store_exists(data_dir):
        # Only ever replace a demo store, and only one this passphrase opens (a wrong passphrase is
        # reported as such): a real worker's records must never be deleted by a demo command, nor
        # anything a worker recorded in the demo store and never sent, unless they say so.
        try:
            status = demo_store_status(data_dir, passphrase)
        except WrongPassphrase as exc:
            print(f"waymark: {exc} The store in {data_dir} was not replaced.", file=sys.stderr)
            return 1
        if not status.is_demo:
            print(f"waymark: {data_dir} holds records that are not demo data; it was not replaced", file=sys.stderr)
            return 1
        if status.unsent_own_records and not discard_unsent:
            print(
                f"waymark: {data_dir} holds {status.unsent_own_records} record(s) recorded in the demo and never "
                "sent; it was not replaced. Run again with --discard-unsent to delete them with it.",
                file=sys.stderr,
            )
            return 1
        if status.unsent_own_records:
            print(f"Discarding {status.unsent_own_records} unsent record(s) recorded in the demo store.")
        discard_demo_store(data_dir)
    summaries: list[int] = []

    def fill(workspace: Workspace) -> None:
        if role == "team_lead":
            from resources.demo.lead import populate_lead

            summaries.append(populate_lead(workspace, persons=persons, seed=seed).persons)
        else:
            summaries.append(populate(workspace, persons=persons, seed=seed).persons)
        workspace.mark_demo()

    Workspace.create(data_dir, passphrase, prepare=fill).close()
    if role == "team_lead":
        print(f"Demo team lead's store created in {data_dir}: the demo team's records for {summaries[0]} persons.")
    else:
        print(f"Demo organisation created in {data_dir}: {summaries[0]} persons on the demo worker's caseload.")
    return 0


def _enrol(data_dir: Path, server: str | None, code: str, ca: Path | None) -> int:
    import socket

    from app.workspace import Workspace, store_exists
    from sync.client import SyncFailure
    from sync.engine import describe, enrol

    if server is None:
        print("waymark: enrol needs --server URL (or --renew, for a laptop already enrolled)", file=sys.stderr)
        return 1
    if ca is not None and not ca.is_file():
        print(f"waymark: the certificate file {ca} does not exist; nothing was changed", file=sys.stderr)
        return 1
    passphrase = _passphrase()
    # A store left by an enrolment that failed part-way is reused (it can hold nothing yet).
    workspace = (
        Workspace.open(data_dir, passphrase) if store_exists(data_dir) else Workspace.create(data_dir, passphrase)
    )
    try:
        try:
            enrol(workspace, server, code, socket.gethostname()[:200] or "laptop", ca)
        except SyncFailure as exc:
            print(f"waymark: enrolment did not finish: {exc}", file=sys.stderr)
            return 1
        print(f"This laptop is enrolled with {server}.")
        return _sync_once(workspace, describe)
    finally:
        workspace.close()


def _renew(data_dir: Path, code: str, server: str | None, ca: Path | None) -> int:
    """A lapsed sign-in (token_expired) renewed with a new code: the same device, its outbox untouched."""
    import socket

    from app.workspace import Workspace, store_exists
    from sync.client import SyncFailure
    from sync.engine import NotEnrolled, describe, renew_enrolment

    if server is not None or ca is not None:
        print(
            "waymark: --renew uses the server this laptop is enrolled with; leave out --server and --ca",
            file=sys.stderr,
        )
        return 1
    if not store_exists(data_dir):
        print(f"waymark: there is no Waymark store in {data_dir}; nothing was changed", file=sys.stderr)
        return 1
    workspace = Workspace.open(data_dir, _passphrase())
    try:
        try:
            state = renew_enrolment(workspace, code, socket.gethostname()[:200] or "laptop")
        except NotEnrolled:
            print(
                f"waymark: the store in {data_dir} is not enrolled, so there is nothing to renew; nothing was "
                "changed. Enrol it with --server URL --code CODE.",
                file=sys.stderr,
            )
            return 1
        except SyncFailure as exc:
            print(f"waymark: renewal did not finish: {exc}", file=sys.stderr)
            return 1
        waiting = workspace.outbox_pending()
        records = f"{waiting} record{'s' if waiting != 1 else ''} waiting to be sent"
        print(
            f"This laptop's enrolment with {state.server} is renewed (the same device; nothing stored was changed). "
            f"{records} kept {'their' if waiting != 1 else 'its'} place; syncing now."
        )
        return _sync_once(workspace, describe)
    finally:
        workspace.close()


def _sync(data_dir: Path) -> int:
    from app.workspace import Workspace
    from sync.engine import describe

    workspace = Workspace.open(data_dir, _passphrase())
    try:
        return _sync_once(workspace, describe)
    finally:
        workspace.close()


def _sync_once(workspace: Any, describe: Any) -> int:
    from sync.client import SyncFailure
    from sync.engine import NotEnrolled, SyncEngine, Wiped

    try:
        report = SyncEngine(workspace).sync()
    except Wiped as exc:
        print(f"waymark: {exc}", file=sys.stderr)
        return 1
    except (SyncFailure, NotEnrolled) as exc:
        print(f"waymark: sync did not finish: {describe(exc)}", file=sys.stderr)
        return 1
    print(report.summary())
    return 0


# Why a report cannot be read out of a store the window holds (a read-only open would do for the figures):
# making it writes to the store (the report is audited as an export, a per-worker view too, and a refusal is
# audited), and only one copy of Waymark writes a store at a time, keeping its audit chain and sealed state.
REPORT_WHILE_OPEN = (
    "waymark: these records are open in Waymark on this laptop, so the report was not made. Making a report "
    "writes to the records (every report is recorded in the audit log as an export), and only the open window "
    "may write to them while it is open. Make the report in that window instead (the Governance tab, Alt+G: "
    "Make report, then Export CSV or Export PDF), or close Waymark and run this command again. Nothing has "
    "been changed."
)


def _report(
    data_dir: Path,
    team: str,
    first: date,
    last: date,
    csv_file: Path | None,
    pdf_file: Path | None,
    by_worker: bool,
    worker: str | None = None,
) -> int:
    from app.governance.csv_export import to_csv
    from app.governance.report import summary
    from app.governance.service import GovernanceService
    from app.store_lock import StoreInUse, StoreLock
    from app.workspace import Workspace

    if last < first:
        print("waymark: --to is before --from; no report was made", file=sys.stderr)
        return 1
    for target in (csv_file, pdf_file):
        if target is not None and not target.parent.is_dir():
            print(f"waymark: the folder for {target} does not exist; no report was made", file=sys.stderr)
            return 1
    # Told before the passphrase is asked for: the report cannot be made while the window has the store.
    if data_dir.is_dir():
        try:
            StoreLock.acquire(data_dir).release()
        except StoreInUse:
            print(REPORT_WHILE_OPEN, file=sys.stderr)
            return 1
    try:
        workspace = Workspace.open(data_dir, _passphrase())
    except StoreInUse:  # opened in the moment between the check and here
        print(REPORT_WHILE_OPEN, file=sys.stderr)
        return 1
    try:
        assert workspace.config is not None
        service = GovernanceService(workspace.uow, workspace.clock, workspace.actor, workspace.config)
        worker_id = service.find_worker(worker) if worker is not None else None
        report = service.report(team, first, last, per_worker=by_worker, worker=worker_id)
        names = workspace.staff_names()
    finally:
        workspace.close()
    print("\n".join(summary(report, names)))
    if csv_file is not None:
        csv_file.write_text(to_csv(report), encoding="utf-8")
        print(f"CSV written to {csv_file}")
    if pdf_file is not None:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # a headless command: no display needed
        from ui.report_pdf import write_pdf

        pages = write_pdf(report, pdf_file, names)
        print(f"PDF written to {pdf_file} ({pages} pages)")
    return 0


def _dump(data_dir: Path) -> int:
    from app.workspace import Workspace

    workspace = Workspace.open(data_dir, _passphrase())
    if workspace.problem:
        print(f"waymark: {workspace.problem}", file=sys.stderr)
    try:
        out = sys.stdout
        for record in workspace.dump():
            out.write(json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n")
        out.flush()
    except BrokenPipeError:
        # The reader (e.g. `head`) stopped early; that is not an error, and nothing was changed.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    finally:
        workspace.close()
    return 0


def _period(at: str, nation: str, area: str | None) -> int:
    from datetime import datetime

    from app.hours_files import load_calendars
    from app.org_config import BUNDLED

    try:
        when = datetime.fromisoformat(at)
    except ValueError:
        print(f"waymark: --at {at!r} is not an ISO time such as 2026-12-28T10:00+00:00", file=sys.stderr)
        return 1
    calendars, problems = load_calendars(BUNDLED / "hours" / "teams.toml")
    for problem in problems:
        print(f"waymark: {problem}", file=sys.stderr)
    if area is not None and area not in calendars.by_area:
        print(f"waymark: no hours calendar for area {area!r}; using Mon–Fri 09:00–17:00", file=sys.stderr)
    decision = calendars.for_area(area).period_at(when, nation)
    print(f"{decision.period.value} ({decision.reason})")
    return 0


def _validate_pathways(paths: list[Path], contacts: Path | None) -> int:
    from datetime import date

    from app.config_files import errors
    from app.directory import load_directory
    from app.org_config import BUNDLED
    from app.pathway_files import validate_paths

    directory, problems = load_directory([contacts or BUNDLED / "contacts"])
    problems += validate_paths(paths, directory, date.today())
    for problem in problems:
        print(problem, file=sys.stderr if problem in errors(problems) else sys.stdout)
    failed = errors(problems)
    if failed:
        print(f"{len(failed)} problem(s): the files with errors would not be used.", file=sys.stderr)
        return 1
    print("Valid.")
    return 0


def _passwd(data_dir: Path) -> int:
    from app.workspace import change_passphrase

    old = _passphrase("Current passphrase: ")
    new = _passphrase("New passphrase: ", env="WAYMARK_NEW_PASSPHRASE")
    if PASSPHRASE_ENV not in os.environ and new != getpass.getpass("New passphrase again: "):
        print("waymark: the two new passphrases differ; nothing was changed", file=sys.stderr)
        return 1
    change_passphrase(data_dir, old, new)
    print("Passphrase changed.")
    return 0


def _rekey(data_dir: Path) -> int:
    from app.workspace import rekey

    rekey(data_dir, _passphrase())
    print("The data is now encrypted under a new key; copies of the old key file no longer open it.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
