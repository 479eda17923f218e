"""Render hazards.toml to hazard-log.md, and check it: `python docs/clinical-safety/render_hazard_log.py`.

The TOML is the source; the Markdown is what a Clinical Safety Officer reads and signs. Both are in the
repository so a change to either shows in review; tests/test_hazard_log.py keeps them in step.
"""

from __future__ import annotations

import ast
import sys
import tomllib
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
SOURCE = HERE / "hazards.toml"
TARGET = HERE / "hazard-log.md"


def load(path: Path = SOURCE) -> list[dict[str, Any]]:
    return list(tomllib.loads(path.read_text(encoding="utf-8"))["hazard"])


_SKIPS = ("skip", "skipif", "xfail")


def _skipped(node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """A test marked skip, skipif or xfail proves nothing about a control."""
    for deco in node.decorator_list:
        target = deco.func if isinstance(deco, ast.Call) else deco
        if isinstance(target, ast.Attribute) and target.attr in _SKIPS:
            return True
    return False


def test_ids(root: Path = ROOT) -> set[str]:
    """Every test that runs, as 'path::function' (and 'path::Class::method'), read without importing.

    Tests marked skip, skipif or xfail are left out, so a control cannot cite one."""
    found: set[str] = set()
    for path in (root / "tests").rglob("test_*.py"):
        rel = path.relative_to(root).as_posix()
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name.startswith("test"):
                if not _skipped(node):
                    found.add(f"{rel}::{node.name}")
            elif isinstance(node, ast.ClassDef) and node.name.startswith("Test"):
                found.update(
                    f"{rel}::{node.name}::{item.name}"
                    for item in node.body
                    if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef)
                    and item.name.startswith("test")
                    and not _skipped(item)
                )
    return found


def problems(hazards: list[dict[str, Any]], known_tests: set[str]) -> list[str]:
    """What makes the log unfit to sign: a hazard with no built control, or a control citing no real test."""
    found: list[str] = []
    seen: set[str] = set()
    for hazard in hazards:
        hid = hazard.get("id", "?")
        if hid in seen:
            found.append(f"{hid}: the id is used twice")
        seen.add(hid)
        for key in ("title", "cause", "effect"):
            if not str(hazard.get(key, "")).strip():
                found.append(f"{hid}: no {key}")
        controls = hazard.get("control", [])
        built = [c for c in controls if "planned" not in c]
        if not built:
            found.append(f"{hid}: no control is built yet (every hazard needs at least one, proven by a test)")
        for control in controls:
            if "planned" in control:
                if control.get("tests"):
                    found.append(f"{hid}: a planned control cannot cite tests; build it first")
                continue
            if not control.get("tests"):
                found.append(f"{hid}: the control '{control.get('text', '')[:40]}…' names no test")
            found.extend(
                f"{hid}: names a test that does not exist or does not run (skip/xfail): {test}"
                for test in control.get("tests", [])
                if test not in known_tests
            )
    return found


def render(hazards: list[dict[str, Any]]) -> str:
    lines = [
        "# Clinical hazard log",
        "",
        "Generated from `hazards.toml` by `render_hazard_log.py` (`make hazard-log`); edit the TOML, not this page.",
        "What Waymark is for and not for: [intended use](intended-use.md). Each control cites the tests that",
        "prove it; `tests/test_hazard_log.py` fails when a hazard has no built control or cites a test that does",
        "not exist. Severity and likelihood are assessed by the Clinical Safety Officer at sign-off (DCB0129).",
        "",
        "A hazard is **open** while any of its controls is still to be built.",
        "",
        "| id | hazard | status | built controls | still to build | CSO assessment |",
        "|---|---|---|---|---|---|",
    ]
    for h in hazards:
        built = sum(1 for c in h.get("control", []) if "planned" not in c)
        planned = ", ".join(sorted({c["planned"] for c in h.get("control", []) if "planned" in c})) or "—"
        status = "open" if planned != "—" else "controls built"
        cso = h.get("cso", "not yet assessed")
        lines.append(f"| [{h['id']}](#{h['id'].lower()}) | {h['title']} | {status} | {built} | {planned} | {cso} |")
    for h in hazards:
        lines += [
            "",
            f"## {h['id']}",
            "",
            f"**{h['title']}**",
            "",
            f"- **Cause:** {h['cause']}",
            f"- **Effect:** {h['effect']}",
            "- **Controls:**",
        ]
        for c in h.get("control", []):
            if "planned" in c:
                lines.append(f"  - *To build ({c['planned']}):* {c['text']}")
            else:
                lines.append(f"  - {c['text']}")
                lines += [f"    - `{t}`" for t in c["tests"]]
    return "\n".join(lines) + "\n"


def main() -> int:
    hazards = load()
    issues = problems(hazards, test_ids())
    for issue in issues:
        print(issue, file=sys.stderr)
    TARGET.write_text(render(hazards), encoding="utf-8")
    print(f"wrote {TARGET.relative_to(ROOT)}: {len(hazards)} hazards, {len(issues)} problems")
    return 1 if issues else 0


if __name__ == "__main__":
    raise SystemExit(main())
