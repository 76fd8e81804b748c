"""Long reads sent as they are read: rows from a server-side cursor, chunk by chunk.

A response of 11,000 rows should neither wait for all of them nor hold them all: the rows are
read ``chunk`` at a time from a cursor declared in one transaction (one snapshot, and what
PgBouncer in transaction mode allows, unlike ``WITH HOLD``), and each chunk is written before the
next is read.

Under ASGI, Django reads a *synchronous* streaming iterator to its end before sending anything;
``async_chunks`` hands it an asynchronous one whose every step runs the synchronous generator in
the request's database thread (``sync_to_async``, thread-sensitive: the thread that holds the
request's connection and transaction).
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Iterable, Iterator, Sequence
from typing import Any

from asgiref.sync import sync_to_async
from django.db import connection, transaction

# Rows per read: about 600 KB of a member's JSON at 2,000, 6 reads for 11,000 members.
STREAM_CHUNK = 2000
_cursor_numbers = itertools.count()


def stream_rows(
    sql: str, params: Sequence[Any], *, chunk: int = STREAM_CHUNK, jit: bool = True
) -> Iterator[list[tuple]]:
    """The rows of ``sql``, ``chunk`` at a time, from a server-side cursor.

    The transaction stays open between chunks; a consumer that stops early closes the generator
    (``async_chunks`` does), which rolls it back. ``jit=False`` turns PostgreSQL's JIT off for
    this read only (a query whose planner overestimates its cost).
    """
    name = f"staffroom_stream_{next(_cursor_numbers)}"
    # Round trips count under load: the setting and the cursor go as one message, and the
    # transaction's end closes the cursor; inside an outer transaction (a savepoint's end does
    # not), CLOSE does.
    setting = "" if jit else "SET LOCAL jit = off; "
    nested = connection.in_atomic_block
    with transaction.atomic(), connection.cursor() as db:
        db.execute(f"{setting}DECLARE {name} NO SCROLL CURSOR FOR {sql}", params)
        while True:
            db.execute(f"FETCH FORWARD {int(chunk)} FROM {name}")
            rows = db.fetchall()
            if rows:
                yield rows
            if len(rows) < chunk:
                break
        if nested:
            db.execute(f"CLOSE {name}")


def async_chunks(parts: Iterable[str], size: int = 1) -> AsyncIterator[str]:
    """``parts`` (a synchronous iterator that may read the database) as an asynchronous one for
    Django's ASGI handler, ``size`` parts joined per step; the generator is closed however the
    response ends (a client that leaves mid-way rolls the read back)."""
    parts = iter(parts)

    def next_chunk() -> str | None:
        taken = list(itertools.islice(parts, size))
        return "".join(taken) if taken else None  # None: no more parts ("" is a part)

    def close() -> None:
        close_parts = getattr(parts, "close", None)
        if close_parts is not None:
            close_parts()

    async def chunks() -> AsyncIterator[str]:
        try:
            while (chunk := await sync_to_async(next_chunk)()) is not None:
                if chunk:
                    yield chunk
        finally:
            await sync_to_async(close)()

    return chunks()
