"""The person's current safety plan as large, readable text: preferences first, numbered steps, contacts."""

from __future__ import annotations

from html import escape

from PySide6.QtWidgets import QTextBrowser, QWidget

from app.contact_notes import Note
from app.persons import Person
from app.safety_plans import PlanRevision, Step


def plan_html(person: Person, plan: PlanRevision | None, notes: list[Note]) -> str:
    parts: list[str] = [f"<h1>{escape(person.preferred_name)}</h1>"]
    if person.pronouns:
        parts.append(f"<p>Pronouns: {escape(person.pronouns)}</p>")
    if person.communication_needs:
        needs = "".join(f"<li>{escape(n)}</li>" for n in person.communication_needs)
        parts.append(f"<div class='banner'><b>Communication needs and adjustments</b><ul>{needs}</ul></div>")
    if plan is None:
        parts.append("<p><b>No safety plan is recorded for this person.</b></p>")
    else:
        prefs = plan.preferences
        parts.append(
            f"<p class='meta'>Safety plan revision of {plan.created_at.astimezone():%d %b %Y %H:%M}"
            f"{' (co-produced)' if plan.co_produced else ''}</p>"
        )
        rows = [
            ("How I like to be supported", prefs.how_to_support),
            ("Contact first", prefs.contact_first),
            ("Do not contact", prefs.do_not_contact),
        ]
        parts.append("<table class='prefs'>")
        parts.extend(f"<tr><th>{escape(k)}</th><td>{escape(v)}</td></tr>" for k, v in rows if v)
        parts.append("</table>")
        for step in Step:
            items = plan.section(step).items
            if not items:
                continue
            lines = []
            for item in items:
                extra = f" — <b>{escape(item.phone)}</b>" if item.phone else ""
                extra += f" <i>({escape(item.hours)})</i>" if item.hours else ""
                lines.append(f"<li>{escape(item.text)}{extra}</li>")
            parts.append(f"<h2>Step {int(step)}. {escape(step.title)}</h2><ol>{''.join(lines)}</ol>")
    if notes:
        parts.append("<h2>Recent contact notes</h2>")
        for note in notes:
            status = " — <b>entered in error</b>" if note.entered_in_error else ""
            steps = f" · used step {', '.join(map(str, note.plan_steps_used))}" if note.plan_steps_used else ""
            late = " · late entry" if note.late_entry else ""
            parts.append(
                f"<p><b>{note.contact_start.astimezone():%a %d %b %H:%M}</b> · {escape(note.method.label)} · "
                f"{escape(note.outcome.label)}{steps}{late}{status}<br>{escape(note.narrative)}</p>"
            )
            # The original stays as written; every amendment is shown beneath it, never merged into it.
            parts.extend(
                f"<p class='amendment'><b>{escape(a.kind.value.replace('_', ' ').capitalize())}</b> "
                f"{a.created_at.astimezone():%d %b %H:%M} — {escape(a.text) or '(no text)'}"
                f"<br><i>Reason: {escape(a.reason)}</i></p>"
                for a in note.amendments
            )
    return "".join(parts)


class PlanView(QTextBrowser):
    STYLE = (
        "h1{font-size:160%;} h2{font-size:125%; margin-top:14px;} li{margin:3px 0;} "
        ".banner{border:2px solid palette(highlight); padding:6px;} .meta{color:palette(mid);} "
        "th{text-align:left; padding-right:12px;} .amendment{margin-left:24px;}"
    )

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("plan_view")
        self.setAccessibleName("Safety plan")
        self.setOpenLinks(False)
        self.document().setDefaultStyleSheet(self.STYLE)
        font = self.font()
        font.setPointSizeF(font.pointSizeF() * 1.2)
        self.setFont(font)

    def show_person(self, person: Person, plan: PlanRevision | None, notes: list[Note]) -> None:
        self.setHtml(plan_html(person, plan, notes))

    def forget(self) -> None:
        self.clear()
