"""The wrong rules issue 15 names, each applied to a copy of the source tree: the tests listed for it must fail.

Each mutant in ``tests/named_mutants.toml`` replaces one exact piece of source text with a wrong rule. The
runner copies the repository into a temporary folder (never touching the working tree), checks every mutant's
text occurs exactly once and that the unmutated listed tests pass there, then for each mutant writes the wrong
rule into the copy, runs only its tests (``pytest -x -q -p no:cacheprovider``) and puts the source back. A
mutant whose tests still pass has *survived*: the run prints it and exits 1.

    python tests/named_mutants.py                # the CI set (WAYMARK_NAMED_MUTANTS unset or "ci")
    WAYMARK_NAMED_MUTANTS=all python tests/named_mutants.py
    python tests/named_mutants.py --only nhs-junk-dropped dir-2400-is-2359
    python tests/named_mutants.py --list

Exit status: 0 every mutant run was killed; 1 a mutant survived; 2 the list is wrong (a stale or repeated
``find``, a missing file or test, a mutant that does not compile, unmutated tests failing in the copy).
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import select as select_module
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import tomllib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LIST = ROOT / "tests" / "named_mutants.toml"
# What is not source: never copied (the copy must not see another run's results or the virtualenv).
IGNORED = (".git", ".venv", "mutants", ".demo-data", "screenshots", ".pytest_cache", ".hypothesis", ".ruff_cache",
           "*.egg-info", "build", "dist")  # fmt: skip
# The sync server and PostgreSQL fixtures (conftest's pytest_plugins) are left out: no rule test uses them, and
# importing them is a second of every run. The baseline would fail if a listed test needed them.
PYTEST = ("-m", "pytest", "-x", "-q", "-p", "no:cacheprovider")
PYTEST += ("-p", "no:tests.sync.inprocess", "-p", "no:tests.postgres")


# Each run is one pytest over a few tests, so starting Python, pytest and the libraries is most of its cost. A
# "zygote" process per copy imports the libraries once and forks a child per run, which imports the project's
# own modules (the ones a mutant changes) afresh from the copy. Libraries that ship a pytest plugin (hypothesis,
# anyio) are imported before pytest could rewrite their asserts: pytest warns, and the child ignores that warning
# (only assert messages inside those libraries lose detail; the project's tests are rewritten as usual).
PRELOAD = ("pytest", "_pytest.python", "_pytest.fixtures", "_pytest.assertion.rewrite", "_pytest.pytester",
           "hypothesis", "hypothesis.strategies", "sqlalchemy", "sqlalchemy.orm", "sqlcipher3", "holidays",
           "cryptography.hazmat.primitives.ciphers.aead", "PySide6.QtCore", "PySide6.QtGui", "PySide6.QtWidgets",
           "dateutil", "pygments", "platformdirs", "anyio")  # fmt: skip
ZYGOTE = """
import json, os, sys
project, preload = json.loads(sys.argv[1])
for name in preload:
    try:
        __import__(name)
    except ImportError:
        pass
early = sorted(m for m in sys.modules if m.split(".")[0] in project)
if early:
    raise SystemExit(f"the zygote imported project modules: {early}")
