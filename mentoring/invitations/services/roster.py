"""Reading a roster file: whatever the induction office, the learning platform or Excel exported.

Encodings: UTF-8 with or without a byte-order mark, UTF-16 with a BOM (Excel's "Unicode text",
Blackboard's grade-centre download), and Windows-1252 (Excel's default "CSV (Comma delimited)"
and Outlook's contacts export) when the file is not UTF-8. Delimiters: comma, semicolon (Excel
in much of Europe) or tab, whichever the header line uses most outside quotes; Excel's
``sep=;`` first line is honoured.

Columns are recognised by their header, ignoring case, spaces, punctuation and bracketed notes
(``Email Address [Required]`` is ``emailaddress``), from the exports of Moodle, Canvas,
Blackboard, Google (Workspace users, Classroom, Contacts) and Microsoft (365 admin users, Entra
ID, Outlook contacts). Each field takes the first non-empty value among its known headers, in
the order of ``ALIASES``: a proper e-mail column wins over a user principal name or a login
that may only happen to be an address. A single full-name column in "Last, First" form (Canvas'
``Student``, ``sortable_name``) is turned round. A role column maps the platforms' role names
to member or tutor; an unknown role is an error on its line (we do not guess who may tutor).
Every other column is ignored and named in ``warnings``. Every problem is reported with the
line it is on, so a tutor can fix the file and try again.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import unicodedata
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

MAX_ROSTER_ROWS = 2000
MAX_ROSTER_BYTES = 2_000_000
NAME_MAX = 150

# Field → the normalised headers that mean it, best first. Normalised: bracketed notes removed,
# then lower-case letters and digits only.
ALIASES: dict[str, tuple[str, ...]] = {
    "email": (
        "email",  # ours; Canvas users.csv, Moodle upload, Teams
        "emailaddress",  # Moodle participants, Google Workspace, Google Classroom, Outlook
        "mail",  # Entra ID
        "primaryemail",  # Google Workspace (API/GAM)
        "email1value",  # Google Contacts
        "emailaddress1",
        "userprincipalname",  # Microsoft 365 admin users export, Entra ID
        "upn",
        # Logins: used only where they hold an address (where sign-in is by e-mail).
        "sisloginid",  # Canvas gradebook
        "loginid",  # Canvas users.csv
        "username",  # Blackboard grade centre
    ),
    "first_name": ("firstname", "givenname", "forename", "first"),
    "last_name": ("lastname", "surname", "familyname", "last"),
    "display_name": (
        "displayname",
        "fullname",  # Canvas users.csv full_name
        "name",  # Google Contacts, Teams
        "student",  # Canvas gradebook: "Last, First"
        "studentname",
        "sortablename",  # Canvas users.csv: "Last, First"
        "shortname",
    ),
    "role": ("role", "roles", "courserole", "courseroles"),
}
MAYBE_ADDRESS = {"sisloginid", "loginid", "username"}
_FIELD_OF = {alias: name for name, aliases in ALIASES.items() for alias in aliases}
# What platforms call the roles we have (normalised like headers). Moodle lists several roles
# in one cell ("Student, Non-editing teacher"): any tutor role makes a tutor.
ROLE_NAMES = {
    "member": ("member", "student", "learner", "participant", "pupil", "noroles"),
    "tutor": (
        "tutor",
        "teacher",
        "editingteacher",
        "noneditingteacher",
        "ta",
        "teachingassistant",
        "instructor",
        "mentor",
    ),
}
_ROLE_OF = {alias: role for role, aliases in ROLE_NAMES.items() for alias in aliases}
# Lines gradebook exports add that are not people, known by their first cell when the line has
# no address: Canvas' "Points Possible" and its test student, Classroom's "Points".
NOT_PEOPLE = {"pointspossible", "points", "studenttest", "teststudent"}
# Workbooks rather than text: .xlsx (a zip) and the old binary .xls.
WORKBOOK_MAGIC = (b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")
DELIMITERS = (",", ";", "\t")


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
    # Things the tutor should know that reject nothing (ignored columns).
    warnings: list[str] = field(default_factory=list)
    # Field → the header it was read from (the first of several, when a field has fallbacks).
    columns: dict[str, str] = field(default_factory=dict)


def normalise(header: str) -> str:
    """``"Email Address [Required]"`` → ``"emailaddress"``; ``"E-mail 1 - Value"`` →
    ``"email1value"``; accents go (``Prénom`` → ``prenom``)."""
    text = re.sub(r"\[[^\]]*\]|\([^)]*\)", "", header)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]", "", text.lower())


def _line_of(data: bytes, offset: int, newline: bytes = b"\n") -> int:
    return data[:offset].count(newline) + 1


def _decode(data: bytes) -> tuple[str | None, tuple[int, str] | None]:
    """The text and no problem, or no text and (line, problem)."""
    if data.startswith(WORKBOOK_MAGIC):
        return None, (1, "this is an Excel workbook, not text: save it as CSV (UTF-8) first.")
    for bom, encoding, newline in (
        (codecs.BOM_UTF16_LE, "utf-16-le", "\n".encode("utf-16-le")),
        (codecs.BOM_UTF16_BE, "utf-16-be", "\n".encode("utf-16-be")),
    ):
        if data.startswith(bom):
            body = data[len(bom) :]
            try:
                text = body.decode(encoding)
            except UnicodeDecodeError as error:
                line = _line_of(body, error.start, newline)
                return None, (line, "the file is damaged UTF-16 text; save it again.")
            break
    else:
        if b"\x00" in data:
            line = _line_of(data, data.index(b"\x00"))
            return None, (line, "the file contains NUL bytes; save it again as CSV (UTF-8).")
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            try:
                text = data.decode("cp1252")
            except UnicodeDecodeError as error:
                line = _line_of(data, error.start)
                return None, (
                    line,
                    "the file is neither UTF-8 nor Windows-1252 text; save it as CSV (UTF-8).",
                )
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        return None, (line, "the file contains NUL bytes; save it again as CSV (UTF-8).")
    return text, None


def _delimiter(header: str) -> str:
    """The delimiter the header line uses most, counting only outside quotes."""
    outside = re.sub(r'"[^"]*"', "", header)
    counts = {d: outside.count(d) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: counts[d])  # ties: the first, a comma
    return best if counts[best] else ","


def parse_roster(data: bytes) -> ParsedRoster:
    parsed = ParsedRoster()
    if len(data) > MAX_ROSTER_BYTES:
        parsed.file_errors.append((1, f"The file is larger than {MAX_ROSTER_BYTES:,} bytes."))
        return parsed
    text, problem = _decode(data)
    if text is None:
        line, message = problem
        parsed.file_errors.append((line, message[0].upper() + message[1:]))
        return parsed
    lines = text.splitlines()
    first = 0
    sep = re.fullmatch(r'"?sep=(.)"?', lines[0].strip()) if lines else None
    if sep:  # Excel's hint line: "sep=;"
        first = 1
    if len(lines) <= first or not lines[first].strip():
        parsed.file_errors.append(
            (first + 1, "The file is empty: the first line must name the columns.")
        )
        return parsed
    delimiter = sep.group(1) if sep else _delimiter(lines[first])
    stream = io.StringIO(text, newline="")
    if first:
        stream.readline()
    reader = csv.reader(stream, delimiter=delimiter)
    try:
        headers = next(reader)
    except csv.Error as error:
        parsed.file_errors.append((first + 1, f"The first line cannot be read: {error}."))
        return parsed
    index = _columns(parsed, headers, first + 1)
    if index is None:
        return parsed
    seen: dict[str, int] = {}
    try:
        for values in reader:
            line = reader.line_num + first
            if not any(v.strip() for v in values):
                continue  # blank lines (Excel leaves them at the end) are not rows
            if len(parsed.rows) >= MAX_ROSTER_ROWS:
                parsed.file_errors.append(
                    (line, f"Too many rows: at most {MAX_ROSTER_ROWS} people per file.")
                )
                return parsed
            row = _row(line, values, index, len(headers), seen)
            if row is not None:
                parsed.rows.append(row)
    except csv.Error as error:
        parsed.file_errors.append((reader.line_num + first, f"This line cannot be read: {error}."))
    return parsed


def _columns(
    parsed: ParsedRoster, headers: list[str], line: int
) -> dict[str, list[tuple[int, bool]]] | None:
    """Field → (position, holds an address only sometimes) of its columns, best first; or None
    after a file error."""
    keys = [normalise(h) for h in headers]
    repeated = {k for k in keys if k and keys.count(k) > 1 and k in _FIELD_OF}
    if repeated:
        names = sorted({h.strip() for h, k in zip(headers, keys, strict=True) if k in repeated})
        parsed.file_errors.append((line, f"Repeated column(s): {', '.join(names)}."))
        return None
    index: dict[str, list[tuple[int, bool]]] = {}
    for name, aliases in ALIASES.items():
        positions = [(keys.index(a), a in MAYBE_ADDRESS) for a in aliases if a in keys]
        if positions:
            index[name] = positions
            parsed.columns[name] = headers[positions[0][0]].strip()
    if "email" not in index:
        parsed.file_errors.append(
            (
                line,
                "Missing column: email (the first line must name it: email, Email address, "
                "E-mail, Mail or User principal name).",
            )
        )
        return None
    ignored = [h.strip() for h, k in zip(headers, keys, strict=True) if k and k not in _FIELD_OF]
    if ignored:
        parsed.warnings.append(
            f"Ignored column{'s' if len(ignored) != 1 else ''}: {', '.join(ignored)}."
        )
    return index


def _turned_round(name: str) -> tuple[str, str] | None:
    """ "Lovelace, Ada" → ("Ada", "Lovelace"); None for anything else."""
    parts = [p.strip() for p in name.split(",")]
    if len(parts) == 2 and all(parts):
        return parts[1], parts[0]
    return None


def _role(value: str) -> str | None:
    """member, tutor, or None for a role we do not know; empty means member."""
    names = [normalise(part) for part in re.split(r"[,;|/]", value)]
    roles = {_ROLE_OF.get(name) for name in names if name}
    if not roles:
        return "member"
    if None in roles:
        return None
    return "tutor" if "tutor" in roles else "member"


def _row(
    line: int,
    values: list[str],
    index: dict[str, list[tuple[int, bool]]],
    width: int,
    seen: dict[str, int],
) -> RosterRow | None:
    def value(name: str) -> str:
        for position, maybe in index.get(name, ()):
            text = " ".join(values[position].split()) if position < len(values) else ""
            if text and (not maybe or "@" in text):
                return text
        return ""

    email = value("email").lower()
    first_name, last_name = value("first_name"), value("last_name")
    display_name = value("display_name")
    if not (email or first_name) and normalise(next(v for v in values if v.strip())) in NOT_PEOPLE:
        return None
    if display_name and not (first_name or last_name) and (turned := _turned_round(display_name)):
        first_name, last_name = turned
        display_name = f"{first_name} {last_name}"
    raw_role = value("role")
    role = _role(raw_role)
    row = RosterRow(
        line=line,
        email=email,
        first_name=first_name,
        last_name=last_name,
        display_name=display_name,
        role=role or "member",
    )
    if len(values) > width and any(v.strip() for v in values[width:]):
        row.error = f"More values than columns ({len(values)} for {width})."
    elif not row.email:
        row.error = "Missing e-mail address."
    elif len(row.email) > 254 or not _valid_email(row.email):
        row.error = f"Not a valid e-mail address: {row.email}."
    elif row.email in seen:
        row.error = f"Duplicate of line {seen[row.email]} ({row.email})."
    elif role is None:
        row.error = (
            f"Unknown role {raw_role!r}: use member or tutor (or Student, Learner, Teacher, "
            "Non-editing teacher, TA, Instructor)."
        )
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
