"""Why a laptop's store was wiped, kept beside the wiped store for the enrolment screen to say.

A date and two counts, nothing about any person: the file is not encrypted. Light to import, because the
first window reads it before anything else has loaded.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

WITHDRAWN_NAME = "withdrawn.json"
_LONDON = ZoneInfo("Europe/London")


@dataclass(frozen=True, slots=True)
class Withdrawal:
    kind: str  # retire or revoke
    at: str  # ISO 8601, UTC
    sent: int  # records this laptop had sent, all held by the server
    unsent: int  # records erased before they were sent (a revoke does not wait for them)

    def message(self) -> str:
        when = datetime.fromisoformat(self.at).astimezone(_LONDON).strftime("%-d %b %Y at %H:%M")
        records = f"{self.sent} record{'s' if self.sent != 1 else ''}"
        if self.kind == "retire":
            head = f"This laptop was withdrawn from Waymark by your organisation on {when}; its data was erased."
        else:
            head = (
                f"This laptop was switched off for Waymark by your organisation on {when} (reported lost or "
                "withdrawn), and its Waymark data was erased."
            )
        if self.unsent == 0:
            tail = f"Nothing recorded on it was lost: {records} had been sent to the server, which keeps them."
        else:
            tail = (
                f"{records} had been sent to the server, which keeps them; {self.unsent} recorded on it had not "
                "been sent and were erased with it. Tell your team lead at once, so they can be recorded again."
            )
        return f"{head} {tail} To use Waymark on this laptop again, enrol it with a new code from your administrator."


def write_withdrawal(data_dir: Path, withdrawal: Withdrawal) -> None:
    (data_dir / WITHDRAWN_NAME).write_text(json.dumps(asdict(withdrawal)))


def read_withdrawal(data_dir: Path) -> Withdrawal | None:
    try:
        return Withdrawal(**json.loads((data_dir / WITHDRAWN_NAME).read_text()))
    except (OSError, ValueError, TypeError):
        return None
