"""The server's run-time settings: API docs, trusted proxies, device token lifetime, quarantine quota,
break-glass rate limit.

Read from the environment (``WAYMARK_SERVER_*``) so that every uvicorn worker of one ``serve`` agrees;
``waymark-server serve`` turns its flags into these variables. README.md lists them.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from sync.server.errors import SettingsError

DEFAULT_TOKEN_LIFETIME = timedelta(days=30)
# A laptop's quarantine holds records a team lead must read one by one: past this many (or bytes), more is
# not a worker's backlog but a fault or an attack, and the device is stopped and flagged instead.
DEFAULT_QUARANTINE_ITEMS = 500
DEFAULT_QUARANTINE_BYTES = 16 * 1024 * 1024
# Break-glass attempts (grants and refusals alike) per user, and per device, in any window. A duty worker
# opens someone outside their cover for a call about them: each takes a call and a read of the record, and
# the busiest night is a handful in a shift. Ten in an hour is far beyond that, and holds a stolen or misused
# token walking NHS numbers to ten guesses an hour, each one listed to the team lead.
DEFAULT_BREAK_GLASS_ATTEMPTS = 10
DEFAULT_BREAK_GLASS_WINDOW = timedelta(hours=1)


@dataclass(frozen=True)
class Settings:
    # /docs and /redoc pull their scripts from a CDN into an admin's browser and map the API for anyone:
    # off unless asked for. /openapi.json stays public: it is the published contract (PROTOCOL.md §2).
    api_docs: bool = False
    # Addresses or networks of reverse proxies whose X-Forwarded-For is believed; none by default.
    trusted_proxies: tuple[str, ...] = ()
    token_lifetime: timedelta = DEFAULT_TOKEN_LIFETIME
    quarantine_items: int = DEFAULT_QUARANTINE_ITEMS
    quarantine_bytes: int = DEFAULT_QUARANTINE_BYTES
    break_glass_attempts: int = DEFAULT_BREAK_GLASS_ATTEMPTS
    break_glass_window: timedelta = DEFAULT_BREAK_GLASS_WINDOW
    # None: WAYMARK_SERVER_KEYS_FILE, the key environment variables, or the default place (sync/server/keys.py).
    keys_file: Path | None = None

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        proxies = tuple(p.strip() for p in env.get("WAYMARK_SERVER_TRUSTED_PROXIES", "").split(",") if p.strip())
        return cls(
            api_docs=env.get("WAYMARK_SERVER_API_DOCS", "") == "1",
            trusted_proxies=check_proxies(proxies),
            token_lifetime=_duration(env.get("WAYMARK_SERVER_TOKEN_LIFETIME"), DEFAULT_TOKEN_LIFETIME),
            quarantine_items=_count(env.get("WAYMARK_SERVER_QUARANTINE_ITEMS"), DEFAULT_QUARANTINE_ITEMS),
            quarantine_bytes=_count(env.get("WAYMARK_SERVER_QUARANTINE_BYTES"), DEFAULT_QUARANTINE_BYTES),
            break_glass_attempts=_count(env.get("WAYMARK_SERVER_BREAK_GLASS_ATTEMPTS"), DEFAULT_BREAK_GLASS_ATTEMPTS),
            break_glass_window=_duration(env.get("WAYMARK_SERVER_BREAK_GLASS_WINDOW"), DEFAULT_BREAK_GLASS_WINDOW),
        )


def check_proxies(proxies: tuple[str, ...]) -> tuple[str, ...]:
    for proxy in proxies:
        try:
            ipaddress.ip_network(proxy, strict=False)
        except ValueError:
            raise SettingsError(f"trusted proxy {proxy!r} is not an IP address or network") from None
    return proxies


def _duration(text: str | None, default: timedelta) -> timedelta:
    if not text:
        return default
    from sync.server.admin import AdminError, parse_duration

    try:
        return parse_duration(text)
    except AdminError as exc:
        raise SettingsError(str(exc)) from None


def _count(text: str | None, default: int) -> int:
    if not text:
        return default
    if not text.isdigit() or int(text) < 1:
        raise SettingsError(f"{text!r} is not a whole number of at least 1")
    return int(text)
