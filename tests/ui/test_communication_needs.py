"""A person's communication needs and reasonable adjustments are the first thing shown when their record opens
(DESIGN §3): a worker who misses them may not reach the person at all."""


def test_communication_needs_are_shown_above_the_plan_whenever_the_record_opens(window, workspace) -> None:
    with_needs = [
        p
        for p in (workspace.caseload.open_person(r.person_id) for r in workspace.caseload.rows())
        if p.communication_needs
    ]
    assert with_needs, "the demo organisation has people with communication needs"
    for person in with_needs[:3]:
        window.open_person(person.id)
        text = window.plan_view.toPlainText()
        heading = text.find("Communication needs and adjustments")
        assert 0 <= heading < text.find("Step 1."), "the needs come before the plan's steps"
        for need in person.communication_needs:
            assert need in text
