"""Who looked at a member's data, as their "my participation" page lists it: their own entries,
a page at a time, newest first (the log is written by ``mentoring.privacy``)."""

from __future__ import annotations

from mentoring.core.pagination import Page, PageSize, keyset_page
from mentoring.models import AccessLogEntry, User

ACCESS_LOG_PAGE = PageSize(default=20, maximum=100)


def access_entries_page(
    *, subject: User, limit: int = ACCESS_LOG_PAGE.default, cursor: str | None = None
) -> Page[AccessLogEntry]:
    """Who opened, exported or erased what about ``subject`` (every cohort's and the account's
    entries), newest first."""
    entries = AccessLogEntry.objects.filter(subject=subject).select_related("cohort")
    return keyset_page(
        entries, order=["-created_at", "-pk"], limit=limit, cursor=cursor, scope="access-log"
    )
