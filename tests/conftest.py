import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before any QApplication exists

import functools
import hashlib
import pickle
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import settings

from app.clock import FixedClock
from app.workspace import Workspace
from resources.demo.generator import DemoSummary, populate
from storage import keyfile
from storage.keyfile import KdfParams

# The throwaway PostgreSQL cluster (pg_cluster fixture) for the tests that need a real server, and real
# stores syncing with an in-process demo server (demo_server fixture).
pytest_plugins = ["tests.postgres", "tests.sync.inprocess"]

# Property tests run at a CI count; raise it for a deeper local run, e.g. WAYMARK_EXAMPLES=5000.
settings.register_profile("waymark", max_examples=int(os.environ.get("WAYMARK_EXAMPLES", "200")), deadline=None)
settings.load_profile("waymark")

PASSPHRASE = "correct horse battery staple"
# A fixed "now" keeps demo data and every time rule reproducible: a Thursday afternoon in November.
NOW = datetime(2026, 11, 26, 14, 30, tzinfo=UTC)
# The floor is what the product allows at its cheapest, so tests stay quick without weakening it.
TEST_KDF = KdfParams.floor()

# mutmut (`make mutation`) sets MUTANT_UNDER_TEST in every process that runs tests for it, and runs a fresh
# pytest session per mutant: most of a rule test's time there is opening a copy of the demo store, and a
# tenth of a second of that is the Argon2 derivation at the floor, the same inputs (passphrase, the one
# template's salt, its parameters) every time. Argon2 is a pure function, so remembering its result for
# the session changes no outcome, only the time; unlock tests still derive for every new salt or guess.
UNDER_MUTATION = "MUTANT_UNDER_TEST" in os.environ
if UNDER_MUTATION and not hasattr(keyfile.derive, "cache_info"):
    keyfile.derive = functools.lru_cache(maxsize=32)(keyfile.derive)  # type: ignore[assignment]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Under mutmut, run first the tests written for the mutated rule module (test_audit_chain.py for
    app/audit.py, test_escalation_*.py for app/escalations.py, test_scope_rules.py for sync/server/scope.py…),
    then those of modules that import it, then the rest, each part in mutmut's order.

    mutmut passes every test that reached the mutated function, fastest first by call time alone; for a
    function every store touches (the audit trail's ``append``) that is hundreds of tests whose time is in
    opening a store, and the rule's own tests came late. The same tests run with ``-x`` either way: a killed
    mutant stops at its first failing test sooner, and a surviving one still runs them all."""
    if not _mutant_session():
        return
    module = os.environ["MUTANT_UNDER_TEST"].rpartition(".")[0]
    # escalations -> escalation, hours -> hour; sync.server.scope -> test_scope_rules.py, cursor -> test_cursor_rules.py
    topic = module.rpartition(".")[2].removesuffix("s")
    imports: dict[str, bool] = {}

    def imports_it(item: pytest.Item) -> bool:
        test_module = getattr(item, "module", None)
        if test_module is None:
            return False
        if test_module.__name__ not in imports:
            imports[test_module.__name__] = any(
                getattr(value, "__name__", None) == module or getattr(value, "__module__", None) == module
                for value in vars(test_module).values()
            )
        return imports[test_module.__name__]

    items.sort(key=lambda item: (topic not in item.path.name, not imports_it(item)))  # stable


def _mutant_session() -> bool:
    module, _, mutant = os.environ.get("MUTANT_UNDER_TEST", "").rpartition(".")
    return module.startswith(("app.", "sync.server.")) and "__mutmut_" in mutant


def _build_template(data_dir: Path) -> DemoSummary:
    workspace = Workspace.create(data_dir, PASSPHRASE, kdf=TEST_KDF, clock=FixedClock(NOW))
    summary = populate(workspace, persons=24, seed=11, now=NOW)
    workspace.mark_demo()
    workspace.close()
    return summary


def _unmutated_template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, DemoSummary]:
    """Under mutmut, the demo store built once by the unmutated code, kept beside the mutants and reused.

    mutmut runs a fresh pytest session per mutant, and each built this template again (over a second here,
    a third of a killed mutant's time). Why it changes no outcome that matters: the template is only starting
    data, and every test still runs the mutated rules on it; the tests of building the demo data itself
    (tests/app/test_demo_data.py) build their own store with the code under test. What differs is only whose
    data it is: a mutant that just corrupts the demo data it writes is no longer caught by whichever test next
    reads the shared store, only by a test of that rule; and the starting data is what a release without the
    mutant wrote, as on a laptop after an upgrade. Built with the mutant switched off (mutmut's trampolines
    read MUTANT_UNDER_TEST on every call), and kept under a key of the tree's sources, so a changed rule or
    generator builds a new one."""
    root = Path(__file__).resolve().parent.parent  # mutants/ under mutmut
    files = sorted(
        f
        for top in ("app", "storage", "resources", "sync")
        for f in (root / top).rglob("*")
        # Not mutmut's own results beside each module (app/*.py.meta, rewritten after every mutant) nor bytecode.
        if f.is_file() and f.suffix != ".meta" and "__pycache__" not in f.parts
    )
    key = hashlib.sha256(repr([(str(f), f.stat().st_size, f.stat().st_mtime_ns) for f in files]).encode())
    kept = root / ".demo-template" / key.hexdigest()[:16]
    if not (kept / "summary.pickle").is_file():
        mutant = os.environ["MUTANT_UNDER_TEST"]
        os.environ["MUTANT_UNDER_TEST"] = ""  # every trampoline calls the original function
        try:
            data_dir = tmp_path_factory.mktemp("template") / "store"
            summary = _build_template(data_dir)
        finally:
            os.environ["MUTANT_UNDER_TEST"] = mutant
        partial = kept.with_name(f"{kept.name}.{os.getpid()}")
        shutil.copytree(data_dir, partial / "store")
        (partial / "summary.pickle").write_bytes(pickle.dumps(summary))
        try:
            partial.rename(kept)  # atomic: two mutants building at once keep the first, and each reads a whole one
        except OSError:
            shutil.rmtree(partial, ignore_errors=True)
    return kept / "store", pickle.loads((kept / "summary.pickle").read_bytes())


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, DemoSummary]:
    if _mutant_session() and not os.environ.get("WAYMARK_TEST_DEMO_TEMPLATE"):
        return _unmutated_template(tmp_path_factory)
    # tests/named_mutants.py runs many short sessions over one tree: it keeps the template its unmutated baseline
    # built (WAYMARK_TEST_DEMO_TEMPLATE_KEEP=1) and every later session copies that one instead of building it
    # again. Only ever read as data: the rules under test are the code of the session reading it.
    kept = Path(os.environ["WAYMARK_TEST_DEMO_TEMPLATE"]) if os.environ.get("WAYMARK_TEST_DEMO_TEMPLATE") else None
    if kept is not None and (kept / "summary.pickle").is_file():
        return kept / "store", pickle.loads((kept / "summary.pickle").read_bytes())
    data_dir = tmp_path_factory.mktemp("template") / "store"
    summary = _build_template(data_dir)
    if kept is not None and os.environ.get("WAYMARK_TEST_DEMO_TEMPLATE_KEEP") == "1":
        shutil.copytree(data_dir, kept / "store")
        (kept / "summary.pickle").write_bytes(pickle.dumps(summary))
    return data_dir, summary


@pytest.fixture
def demo_dir(tmp_path: Path, demo_template: tuple[Path, DemoSummary]) -> Path:
    target = tmp_path / "store"
    shutil.copytree(demo_template[0], target)
    return target


@pytest.fixture
def demo_summary(demo_template: tuple[Path, DemoSummary]) -> DemoSummary:
    return demo_template[1]


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture
def workspace(demo_dir: Path, clock: FixedClock) -> Iterator[Workspace]:
    ws = Workspace.open(demo_dir, PASSPHRASE, clock=clock)
    yield ws
    ws.close()
