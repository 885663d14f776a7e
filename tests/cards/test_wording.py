"""Times as cards say them: relative words rounded the way a colleague would."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from bot.cards.wording import local_time, relative

NOW = datetime(2026, 3, 5, 8, 30, tzinfo=timezone.utc)
PARIS = ZoneInfo("Europe/Paris")


@pytest.mark.parametrize(
    ("delta", "words"),
    [
        (timedelta(seconds=20), "now"),
        (timedelta(minutes=1), "in 1 minute"),
        (timedelta(minutes=-5), "5 minutes ago"),
        (timedelta(minutes=90), "in 2 hours"),
        (timedelta(hours=30), "in 30 hours"),
        (timedelta(days=3, hours=2), "in 3 days"),
        (timedelta(days=-2, hours=-1), "2 days ago"),
        (timedelta(days=20), "in 3 weeks"),
    ],
)
def test_relative(delta: timedelta, words: str) -> None:
    assert relative(NOW + delta, NOW) == words


@pytest.mark.parametrize(
    ("at", "words"),
    [
        (datetime(2026, 3, 5, 17, 0), "today 18:00"),
        (datetime(2026, 3, 6, 8, 0), "tomorrow 09:00"),
        (datetime(2026, 3, 9, 11, 0), "Mon 12:00"),
        (datetime(2026, 3, 12, 11, 0), "Thu 12 Mar 12:00"),
        (datetime(2027, 1, 4, 11, 0), "Mon 4 Jan 2027 12:00"),
    ],
)
def test_local_time(at: datetime, words: str) -> None:
    assert local_time(at.replace(tzinfo=timezone.utc), PARIS, NOW) == words