print("ready", flush=True)
for line in sys.stdin:
    request = json.loads(line)
    pid = os.fork()
    if pid == 0:
        os.environ.update(request["env"])
        out = os.open(request["output"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
        os.dup2(out, 1)
        os.dup2(out, 2)
        import pytest
        try:
            code = int(pytest.main(request["argv"]))
        except BaseException:
            import traceback
            traceback.print_exc()
            code = 3
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    print(json.dumps({"pid": pid}), flush=True)
    _, status = os.waitpid(pid, 0)
    print(json.dumps({"code": os.waitstatus_to_exitcode(status)}), flush=True)
"""
PROJECT = ("app", "storage", "sync", "ui", "resources", "tests")


class ListError(Exception):
    """The mutant list does not match the source: stale text, a missing test, a duplicate id."""


@dataclass(frozen=True, slots=True)
class Mutant:
    id: str
    issue: str
    file: str
    find: str
    replace: str
    tests: tuple[str, ...]
    ci: bool = True

    def apply(self, source: str) -> str:
        """The source with this wrong rule in it; refuses unless ``find`` occurs exactly once."""
        count = source.count(self.find)
        if count != 1:
            where = "does not occur" if count == 0 else f"occurs {count} times"
            raise ListError(f"{self.id}: its find text {where} in {self.file} (the source changed: update the list)")
        return source.replace(self.find, self.replace)


@dataclass(frozen=True, slots=True)
class Outcome:
    mutant: Mutant
    status: str  # killed | survived | timeout | error
    seconds: float
    output: str = ""

    @property
    def noticed(self) -> bool:
        return self.status in ("killed", "timeout")


def load(path: Path = LIST) -> list[Mutant]:
    doc = tomllib.loads(path.read_text(encoding="utf-8"))
    mutants = []
    for n, entry in enumerate(doc.get("mutant", []), 1):
        missing = [k for k in ("id", "issue", "file", "find", "replace", "tests") if k not in entry]
        if missing:
            raise ListError(f"{path.name}: mutant {n} lacks {', '.join(missing)}")
        tests = entry["tests"]
        if not isinstance(tests, list) or not tests:
            raise ListError(f"{entry['id']}: 'tests' must list at least one test file or node id")
        mutants.append(Mutant(entry["id"], entry["issue"], entry["file"], entry["find"], entry["replace"],
                              tuple(tests), bool(entry.get("ci", True))))  # fmt: skip
    ids = [m.id for m in mutants]
    repeated = sorted({i for i in ids if ids.count(i) > 1})
    if repeated:
        raise ListError(f"{path.name}: ids used more than once: {', '.join(repeated)}")
    return mutants


def check(mutants: Sequence[Mutant], root: Path = ROOT) -> None:
    """Every mutant applies exactly once to today's source, compiles, and names tests that exist."""
    for m in mutants:
        source_path = root / m.file
        if not source_path.is_file():
            raise ListError(f"{m.id}: {m.file} does not exist")
        mutated = m.apply(source_path.read_text(encoding="utf-8"))
        if mutated == source_path.read_text(encoding="utf-8"):
            raise ListError(f"{m.id}: its replacement is the same as the source")
        try:
            compile(mutated, m.file, "exec")
        except SyntaxError as error:
            where = f"{error.msg}, line {error.lineno}"
            raise ListError(f"{m.id}: the mutated {m.file} does not compile ({where})") from None
        for test in m.tests:
            test_file, _, node = test.partition("::")
            if not (root / test_file).is_file():
                raise ListError(f"{m.id}: test file {test_file} does not exist")
            name = node.split("::")[-1].split("[")[0]
            if name and f"def {name}(" not in (root / test_file).read_text(encoding="utf-8"):
                raise ListError(f"{m.id}: {test_file} has no test {name}")


def select(mutants: Sequence[Mutant], which: str, only: Sequence[str] = ()) -> list[Mutant]:
    if only:
        unknown = sorted(set(only) - {m.id for m in mutants})
        if unknown:
            raise ListError(f"no mutant named {', '.join(unknown)}")
        return [m for m in mutants if m.id in only]
    if which == "all":
        return list(mutants)
    if which in ("", "ci"):
        return [m for m in mutants if m.ci]
    raise ListError(f"WAYMARK_NAMED_MUTANTS must be 'ci' or 'all', not {which!r}")


class Copy:
    """One temporary copy of the repository that mutants are applied to, one at a time."""

    def __init__(self, root: Path, base: Path, n: int) -> None:
        self.root = base / f"copy-{n}"
        shutil.copytree(root, self.root, ignore=shutil.ignore_patterns(*IGNORED), symlinks=True)
        self.zygote: subprocess.Popen[bytes] | None = None
        self.env = {
            **os.environ,
            "QT_QPA_PLATFORM": "offscreen",
            "PYTHONPATH": str(self.root),
            # The demo store the unmutated baseline builds, copied by every later run (tests/conftest.py).
            "WAYMARK_TEST_DEMO_TEMPLATE": str(base / f"template-{n}"),
        }

    def imports_itself(self, packages: Sequence[str]) -> None:
        """The copy's tests import the copy's modules, not the working tree's (an editable install)."""
        probe = f"import {', '.join(packages)}; " + "; ".join(f"print({p}.__file__)" for p in packages)
        out = subprocess.run([sys.executable, "-c", probe], cwd=self.root, env=self.env, capture_output=True,
                             text=True, check=True).stdout.split()  # fmt: skip
        if not all(Path(p).resolve().is_relative_to(self.root.resolve()) for p in out):
            raise ListError(f"the copy imports modules from outside itself ({', '.join(out)}): mutants would not apply")

    def start_zygote(self) -> None:
        self.zygote = subprocess.Popen(
            [sys.executable, "-c", ZYGOTE, json.dumps([PROJECT, PRELOAD])], cwd=self.root, env=self.env,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=False,
        )  # fmt: skip
        self._lines = _Lines(self.zygote)
        if self._lines.next(None) != b"ready":
            raise ListError("the test process could not start in the copy")

    def stop(self) -> None:
        if self.zygote is not None:
            assert self.zygote.stdin is not None and self.zygote.stdout is not None
            self.zygote.stdin.close()  # its loop ends
            try:
                self.zygote.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.zygote.kill()
                self.zygote.wait()
            self.zygote.stdout.close()
            self.zygote = None

    def pytest(self, tests: Sequence[str], timeout: float, keep: bool = False) -> tuple[int | None, str, float]:
        """Run these tests in the copy; ``keep``: this is the unmutated baseline, whose demo store is kept."""
        env = {"WAYMARK_TEST_DEMO_TEMPLATE_KEEP": "1" if keep else "0"}
        if self.zygote is not None:
            return self._forked(tests, timeout, env)
        started = time.monotonic()
        try:
            done = subprocess.run([sys.executable, *PYTEST, *tests], cwd=self.root, env={**self.env, **env},
                                  capture_output=True, text=True, timeout=timeout)  # fmt: skip
        except subprocess.TimeoutExpired as expired:
            out = expired.stdout.decode(errors="replace") if isinstance(expired.stdout, bytes) else expired.stdout
            return None, out or "", time.monotonic() - started
        return done.returncode, done.stdout + done.stderr, time.monotonic() - started

    def _forked(self, tests: Sequence[str], timeout: float, env: dict[str, str]) -> tuple[int | None, str, float]:
        assert self.zygote is not None and self.zygote.stdin is not None
        started = time.monotonic()
        output = self.root.parent / f"{self.root.name}.out"
        request = {"argv": [*PYTEST[2:], "-W", "ignore::pytest.PytestAssertRewriteWarning", *tests],
                   "output": str(output), "env": env}  # fmt: skip
        self.zygote.stdin.write(json.dumps(request).encode() + b"\n")
        self.zygote.stdin.flush()
        pid = json.loads(self._lines.next(60.0))["pid"]
        try:
            code: int | None = json.loads(self._lines.next(timeout))["code"]
        except TimeoutError:
            os.kill(pid, signal.SIGKILL)
            self._lines.next(60.0)
            code = None
        return code, output.read_text(errors="replace"), time.monotonic() - started

    def run(self, mutant: Mutant, timeout: float) -> Outcome:
        path = self.root / mutant.file
        original = path.read_text(encoding="utf-8")
        _forget_bytecode(path)
        path.write_text(mutant.apply(original), encoding="utf-8")
        try:
            code, output, seconds = self.pytest(mutant.tests, timeout)
        finally:
            path.write_text(original, encoding="utf-8")
            _forget_bytecode(path)
        if code is None:
            return Outcome(mutant, "timeout", seconds, output)
        # 1: a test failed; 2: collection failed (the mutant broke an import). Anything else (no tests
        # collected, a usage error) says the list is wrong, not that the mutant was noticed.
        status = {0: "survived", 1: "killed", 2: "killed"}.get(code, "error")
        return Outcome(mutant, status, seconds, output)


class _Lines:
    """Lines from a process's stdout, each awaited with a timeout (None: wait as long as it takes)."""

    def __init__(self, process: subprocess.Popen[bytes]) -> None:
        assert process.stdout is not None
        self._fd = process.stdout.fileno()
        self._buffer = b""

    def next(self, timeout: float | None) -> bytes:
        deadline = None if timeout is None else time.monotonic() + timeout
        while b"\n" not in self._buffer:
            left = None if deadline is None else max(0.0, deadline - time.monotonic())
            if not select_module.select([self._fd], [], [], left)[0]:
                raise TimeoutError
            chunk = os.read(self._fd, 65536)
            if not chunk:
                raise ListError("the test process in the copy stopped unexpectedly")
            self._buffer += chunk
        line, self._buffer = self._buffer.split(b"\n", 1)
        return line.strip()


def _forget_bytecode(path: Path) -> None:
    """Drop the cached bytecode of a file about to change. A mutated file and the restored one can have the same
    size and modification second, and Python would then take either's .pyc for the other; every other module
    keeps its cache, so each run after the first starts quickly."""
    for cached in (path.parent / "__pycache__").glob(f"{path.stem}.*.pyc"):
        cached.unlink()


def run(mutants: Sequence[Mutant], jobs: int, timeout: float, baseline: bool = True, root: Path = ROOT,
        echo=print) -> list[Outcome]:  # fmt: skip
    """Apply each mutant in a copy of ``root`` (``jobs`` copies, in parallel) and run its tests."""
    jobs = max(1, min(jobs, len(mutants)))
    with tempfile.TemporaryDirectory(prefix="named-mutants-") as base:
        copies = [Copy(root, Path(base), n) for n in range(jobs)]
        copies[0].imports_itself(sorted({Path(m.file).parts[0] for m in mutants}))
        try:
            return _run_in(copies, mutants, timeout, baseline, echo)
        finally:
            for c in copies:
                c.stop()


def _run_in(copies: Sequence[Copy], mutants: Sequence[Mutant], timeout: float, baseline: bool,
            echo: Callable[[str], object]) -> list[Outcome]:  # fmt: skip
    if hasattr(os, "fork"):
        for c in copies:
            c.start_zygote()
    if baseline:
        # Unmutated, the listed tests pass in the copy: otherwise every mutant would look killed.
        tests = list(dict.fromkeys(t for m in mutants for t in m.tests))
        code, output, seconds = _baseline(copies, tests, timeout)
        if code != 0:
            raise ListError(f"the listed tests fail with no mutant applied (exit {code}):\n{_tail(output)}")
        echo(f"baseline: the listed tests pass unmutated ({seconds:.0f} s)")
    todo: queue.Queue[Mutant] = queue.Queue()
    for m in mutants:
        todo.put(m)
    outcomes: list[Outcome] = []
    lock = threading.Lock()

    def work(copy: Copy) -> None:
        while True:
            try:
                m = todo.get_nowait()
            except queue.Empty:
                return
            outcome = copy.run(m, timeout)
            with lock:
                outcomes.append(outcome)
                echo(f"{outcome.status:<9} {m.id:<40} {outcome.seconds:5.1f} s  {m.issue}")

    threads = [threading.Thread(target=work, args=(c,)) for c in copies]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    order = {m.id: n for n, m in enumerate(mutants)}
    return sorted(outcomes, key=lambda o: order[o.mutant.id])


def _baseline(copies: Sequence[Copy], tests: Sequence[str], timeout: float) -> tuple[int | None, str, float]:
    """The unmutated tests, split over the copies by test file."""
    files = list(dict.fromkeys(t.partition("::")[0] for t in tests))
    shares = [[t for t in tests if files.index(t.partition("::")[0]) % len(copies) == n] for n in range(len(copies))]
    results: list[tuple[int | None, str, float]] = []
    threads = [
        threading.Thread(target=lambda c=c, s=s: results.append(c.pytest(s, timeout * 4, keep=True)))
        for c, s in zip(copies, shares, strict=True)
        if s
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    failed = [r for r in results if r[0] != 0]
    worst = failed[0] if failed else results[0]
    return worst[0], worst[1], max(r[2] for r in results)


def _tail(output: str, lines: int = 30) -> str:
    return "\n".join(output.rstrip().splitlines()[-lines:])


def report(outcomes: Sequence[Outcome], echo=print) -> int:
    survived = [o for o in outcomes if o.status == "survived"]
    errors = [o for o in outcomes if o.status == "error"]
    killed = sum(o.noticed for o in outcomes)
    echo(f"\n{killed} of {len(outcomes)} named wrong rules killed, {len(survived)} survived, {len(errors)} errors")
    for o in survived:
        echo(f"\nSURVIVED {o.mutant.id}: {o.mutant.issue}\n  {o.mutant.file}: the tests {', '.join(o.mutant.tests)}"
             f" pass with\n    - {_indent(o.mutant.find)}\n    + {_indent(o.mutant.replace)}")  # fmt: skip
    for o in errors:
        echo(f"\nERROR {o.mutant.id}: pytest could not run its tests\n{_tail(o.output)}")
    return 1 if survived or errors else 0


def _indent(text: str) -> str:
    return text.strip("\n").replace("\n", "\n      ")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="+", default=(), metavar="ID", help="run just these mutants")
    parser.add_argument("--all", action="store_true", help="every mutant (as WAYMARK_NAMED_MUTANTS=all)")
    parser.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1), help="copies run in parallel")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds per mutant before it counts as a hang")
    parser.add_argument("--no-baseline", action="store_true", help="skip running the tests unmutated first")
    parser.add_argument("--list", action="store_true", help="list the mutants and whether CI runs them")
    args = parser.parse_args(argv)
    try:
        mutants = load()
        check(mutants)
        which = "all" if args.all else os.environ.get("WAYMARK_NAMED_MUTANTS", "ci").strip().lower()
        chosen = select(mutants, which, args.only)
        if args.list:
            for m in mutants:
                print(f"{'ci ' if m.ci else 'all'} {m.id:<40} {m.issue}")
            return 0
        print(f"{len(chosen)} of {len(mutants)} named wrong rules ({which if not args.only else 'chosen'}), "
              f"{args.jobs} at a time")  # fmt: skip
        started = time.monotonic()
        outcomes = run(chosen, args.jobs, args.timeout, baseline=not args.no_baseline)
        status = report(outcomes)
        print(f"({time.monotonic() - started:.0f} s)")
        return status
    except ListError as error:
        print(f"named mutants: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
