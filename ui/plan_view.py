"""The person's current safety plan as large, readable text: preferences first, numbered steps, contacts
with one-click copy, the crisis lines for their nation, then the latest notes."""

from __future__ import annotations

import uuid
from collections.abc import Container, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from PySide6.QtCore import QUrl, Signal
from PySide6.QtWidgets import QTextBrowser, QWidget

from app.contact_notes import Note
from app.directory import Directory, Offer
from app.labels import LabelledEnum
from app.lead_records import LeadReview
from app.persons import Person
from app.plan_references import Source, shown
from app.safety_plans import PlanRevision, Step
from ui.clipboard import CopyFeedback, copy_briefly
from ui.display_text import escape, folded
from ui.sync_markers import sync_marker

# A local copy older than this may be missing changes made elsewhere; the plan says so.
STALE_AFTER = timedelta(hours=24)


@dataclass(frozen=True, slots=True)
class PlanContext:
    """What the plan view shows beside the plan itself."""

    now: datetime
    last_synced: datetime | None
    crisis_lines: Sequence[Offer] = ()
    version: int | None = None  # which revision of the plan this is (1 = the first)
    authors: Mapping[uuid.UUID, str] | None = None  # staff names by id: each note says who wrote it
    directory: Directory | None = None  # for lines chosen from it: shown with its details of the day


def _copy_link(number: str) -> str:
    return f" <a href='copy:{escape(number)}'>Copy</a>"


def _open_route(service: str, number: str) -> str:
    return f"{escape(service)} <b>{escape(number)}</b>{_copy_link(number)}"


def _label(chosen: LabelledEnum | None) -> str:
    return chosen.label if chosen is not None else "not chosen yet"  # only an unsigned draft


def _contact_time(note: Note) -> str:
    """When the contact was, start to end: the caseload's Last contact is when it ended, and a heading showing
    only the start left the two times disagreeing for a worker checking one against the other."""
    start, end = note.contact_start.astimezone(), note.contact_end.astimezone()
    if end == start:
        return f"{start:%a %d %b %Y %H:%M}"
    if end.date() == start.date():
        return f"{start:%a %d %b %Y %H:%M}–{end:%H:%M}"
    return f"{start:%a %d %b %Y %H:%M} – {end:%a %d %b %Y %H:%M}"


def note_html(
    note: Note,
    *,
    amend_link: bool = False,
    expanded: bool = False,
    authors: Mapping[uuid.UUID, str] | None = None,
    reviews: Sequence[LeadReview] = (),
    unsent: Container[uuid.UUID] | None = None,
) -> str:
    """One note and its amendments; with ``unsent`` (ids not yet acknowledged by the server), each says
    whether it is sent or on this laptop only."""
    status = " — <b>entered in error</b>" if note.entered_in_error else ""
    draft = " — <b>draft, not signed</b>" if not note.signed else ""
    steps = f" · used step {', '.join(map(str, note.plan_steps_used))}" if note.plan_steps_used else ""
    late = " · late entry" if note.late_entry else ""
    nxt = ""
    if note.next_action:
        due = f" by {note.next_action_due.astimezone():%a %d %b %H:%M}" if note.next_action_due else ""
        nxt = f"<br><i>Next: {escape(note.next_action)}{due}</i>"
    link = ""
    if amend_link:
        link = (
            f" <a href='amend:{note.id}'>Amend</a>"
            if note.signed
            else f" <a href='finish:{note.id}'>Open the draft to finish and sign it</a>"
        )
    author = ""
    if authors is not None:
        author = f" · by {escape(authors.get(note.author_id, 'a colleague not known on this laptop'))}"
    # A draft is never sent: it stays on this laptop until it is signed.
    sent = sync_marker(note.id in unsent or not note.signed) if unsent is not None else ""
    parts = [
        f"<p><b>{_contact_time(note)}</b>{author} · {escape(_label(note.method))} · "
        f"{escape(_label(note.outcome))}{steps}{late}{status}{draft}{sent}{link}<br>"
        f"{folded(note.narrative, f'expand:{note.id}', expanded=expanded)}{nxt}</p>"
    ]
    # The original stays as written; every amendment is shown beneath it, never merged into it.
    parts.extend(
        f"<p class='amendment'><b>{escape(a.kind.label)}</b> "
        f"{a.created_at.astimezone():%d %b %H:%M}{sync_marker(a.id in unsent) if unsent is not None else ''}"
        f" — {escape(a.text) or '(no text)'}"
        f"<br><i>Reason: {escape(a.reason)}</i></p>"
        for a in note.amendments
    )
    # A team lead's review, synced back to the worker: who reviewed it, when, and their comment.
    names = authors or {}
    parts.extend(
        f"<p class='lead-review'><b>Reviewed by {escape(names.get(r.author_id, 'your team lead'))}</b> "
        f"{r.created_at.astimezone():%d %b %H:%M}{' — ' + escape(r.comment) if r.comment else ''}</p>"
        for r in reviews
    )
    return "".join(parts)


