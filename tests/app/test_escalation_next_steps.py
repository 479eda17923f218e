"""The steps offered to act on next (escalations._next_actions): the action steps reachable from where the
pathway stands through questions not yet answered, each once, in the order the pathway asks them. Pure:
no store."""

import dataclasses

from app.escalations import _next_actions
from app.pathways import BUILT_IN_FALLBACK, Answer, Node, NodeType


def _pathway(*nodes: Node):
    return dataclasses.replace(BUILT_IN_FALLBACK, start=nodes[0].id, nodes={n.id: n for n in nodes})


def test_every_action_a_question_leads_to_is_offered_once_even_when_two_answers_lead_to_it() -> None:
    answers = (Answer("Yes", "phone-duty"), Answer("Not sure", "phone-duty"), Answer("No", "more"))
    ask = Node("ask", NodeType.QUESTION, "Is the person with someone?", answers=answers)
    more = Node(
        "more", NodeType.QUESTION, "Can you reach them?", answers=(Answer("Yes", "visit"), Answer("No", "phone-duty"))
    )
    duty = Node("phone-duty", NodeType.ACTION, "Phone the duty worker", next="end")
    visit = Node("visit", NodeType.ACTION, "Visit", next="end")
    end = Node("end", NodeType.END, "Close")
    pathway = _pathway(ask, more, duty, visit, end)
    assert [n.id for n in _next_actions(pathway, ask)] == ["phone-duty", "visit"]
    assert [n.id for n in _next_actions(pathway, duty)] == ["phone-duty"], "at an action step: that step"
    assert _next_actions(pathway, end) == [], "at the end nothing is left to act on"
