"""Today's date in Beijing: the notice's dates are Beijing dates, whatever the host's time zone."""

from __future__ import annotations

import datetime as dt

BEIJING = dt.timezone(dt.timedelta(hours=8))


def today(now: dt.datetime | None = None) -> dt.date:
    """Today's date in Beijing, from an injected clock or the system clock."""
    now = now or dt.datetime.now(dt.timezone.utc)
    if now.tzinfo is None:
        now = now.replace(tzinfo=dt.timezone.utc)
    return now.astimezone(BEIJING).date()
