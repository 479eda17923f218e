"""The status bar's words for each sync state."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sync.status import SyncStatus, ago, status_line

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def test_up_to_date_only_when_everything_is_acknowledged_and_the_last_sync_worked() -> None:
    done = SyncStatus(True, 0, 0, NOW - timedelta(hours=3), None)
    assert status_line(done, NOW) == "Up to date · Last synced 3 h ago"
    waiting = SyncStatus(True, 4, 0, NOW - timedelta(hours=3), None)
    assert "Up to date" not in status_line(waiting, NOW)
    assert "4 records on this laptop only (unsent)" in status_line(waiting, NOW)


def test_failure_quarantine_never_synced_and_syncing_are_said_in_words() -> None:
    failed = SyncStatus(True, 1, 2, None, "The sync server cannot be reached.")
    line = status_line(failed, NOW)
    assert "1 record on this laptop only (unsent)" in line and "2 held by the server for review (not lost)" in line
    assert "Never synced" in line and "Last sync failed: The sync server cannot be reached." in line
    assert "Up to date" not in line
    assert status_line(SyncStatus(True, 0, 0, NOW, None), NOW, syncing=True).startswith("Syncing…")


def test_a_store_without_a_server_says_records_stay_here() -> None:
    line = status_line(SyncStatus(False, 3, 0, None, None), NOW)
    assert line.startswith("Not connected to a sync server") and "Up to date" not in line


def test_ages_read_naturally() -> None:
    assert ago(NOW - timedelta(seconds=5), NOW) == "just now"
    assert ago(NOW - timedelta(minutes=12), NOW) == "12 min ago"
    assert ago(NOW - timedelta(hours=47), NOW) == "47 h ago"
    assert ago(NOW - timedelta(days=3), NOW) == "3 days ago"


def test_a_clock_far_from_the_servers_is_said_in_words_and_a_close_one_is_not() -> None:
    ahead = SyncStatus(True, 0, 0, NOW, None, clock_offset_ms=3 * 86_400_000 - 40)
    assert "This laptop's clock is 3 days ahead of the server's" in status_line(ahead, NOW)
    behind = SyncStatus(True, 0, 0, NOW, None, clock_offset_ms=-2 * 3_600_000)
    assert "clock is 2 h behind the server's" in status_line(behind, NOW)
    assert "clock" not in status_line(SyncStatus(True, 0, 0, NOW, None, clock_offset_ms=90_000), NOW)
