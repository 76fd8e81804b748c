"""Reading a roster CSV: what the induction office's spreadsheet export looks like.

UTF-8 with or without a byte-order mark; comma- or semicolon-separated (Excel in much of Europe
writes ``;``). Columns, in any order and case: ``email`` (required), ``first_name``,
``last_name``, ``display_name``, ``role`` (``member`` by default, or ``tutor``). Every problem
is reported with the line it is on, so a tutor can fix the file and try again.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

MAX_ROSTER_ROWS = 2000
MAX_ROSTER_BYTES = 2_000_000
COLUMNS = ("email", "first_name", "last_name", "display_name", "role")
NAME_MAX = 150
ROLES = ("member", "tutor")


@dataclass
class RosterRow:
    line: int
    email: str
    first_name: str = ""
    last_name: str = ""
    display_name: str = ""
    role: str = "member"
    error: str = ""


@dataclass
class ParsedRoster:
    rows: list[RosterRow] = field(default_factory=list)
    # Problems with the file as a whole: (line, message). Any of them rejects every row.
    file_errors: list[tuple[int, str]] = field(default_factory=list)


def _decode(data: bytes) -> tuple[str | None, str | None]:
    if b"\x00" in data:
        line = data[: data.index(b"\x00")].count(b"\n") + 1
        return None, f"line {line}: the file contains NUL bytes; save it again as CSV (UTF-8)."
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        return None, f"line {line}: the file is not UTF-8 text; save it as CSV (UTF-8)."


def parse_roster(data: bytes) -> ParsedRoster:
    parsed = ParsedRoster()
    if len(data) > MAX_ROSTER_BYTES:
        parsed.file_errors.append((1, f"The file is larger than {MAX_ROSTER_BYTES:,} bytes."))
        return parsed
    text, problem = _decode(data)
    if text is None:
        line = int(problem.split(":")[0].removeprefix("line "))
        parsed.file_errors.append((line, problem.split(": ", 1)[1]))
        return parsed
    lines = text.splitlines()
    if not lines or not lines[0].strip():
        parsed.file_errors.append((1, "The file is empty: the first line must name the columns."))
        return parsed
    header = lines[0]
    delimiter = ";" if header.count(";") > header.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        columns = [c.strip().lower().replace(" ", "_") for c in next(reader)]
    except csv.Error as error:
        parsed.file_errors.append((1, f"The first line cannot be read: {error}."))
        return parsed
    if "email" not in columns:
        parsed.file_errors.append((1, "Missing column: email (the first line must name it)."))
        return parsed
    unknown = [c for c in columns if c and c not in COLUMNS]
    if unknown:
        parsed.file_errors.append(
            (1, f"Unknown column(s): {', '.join(unknown)}. Use: {', '.join(COLUMNS)}.")
        )
        return parsed
    repeated = {c for c in columns if c and columns.count(c) > 1}
    if repeated:
        parsed.file_errors.append((1, f"Repeated column(s): {', '.join(sorted(repeated))}."))
        return parsed
    index = {name: columns.index(name) for name in COLUMNS if name in columns}
    seen: dict[str, int] = {}
    try:
        for values in reader:
            line = reader.line_num
            if not any(v.strip() for v in values):
                continue  # blank lines (Excel leaves them at the end) are not rows
            if len(parsed.rows) >= MAX_ROSTER_ROWS:
                parsed.file_errors.append(
                    (line, f"Too many rows: at most {MAX_ROSTER_ROWS} people per file.")
                )
                return parsed
            parsed.rows.append(_row(line, values, index, len(columns), seen))
    except csv.Error as error:
        parsed.file_errors.append((reader.line_num, f"This line cannot be read: {error}."))
    return parsed


def _row(
    line: int, values: list[str], index: dict[str, int], width: int, seen: dict[str, int]
) -> RosterRow:
    def value(name: str) -> str:
        position = index.get(name)
        if position is None or position >= len(values):
            return ""
        return " ".join(values[position].split())

    row = RosterRow(
        line=line,
        email=value("email").lower(),
        first_name=value("first_name"),
        last_name=value("last_name"),
        display_name=value("display_name"),
        role=value("role").lower() or "member",
    )
    if len(values) > width and any(v.strip() for v in values[width:]):
        row.error = f"More values than columns ({len(values)} for {width})."
    elif not row.email:
        row.error = "Missing e-mail address."
    elif len(row.email) > 254 or not _valid_email(row.email):
        row.error = f"Not a valid e-mail address: {row.email}."
    elif row.email in seen:
        row.error = f"Duplicate of line {seen[row.email]} ({row.email})."
    elif row.role not in ROLES:
        row.error = f"Unknown role {row.role!r}: use member or tutor."
    elif max(len(row.first_name), len(row.last_name), len(row.display_name)) > NAME_MAX:
        row.error = f"A name is longer than {NAME_MAX} characters."
    if row.email:
        seen.setdefault(row.email, line)
    return row


def _valid_email(email: str) -> bool:
    try:
        validate_email(email)
    except ValidationError:
        return False
    return True
