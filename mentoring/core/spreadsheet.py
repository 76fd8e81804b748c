"""What every CSV the site writes does, so a spreadsheet opens it as meant and runs nothing.

- ``BOM`` opens the file: Excel reads a CSV without one in the machine's legacy code page, so
  "Zoë" becomes "ZoÃ«". Other readers (Python's ``utf-8-sig``, LibreOffice, Numbers) skip it.
- ``neutralise_formula`` prefixes ``'`` to a cell a spreadsheet would run as a formula (OWASP
  CSV injection).
"""

from __future__ import annotations

import unicodedata

BOM = "\ufeff"

# Spreadsheets skip leading blanks and may split a cell on a separator, so " =1+1" and ";=1+1"
# run as formulas too; an invisible character ("\u200b=1+1", a zero-width space) or a
# full-width sign ("＝1+1", which a spreadsheet may read as "=") hides one. What counts is the
# first character that is none of these, compatibility-normalised (NFKC: "＝" is "=").
_SEPARATORS = frozenset(",;|")
_INVISIBLE_CATEGORIES = frozenset({"Cf", "Cc", "Zs", "Zl", "Zp"})
FORMULA_STARTS = frozenset("=+-@")


def _first_meaningful(text: str) -> str:
    """The first character of ``text`` after blanks, invisible characters and separators,
    NFKC-normalised; "" when there is none."""
    for char in text:
        if unicodedata.category(char) in _INVISIBLE_CATEGORIES:
            continue
        normal = unicodedata.normalize("NFKC", char)
        if not normal.strip() or normal in _SEPARATORS:
            continue
        return normal[:1]
    return ""


def neutralise_formula(text: str) -> str:
    """``text`` with ``'`` before it if a spreadsheet would run it as a formula; a cell that
    starts with a tab or a carriage return is prefixed whatever follows."""
    if text[:1] in ("\t", "\r") or _first_meaningful(text) in FORMULA_STARTS:
        return "'" + text
    return text


def csv_cell(value) -> str:
    """A value as a safe CSV cell: "" for None, ISO 8601 for dates and times, text guarded."""
    if value is None:
        return ""
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return neutralise_formula(str(value))