def plan_html(person: Person, plan: PlanRevision | None, notes: list[Note], context: PlanContext | None = None) -> str:
    parts: list[str] = [f"<h1>{escape(person.preferred_name)}</h1>"]
    if person.pronouns:
        parts.append(f"<p>Pronouns: {escape(person.pronouns)}</p>")
    if person.communication_needs:
        needs = "".join(f"<li>{escape(n)}</li>" for n in person.communication_needs)
        parts.append(f"<div class='banner'><b>Communication needs and adjustments</b><ul>{needs}</ul></div>")
    if plan is None:
        parts.append(
            "<p><b>No safety plan is recorded for this person.</b> "
            "<a href='edit-plan:'>Write one with them (Ctrl+P)</a></p>"
        )
    else:
        prefs = plan.preferences
        synced = ""
        if context is not None:
            if context.last_synced is None:
                synced = " · never synced on this laptop: <b>may be out of date</b>"
            else:
                age = context.now - context.last_synced
                synced = f" · last synced {context.last_synced.astimezone():%d %b %H:%M}"
                if age > STALE_AFTER:
                    synced += " — <b>may be out of date</b>"
        version = f" version {context.version}" if context is not None and context.version else ""
        parts.append(
            f"<p class='meta'>Safety plan{version} · {plan.created_at.astimezone():%d %b %Y %H:%M}"
            f"{' (co-produced)' if plan.co_produced else ' (not written with the person)'}"
            f"{f' · present: {escape(plan.present)}' if plan.present else ''}{synced}"
            " · <a href='edit-plan:'>Edit (Ctrl+P)</a></p>"
        )
        rows = [
            ("How I like to be supported", prefs.how_to_support),
            ("Contact first", prefs.contact_first),
            ("Do not contact", prefs.do_not_contact),
            ("Communication style", prefs.communication_style),
        ]
        parts.append("<table class='prefs'>")
        parts.extend(f"<tr><th>{escape(k)}</th><td>{escape(v)}</td></tr>" for k, v in rows if v)
        parts.append("</table>")
        for step in Step:
            items = plan.section(step).items
            lines = []
            in_plan: set[str] = set()
            # Open now, in the plan's own order: found at a glance at 02:00 without reordering their plan.
            open_routes: list[str] = []
            any_closed = False
            for item in items:
                at = context.now if context else plan.created_at
                directory = context.directory if context else None
                line = shown(item, directory, at, person.nation, person.area)
                if line.phone:
                    in_plan.add(line.phone)
                extra = f" — <b>{escape(line.phone)}</b>{_copy_link(line.phone)}" if line.phone else ""
                extra += f" <i>({escape(line.hours)})</i>" if line.hours else ""
                if line.closed:
                    any_closed = True
                    extra += f" <b>({escape(line.closed)})</b>"
                elif line.open_now and line.phone:
                    open_routes.append(_open_route(line.text, line.phone))
                # Where a number can be phoned, say whether it is the directory's, or typed by hand.
                if step is Step.PROFESSIONALS and (line.phone or line.source is not Source.TYPED):
                    extra += f" <small>· {escape(line.label)}</small>"
                    if line.caution and line.source is not Source.GONE:
                        extra += f" <b>({escape(line.caution)})</b>"
                lines.append(f"<li>{escape(line.text)}{extra}</li>")
            if step is Step.PROFESSIONALS and context is not None and context.crisis_lines:
                for offer in (o for o in context.crisis_lines if o.entry.first_number not in in_plan):
                    entry = offer.entry
                    closed = offer.closed_words(context.now)
                    flags = f" <b>({escape(closed)})</b>" if closed else ""
                    flags += f" <b>({offer.caution})</b>" if offer.caution else ""
                    if closed:
                        any_closed = True
                    else:
                        open_routes.append(_open_route(entry.service, entry.first_number))
                    lines.append(
                        f"<li>{escape(entry.service)} — <b>{escape(str(entry.channels[0]))}</b>"
                        f"{_copy_link(entry.first_number)} <i>({escape(str(entry.availability))})</i>{flags}</li>"
                    )
            if lines:
                parts.append(f"<h2>Step {int(step)}. {escape(step.title)}</h2>")
                if any_closed:
                    said = "; ".join(open_routes) if open_routes else "none of these; in an emergency phone 999"
                    parts.append(f"<p class='open-now'><b>Open now:</b> {said}</p>")
                parts.append(f"<ol>{''.join(lines)}</ol>")
    if notes:
        parts.append("<h2>Recent contact notes</h2>")
        parts.extend(note_html(n, authors=context.authors if context else None) for n in notes)
    return "".join(parts)


class PlanView(QTextBrowser):
    edit_requested = Signal()

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
        self.anchorClicked.connect(self._on_link)
        self.copied: str | None = None
        self._shown = ""  # the html last drawn
        self.copy_feedback: CopyFeedback | None = None  # shown beside the plan by whoever holds it

    def show_person(
        self, person: Person, plan: PlanRevision | None, notes: list[Note], context: PlanContext | None = None
    ) -> None:
        html = plan_html(person, plan, notes, context)
        # Redrawn every minute (what is open now changes with the clock): the same text is left alone, so the
        # worker's selection and place are not disturbed for nothing.
        if html != self._shown:
            self._shown = html
            self.setHtml(html)

    def _on_link(self, url: QUrl) -> None:
        if url.scheme() == "copy":
            self.copied = url.path()
            copy_briefly(self.copied, feedback=self.copy_feedback)
        elif url.scheme() == "edit-plan":
            self.edit_requested.emit()

    def forget(self) -> None:
        self._shown = ""
        self.clear()
