"""The one clock the assistant reads: UTC timestamps for receipts, manifests and audit logs."""

from __future__ import annotations

import datetime as dt


def utc_now() -> str:
    """Now, in UTC, as ISO 8601 to the second (what receipts and manifests record)."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
