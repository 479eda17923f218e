"""Configuration files are input: whatever is in them, reading reports problems and never crashes."""

import tomllib
from datetime import date
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from app.config_files import read_toml
from app.directory import load_directory, read_entry
from app.org_config import BUNDLED
from app.pathway_files import read_document

DIRECTORY, _ = load_directory([BUNDLED / "contacts"])
TODAY = date(2026, 11, 26)
BASE = tomllib.loads((BUNDLED / "pathways" / "moorland-in-hours.toml").read_text())
ENTRY = tomllib.loads((BUNDLED / "contacts" / "national.toml").read_text())["entries"][0]

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-5, 10_000), st.text(max_size=12), st.dates(), st.just("danger")
)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)


@st.composite
def mutated(draw, base: dict) -> dict:
    """The real document with some keys replaced, removed or added, at the top or inside a node."""
    doc = dict(base)
    for key in draw(st.lists(st.sampled_from([*sorted(doc), "extra"]), max_size=4)):
        if draw(st.booleans()):
            doc.pop(key, None)
        else:
            doc[key] = draw(values)
    if isinstance(doc.get("nodes"), list) and doc["nodes"] and draw(st.booleans()):
        nodes = [dict(n) if isinstance(n, dict) else n for n in doc["nodes"]]
        target = draw(st.integers(0, len(nodes) - 1))
        if isinstance(nodes[target], dict):
            key = draw(st.sampled_from(["id", "type", "text", "answers", "contacts", "next", "if_not_reached",
                                        "within_minutes", "share"]))  # fmt: skip
            nodes[target][key] = draw(values)
        doc["nodes"] = nodes
    return doc


@given(mutated(BASE))
def test_any_pathway_document_gives_a_pathway_or_named_problems(doc) -> None:
    problems: list = []
    result = read_document(doc, "fuzz.toml", DIRECTORY, TODAY, problems)
    assert result is not None or problems
    assert all(p.file == "fuzz.toml" for p in problems)


@given(mutated(ENTRY))
def test_any_contacts_entry_gives_an_entry_or_named_problems(doc) -> None:
    problems: list = []
    assert read_entry(doc, "fuzz.toml", problems) is not None or problems


@given(st.binary(max_size=300))
def test_any_bytes_as_a_file_are_refused_politely(tmp_path_factory, data) -> None:
    path = Path(tmp_path_factory.mktemp("fuzz")) / "x.toml"
    path.write_bytes(data)
    problems: list = []
    read_toml(path, problems)
    assert all(p.file == "x.toml" for p in problems)
