"""Print what `mutmut run` found over the rule modules: the kill rate per module and every surviving mutant.

Run from the repository root after `mutmut run` (``make mutation`` does both). Exits 1 when any rule
module is below the target, so a rule that loses its tests is noticed; tests/MUTANTS.md says why each
survivor we keep is equivalent or harmless.

    python tests/mutation_report.py [--min-kill 90] [--no-diff]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

# Outcomes that mean a test noticed the mutant (a hang is noticed too: the timeout fails the run).
NOTICED = {"killed", "timeout", "segfault", "caught by type check"}


def _status(exit_code: int | None) -> str:
    from mutmut.stats import status_by_exit_code

    return status_by_exit_code[exit_code]


def _diff(name: str, path: Path) -> str:
    from mutmut.mutation.diff_apply import get_diff_for_mutant

    try:
        return get_diff_for_mutant(name, path=path)
    except Exception as error:  # the report still lists the survivor when its diff cannot be rebuilt
        return f"    (no diff: {error})"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--min-kill", type=float, default=90.0, help="per-module target, percent")
    parser.add_argument("--no-diff", action="store_true", help="list surviving mutants by name only")
    parser.add_argument("--mutants", type=Path, default=Path("mutants"))
    args = parser.parse_args(argv)

    metas = sorted(args.mutants.glob("**/*.py.meta"))
    if not metas:
        print(f"No mutmut results under {args.mutants}/: run `make mutation`.", file=sys.stderr)
        return 1
    below: list[str] = []
    survivors: list[tuple[str, Path]] = []
    print(f"{'module':<28} {'mutants':>7} {'killed':>7} {'survived':>8} {'no test':>7} {'kill rate':>9}")
    for meta in metas:
        codes: dict[str, int | None] = json.loads(meta.read_text())["exit_code_by_key"]
        if not codes:
            continue
        source = meta.relative_to(args.mutants).with_suffix("")  # app/hours.py
        counts = Counter(_status(c) for c in codes.values())
        if counts["not checked"] == len(codes):
            print(f"{source!s:<28} not run this time")
            continue
        skipped = counts["skipped"]
        considered = len(codes) - skipped
        killed = sum(counts[s] for s in NOTICED)
        rate = 100.0 * killed / considered if considered else 100.0
        flag = "" if rate >= args.min_kill else f"  < {args.min_kill:g} %"
        print(
            f"{source!s:<28} {considered:>7} {killed:>7} {counts['survived']:>8} {counts['no tests']:>7}"
            f" {rate:>8.1f}%{flag}"
        )
        if rate < args.min_kill:
            below.append(str(source))
        unchecked = counts["not checked"] + counts["check was interrupted by user"]
        if unchecked:
            print(f"    {unchecked} mutants of {source} were not checked: the run did not finish")
            below.append(str(source))
        ignored = NOTICED | {"skipped", "not checked", "check was interrupted by user"}
        survivors += [(name, source) for name, c in codes.items() if _status(c) not in ignored]

    if survivors:
        print(f"\nSurviving mutants ({len(survivors)}); tests/MUTANTS.md says why the known ones are harmless:")
        for name, source in survivors:
            print(f"\n{name}" if not args.no_diff else name)
            if not args.no_diff:
                print(_diff(name, source).rstrip())
    if below:
        modules = ", ".join(dict.fromkeys(below))
        print(f"\nBelow {args.min_kill:g} % killed (or not fully run): {modules}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
