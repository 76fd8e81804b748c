"""One way to draw a live change: the pages' scripts fetch what changed as the server renders it
(live.js ``swapFragment``) and never draw it themselves. This scan keeps out what was taken
out: dates formatted in the browser, label maps, chart maths, rows sorted in the page, markup
built from event data, and whole pages fetched again to cut a region out of them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# The shared solution's editor is written in frontend/src and bundled (with its npm dependencies)
# into scenarios/static/scenarios/build/: the sources are ours to scan, the bundle is not.
SCRIPT_DIRS = [
    ROOT / "mentoring" / "static",
    ROOT / "scenarios" / "static",
    ROOT / "frontend" / "src",
]
BUILT = "build"

MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"
SHORT_MONTHS = "Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Oct|Nov|Dec"

# (what it is, pattern): each a way of drawing in the browser what the server draws.
FORBIDDEN: list[tuple[str, re.Pattern[str]]] = [
    (
        "a date formatted in the browser",
        re.compile(r"Intl\.DateTimeFormat|Intl\.RelativeTimeFormat"),
    ),
    ("a date formatted in the browser", re.compile(r"\.toLocale(Date|Time)?String\(")),
    (
        "a date formatted in the browser",
        re.compile(rf"""["'`]({MONTHS}|{SHORT_MONTHS})["'`]"""),
    ),
    ("a number formatted in the browser", re.compile(r"Intl\.NumberFormat")),
    ("rows sorted in the page", re.compile(r"\.sort\(|Intl\.Collator|localeCompare\(")),
    ("chart maths", re.compile(r"roundHalfEven|setAttribute\(\s*[\"'](width|height|x|y)[\"']")),
    ("a label map handed to a script", re.compile(r"JSON\.parse\(.*textContent")),
    (
        "markup built in the script",
        re.compile(r"\.(innerHTML|outerHTML)\s*\+?=\s*[^;\n]*(`|\$\{|[\"']\s*\+|\+\s*[\"'])"),
    ),
    ("markup built in the script", re.compile(r"insertAdjacentHTML|document\.write")),
    (
        "a whole page fetched to cut a region out",
        re.compile(r"DOMParser|fetch\(\s*window\.location"),
    ),
]

# Scripts that draw a live change, and the helper each uses to do it.
LIVE_PAGES = {
    "mentoring/static/mentoring/board.js": "swapFragment",
    "mentoring/static/mentoring/inbox.js": "swapFragment",
    "mentoring/static/mentoring/dashboard.js": "swapFragment",
    "mentoring/static/mentoring/notifications.js": "fetchFragment",
    "mentoring/static/mentoring/thread.js": "fetchFragment",
    "mentoring/static/mentoring/batch.js": "swapFragment",
    "scenarios/static/scenarios/solution.js": "swapFragment",
}


def scripts() -> list[Path]:
    return sorted(
        p for d in SCRIPT_DIRS for p in d.rglob("*.js") if BUILT not in p.relative_to(d).parts
    )


def problems(source: str) -> list[str]:
    """Each forbidden pattern in ``source`` (comments aside), as "line N: what it is"."""
    found = []
    for number, line in enumerate(source.splitlines(), start=1):
        code = line.split("//", 1)[0] if not line.lstrip().startswith("*") else ""
        for what, pattern in FORBIDDEN:
            if pattern.search(code):
                found.append(f"line {number}: {what}: {line.strip()}")
    return found


def test_there_are_scripts_to_scan():
    names = {str(p.relative_to(ROOT)) for p in scripts()}
    assert set(LIVE_PAGES) <= names
    assert "mentoring/static/mentoring/live.js" in names
    assert "frontend/src/solution-editor.js" in names


@pytest.mark.parametrize("path", scripts(), ids=lambda p: p.name)
def test_scripts_do_not_draw_what_the_server_draws(path):
    assert problems(path.read_text()) == [], f"{path.relative_to(ROOT)}: fetch a fragment instead"


@pytest.mark.parametrize("name", sorted(LIVE_PAGES))
def test_live_pages_draw_with_the_shared_helper(name):
    source = (ROOT / name).read_text()
    helper = LIVE_PAGES[name]
    imported = re.search(r'import \{([^}]*)\} from "[./]+(mentoring/)?live\.js"', source)
    assert imported and helper in imported.group(1), f"{name} should use live.js {helper}"
    assert f"{helper}(" in source


@pytest.mark.parametrize(
    "sample",
    [
        "const f = new Intl.DateTimeFormat('en-GB');",
        "cell.textContent = when.toLocaleDateString();",
        "rows.sort((a, b) => a.name < b.name);",
        "const COLLATOR = new Intl.Collator(undefined, { numeric: true });",
        'rect.setAttribute("width", String(bar));',
        "const bar = roundHalfEven(exact);",
        "const LABELS = JSON.parse(document.getElementById('status-labels').textContent);",
        'item.innerHTML = `<a href="${n.url}">${n.title}</a>`;',
        "item.innerHTML = '<b>' + n.title + '</b>';",
        "const months = ['Jan', 'Feb'];",
        "const fresh = new DOMParser().parseFromString(html, 'text/html');",
        "const response = await fetch(window.location.href);",
    ],
)
def test_the_scan_catches_each_way_back(sample):
    """What dashboard.js, inbox.js and board.js did before the fragments: each is caught."""
    assert problems(sample)


def test_the_scan_lets_fragments_through():
    allowed = """
      template.innerHTML = (await response.text()).trim(); // the server's own markup
      const placed = await swapFragment(url, { announce: "The inbox has changed." });
      // The old code sorted rows with .sort( and Intl.DateTimeFormat: comments are not code.
    """
    assert problems(allowed) == []
