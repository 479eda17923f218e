"""``make run``: the demo with real sync. A ``waymark-server`` on loopback holding the demo organisation, the
demo worker's laptop enrolled against it, and the server stopped when the app exits.

Everything lives under one folder (``.demo-data/``): ``server/`` (its database and log) and ``worker/`` (the
demo worker's encrypted store). On the first run the enrolment screen opens with the local server's address
and a fresh one-time code filled in; the worker chooses a passphrase and watches the caseload arrive. When
the server cannot start (the port is taken, no network stack), the app still opens, says sync is unavailable,
and offers the demo kept on this laptop only.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import httpx

from app.local_store import store_exists
from sync.server import keys

BIN = Path(sys.executable).parent
DEMO_USER = "sam.okafor"  # the demo organisation's worker whose caseload the demo opens on
DEFAULT_PORT = 8765
START_TIMEOUT_S = 60.0


@dataclass
class DemoServer:
    root: Path
    port: int
    process: subprocess.Popen[bytes] | None = None
    problem: str | None = None
    _log: IO[bytes] | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def db_file(self) -> Path:
        return self.root / "server.db"

    @property
    def db(self) -> str:
        return f"sqlite:///{self.db_file}"

    @property
    def keys_file(self) -> Path:
        # Where every waymark-server command looks by default (beside the database), so the README's admin
        # commands, given only --db, find them. Still named on each command: the demo builds the database
        # under another name before moving it into place.
        return keys.default_file(self.db)

    def enrol_code(self, user: str = DEMO_USER) -> str:
        done = subprocess.run(
            [_server(), "admin", "enrol-code", "--user", user, "--db", self.db, "--keys", str(self.keys_file)],
            capture_output=True,
            text=True,
            check=True,
        )
        return done.stdout.strip()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None
        if self._log is not None:
            self._log.close()
            self._log = None


def _server() -> str:
    return str(BIN / "waymark-server")


def start_demo_server(
    root: Path, port: int = DEFAULT_PORT, timeout: float = START_TIMEOUT_S, persons: int | None = None
) -> DemoServer:
    """The demo organisation's server on loopback; ``problem`` says in words why it is not running, if not."""
    server = DemoServer(root, port)
    root.mkdir(parents=True, exist_ok=True)
    earlier = root / "server.keys"
    if server.db_file.exists() and earlier.exists() and not server.keys_file.exists():
        # A demo folder made before the keys moved beside the database: the same keys, under the name the
        # admin commands look for, so its enrolled laptops keep working.
        os.replace(earlier, server.keys_file)
    if not server.db_file.exists():
        # Built aside and moved into place, so an interrupted first run never leaves half an organisation.
        building = root / "server.db.building"
        building.unlink(missing_ok=True)
        size = ["--persons", str(persons)] if persons else []
        server.keys_file.unlink(missing_ok=True)  # keys made for a database that never came to be
        made = subprocess.run(
            [_server(), "demo", "--db", f"sqlite:///{building}", "--keys", str(server.keys_file), *size],
            capture_output=True,
            text=True,
            check=False,
        )
        if made.returncode != 0:
            building.unlink(missing_ok=True)
            server.problem = f"the demo organisation could not be created: {_last_line(made.stderr)}"
            return server
        os.replace(building, server.db_file)
    log = server._log = open(root / "server.log", "ab")  # noqa: SIM115 - closed by stop()
    serve = ["serve", "--db", server.db, "--keys", str(server.keys_file), "--host", "127.0.0.1", "--port", str(port)]
    server.process = subprocess.Popen(
        [_server(), *serve],
        stdout=log,
        stderr=log,
    )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            server.stop()
            server.problem = f"it stopped at start (is port {port} in use? see {root / 'server.log'})"
            return server
        try:
            if httpx.get(f"{server.url}/api/v1/health", timeout=1).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    server.stop()
    server.problem = f"it did not answer within {int(timeout)} s (see {root / 'server.log'})"
    return server


def _last_line(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else "no reason given"


Gui = Callable[..., int]


def run_demo(
    root: Path, gui: Gui, port: int = DEFAULT_PORT, say: Callable[[str], None] = print, persons: int | None = None
) -> int:
    """Start the server, open the app on the demo worker's laptop, stop the server when the app exits."""
    if store_exists(root):
        # A demo store from before the demo had a server: kept as it is, and opened as before.
        say(f"{root} holds a demo store without a sync server; delete {root} to get the demo with real sync.")
        return gui(root)
    worker = root / "worker"
    say("Starting the demo's sync server on this laptop…")
    server = start_demo_server(root / "server", port, persons=persons)
    try:
        if server.problem is not None:
            say(f"The demo's sync server could not start: {server.problem}")
            note = (
                f"The demo's sync server could not start ({server.problem}), so sync is unavailable. Choose "
                "“Try the demo instead” to work on a demo caseload kept on this laptop only."
            )
            return gui(worker, note=None if store_exists(worker) else note)
        say(f"Demo sync server running at {server.url} (stopped when Waymark closes).")
        if store_exists(worker):
            return gui(worker)
        note = (
            "This is the demo. Its sync server runs on this laptop, and the address and a one-time code for the "
            "demo worker are filled in: choose a passphrase, type it twice and press Enrol."
        )
        return gui(worker, server=server.url, code=server.enrol_code(), note=note)
    finally:
        server.stop()


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    root = Path(args[0] if args else ".demo-data")
    if shutil.which(_server()) is None and not Path(_server()).exists():
        print(f"waymark: {_server()} is missing; run `make run` so it is installed", file=sys.stderr)
        return 1
    from ui.main import run_gui

    return run_demo(root, run_gui, int(os.environ.get("WAYMARK_DEMO_PORT", DEFAULT_PORT)))


if __name__ == "__main__":
    sys.exit(main())
