"""Long work that finishes after the window that asked for it has gone tells nobody, and says nothing either."""

from __future__ import annotations

import shiboken6

from ui.tasks import Task


def test_a_task_whose_asker_is_gone_finishes_quietly(qtbot) -> None:
    done: list[int] = []
    task = Task(lambda: done.append(1) or 42)
    shiboken6.delete(task.outcome)  # as when the window holding it is destroyed while the work runs
    task.run()  # before: "RuntimeError: Signal source has been deleted" printed over the app's output
    failing = Task(lambda: 1 / 0)
    shiboken6.delete(failing.outcome)
    failing.run()
    assert done == [1]
