"""Enrolling a new laptop, start to finish, as the enrolment screen runs it off the UI thread: check the
address, make the encrypted store, enrol, then the first sync that brings the caseload.

Each step reports what it is doing in words. Until the server has accepted the code nothing on this laptop
is kept (a store made for a refused code is removed, so trying again starts clean); once it has, the laptop
is enrolled even if the first sync cannot finish, and sync carries on by itself.
"""

from __future__ import annotations

import contextlib
import ipaddress
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from app.clock import Clock
from app.local_store import store_exists
from app.passphrase_rules import check_new_passphrase
from app.store_lock import LOCK_NAME
from app.workspace import Workspace
from storage.keyfile import KdfParams
from storage.layout import THROTTLE_NAME
from sync.client import SyncFailure
from sync.commands import shred
from sync.engine import CA_NAME, SyncEngine, SyncReport, describe, enrol
from sync.withdrawal import WITHDRAWN_NAME, Withdrawal, read_withdrawal, write_withdrawal

Progress = Callable[[str], None]


@dataclass
class Enrolled:
    workspace: Workspace
    report: SyncReport | None
    # Set when the first sync did not finish: what to tell the worker (the laptop is enrolled regardless).
    first_sync_problem: str | None = None


def check_address(server: str) -> str:
    """The server's address as the client will use it; refuses one that would send records in the clear."""
    address = server.strip()
    parts = urlsplit(address if "://" in address else f"https://{address}")
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise SyncFailure(
            f"“{server.strip()}” is not a server address. It looks like https://sync.example.org: check it with "
            "your administrator. Nothing was changed.",
            reason="bad_address",
            retry=False,
        )
    if parts.scheme == "http" and not _loopback(parts.hostname):
        raise SyncFailure(
            "That address starts with http://, which would send records unencrypted over the network. Use the "
            "https:// address your administrator gave you. Nothing was changed.",
            reason="plain_http",
            retry=False,
        )
    return f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}"


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def enrol_new_store(
    data_dir: Path,
    passphrase: str,
    server: str,
    code: str,
    device_name: str,
    ca_file: Path | None,
    progress: Progress,
    *,
    kdf: KdfParams | None = None,
    clock: Clock | None = None,
) -> Enrolled:
    address = check_address(server)
    if ca_file is not None and not ca_file.is_file():
        raise SyncFailure(
            f"The certificate file {ca_file} cannot be found. Choose the file your administrator gave you, or "
            "leave it empty. Nothing was changed.",
            reason="ca_missing",
            retry=False,
        )
    made_here = not store_exists(data_dir)
    withdrawal = read_withdrawal(data_dir)
    if made_here:
        check_new_passphrase(passphrase)
        _clear_after_wipe(data_dir)
        progress("Making the encrypted store on this laptop (a few seconds)…")
        try:
            workspace = Workspace.create(data_dir, passphrase, kdf=kdf, clock=clock)
        except BaseException:
            _keep_withdrawal(data_dir, withdrawal)
            raise
    else:
        workspace = Workspace.open(data_dir, passphrase, clock=clock)  # left by an enrolment that failed
    try:
        progress(f"Asking the server at {address} to enrol this laptop…")
        enrol(workspace, address, code, device_name, ca_file)
    except BaseException:
        data_dir_of = workspace.store.data_dir
        workspace.close()
        if made_here:
            # It holds nothing (no code was accepted): remove it, so another passphrase can be chosen next time.
            shred(data_dir_of)
            (data_dir_of / LOCK_NAME).unlink(missing_ok=True)
            (data_dir_of / CA_NAME).unlink(missing_ok=True)
            with contextlib.suppress(OSError):
                data_dir_of.rmdir()
            _keep_withdrawal(data_dir_of, withdrawal)
        raise
    progress("Enrolled. Fetching your caseload from the server…")
    try:
        report = SyncEngine(workspace).sync()
    except Exception as exc:  # enrolled all the same: the main window's sync keeps trying
        return Enrolled(workspace, None, describe(exc))
    progress("Done.")
    return Enrolled(workspace, report)


def _clear_after_wipe(data_dir: Path) -> None:
    """What a wiped store leaves in its folder (no personal data), so a new store can be made there."""
    for name in (LOCK_NAME, THROTTLE_NAME, CA_NAME, WITHDRAWN_NAME):
        (data_dir / name).unlink(missing_ok=True)


def _keep_withdrawal(data_dir: Path, withdrawal: Withdrawal | None) -> None:
    """Put back why this laptop was wiped: it stays the reason the screen gives until an enrolment succeeds."""
    if withdrawal is not None:
        data_dir.mkdir(parents=True, exist_ok=True)
        write_withdrawal(data_dir, withdrawal)
