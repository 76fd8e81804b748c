"""What the group page hands the shared solution's editor (issue 22): the socket's path, the
name the group sees for the person at the page (their own, nothing of anyone else's), whether
they may write, and where their offline edits are kept; the server's text and the status
sentences for a page without JavaScript or before the document arrives."""

from __future__ import annotations

import re

import pytest

from scenarios.services.solutions import save_solution
from tests.factories import signed_in

pytestmark = pytest.mark.django_db


def editor(html: str) -> dict[str, str]:
    tag = re.search(r"<div class=\"solution-editor\" data-solution-editor([^>]*)>", html)
    assert tag, "no editor on the page"
    return dict(re.findall(r'(data-[a-z-]+)="([^"]*)"', tag.group(1)))


def test_a_member_writes_and_keeps_offline_edits_under_their_own_name(group, members):
    save_solution(group=group, author=members[1], body="Meet them at the door.")
    html = signed_in(members[0]).get(f"/scenarios/groups/{group.pk}/").content.decode()
    attrs = editor(html)
    assert attrs["data-ws-base"] == f"/ws/groups/{group.pk}"
    assert attrs["data-display-name"] == "Member 1"
    assert attrs["data-read-only"] == "false"
    assert attrs["data-store"] == f"staffroom-solution-{group.pk}-{members[0].pk}"
    assert "Meet them at the door." in html  # the fallback form holds the text
    for state in ("connecting", "offline", "saving", "saved", "live", "ended"):
        assert f'<span data-when="{state}" hidden>' in html
    assert "scenarios/build/solution-editor.js" in html


def test_a_tutor_reads_and_keeps_nothing_in_the_browser(group, tutor):
    save_solution(group=group, author=group.members.first(), body="Meet them at the door.")
    html = signed_in(tutor).get(f"/scenarios/groups/{group.pk}/").content.decode()
    attrs = editor(html)
    assert attrs["data-read-only"] == "true" and "data-store" not in attrs
    assert attrs["data-display-name"] == "Tessa Tutor"
    assert "Meet them at the door." in html
