"""The documentation tells the truth about the repository it sits in.

The README stays a short front door (the two commands first, the rest in ``docs/``); every
relative link leads somewhere; nothing points at documents outside the repository; and every
``manage.py`` command the README's command table names exists.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from django.core.management import get_commands

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
DOCS = ROOT / "docs"

# Folders that are not the project's own text: generated, installed or CI machinery.
SKIPPED_DIRS = {".git", ".venv", "var", ".ci", "node_modules", "__pycache__", ".pytest_cache"}
# Documents that live outside the repository. Spelled in two parts so this file does not
# match its own search.
OUTSIDE_REFERENCES = ("CONTRACT" + ".md", ".." + "/shared")

LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
FENCE = re.compile(r"^```.*?^```", re.MULTILINE | re.DOTALL)
CODE_SPAN = re.compile(r"`[^`\n]*`")
HEADING = re.compile(r"^#{1,6}\s+(.*?)\s*#*\s*$", re.MULTILINE)


def markdown_files() -> list[Path]:
    return [README, *sorted(DOCS.glob("*.md"))]


def prose(text: str) -> str:
    """The text without fenced blocks and code spans, where brackets are not links."""
    return CODE_SPAN.sub("", FENCE.sub("", text))


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"[`*_]|\[|\]\([^)]*\)", "", heading).strip().lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    return {slug(h) for h in HEADING.findall(FENCE.sub("", path.read_text()))}


def project_files(*suffixes: str):
    for folder, dirs, files in os.walk(ROOT):
        dirs[:] = [d for d in dirs if d not in SKIPPED_DIRS]
        for name in files:
            if name.endswith(suffixes):
                yield Path(folder) / name


# --- The README ------------------------------------------------------------------------------
def test_readme_is_short():
    lines = README.read_text().splitlines()
    assert len(lines) < 200, (
        f"README.md has {len(lines)} lines: keep it a front door (under 200) and move the "
        "detail into docs/ (features, api, operations, testing, benchmarks)."
    )


def test_readme_starts_with_the_two_commands():
    lines = README.read_text().splitlines()
    opening = lines[:12]
    assert "```" in opening, "README.md must open with a code block of the two commands"
    start = opening.index("```")
    block = []
    for line in lines[start + 1 :]:
        if line.startswith("```"):
            break
        block.append(line.strip())
    assert block == ["make run", "make test"], block
    before = lines[:start]
    assert not any(line.startswith("## ") for line in before), "the commands come first"


# --- Links -----------------------------------------------------------------------------------
def test_every_relative_link_points_at_something_that_exists():
    broken = []
    for path in markdown_files():
        for target in LINK.findall(prose(path.read_text())):
            if re.match(r"^[a-z][a-z0-9+.-]*:", target):  # http:, https:, mailto:
                continue
            file_part, _, anchor = target.partition("#")
            linked = (path.parent / file_part).resolve() if file_part else path
            where = f"{path.relative_to(ROOT)} → {target}"
            if not linked.exists():
                broken.append(f"{where}: no such file")
            elif anchor and linked.suffix == ".md" and anchor not in anchors(linked):
                broken.append(f"{where}: no heading with that anchor")
    assert not broken, "\n".join(broken)


def test_the_docs_are_linked_from_the_readme():
    readme = README.read_text()
    unlinked = [p.name for p in DOCS.glob("*.md") if f"](docs/{p.name}" not in readme]
    assert not unlinked, f"docs/ pages the README does not link to: {unlinked}"


# --- The repository stands on its own --------------------------------------------------------
def test_nothing_points_at_documents_outside_the_repository():
    hits = []
    for path in project_files(".py", ".md"):
        for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
            if any(reference in line for reference in OUTSIDE_REFERENCES):
                hits.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert not hits, (
        "Refer to the public surface as docs/api.md, not to files outside the repository:\n"
        + "\n".join(hits)
    )


# --- Commands --------------------------------------------------------------------------------
def readme_table_commands() -> set[str]:
    """``manage.py <command>`` as the first cell of a row of the README's tables."""
    return set(re.findall(r"^\|\s*`manage\.py\s+([a-z_][a-z0-9_]*)", README.read_text(), re.M))


def defined_commands() -> set[str]:
    """Every management command: those of the installed apps, and (leniently) any found in a
    ``management/commands/`` folder of the checkout, a ``demo`` app's included."""
    commands = set(get_commands())
    for path in project_files(".py"):
        in_commands = path.parent.name == "commands" and path.parent.parent.name == "management"
        if in_commands and not path.name.startswith("_"):
            commands.add(path.stem)
    return commands


def test_the_readme_names_some_commands():
    assert {"seed_demo", "create_api_token", "run_worker"} <= readme_table_commands()


def test_every_command_in_the_readme_table_exists():
    missing = sorted(readme_table_commands() - defined_commands())
    assert not missing, f"README.md's command table names commands that do not exist: {missing}"
