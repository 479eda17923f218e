"""Walking a pathway is deterministic and can only ever follow the pathway's own edges, whatever is recorded."""

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from app.directory import load_directory
from app.org_config import BUNDLED
from app.pathway_files import load_library
from app.pathways import Step, walk

DIRECTORY, _ = load_directory([BUNDLED / "contacts"])
LIBRARY = load_library(BUNDLED / "pathways", DIRECTORY, date(2026, 11, 26)).library
PATHWAYS = sorted(LIBRARY.effective(), key=lambda p: p.id)


@st.composite
def recorded(draw):
    pathway = draw(st.sampled_from(PATHWAYS))
    node_ids = [*sorted(pathway.nodes), "not-a-node"]
    labels = [*sorted({a.label for n in pathway.nodes.values() for a in n.answers}), "Maybe", ""]
    steps = draw(
        st.lists(
            st.builds(Step, st.sampled_from(node_ids), st.none() | st.sampled_from(labels), st.booleans()),
            max_size=15,
        )
    )
    return pathway, steps


@given(recorded())
def test_a_walk_follows_only_real_edges_and_replays_identically(case) -> None:
    pathway, steps = case
    first, again = walk(pathway, steps), walk(pathway, list(steps))
    assert first == again, "the same records always give the same path"
    assert first.path[0] == pathway.start and first.current.id == first.path[-1]
    for a, b in zip(first.path, first.path[1:], strict=False):
        assert b in pathway.node(a).successors(), f"{a} → {b} is not an edge of {pathway.id}"
    assert len(first.path) - 1 + len(first.off_path) <= len(steps)
