"""/account/data/ in a browser: ask for a copy, the worker builds it, download it; axe reports
nothing at desktop and phone size, before and after, and the page never scrolls sideways."""

from __future__ import annotations

import io
import json
import zipfile

import pytest

from mentoring.boards.services.posts import create_thread
from mentoring.models import Board, DataExport
from tests.browser.axe import DESKTOP, PHONE, axe_source, axe_violations, sideways_overflow
from tests.conftest import run_in_thread
from tests.invitations.helpers import run_worker

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _problems(page, source: str, state: str) -> list[str]:
    problems = []
    for size_name, size in (("desktop", DESKTOP), ("phone", PHONE)):
        page.set_viewport_size(size)
        page.reload()
        if size is PHONE and (overflow := sideways_overflow(page)) > 0:
            problems.append(f"{state} phone: scrolls sideways by {overflow}px")
        problems += [f"{state} {size_name}: {v}" for v in axe_violations(page, source)]
    return problems


def test_a_member_asks_for_their_data_and_downloads_it(browser_as, cohort, members):
    member = members[0]
    general = cohort.boards.get(kind=Board.Kind.GENERAL)
    run_in_thread(
        create_thread, board=general, author=member, title="Routines", body="Mine, exported"
    )
    source = axe_source()
    page = browser_as(member)
    page.goto("/account/data/")
    problems = _problems(page, source, "before")

    page.set_viewport_size(DESKTOP)
    with page.expect_navigation():
        page.get_by_role("button", name="Prepare a copy of my data").click()
    assert "being prepared" in page.content()
    problems += _problems(page, source, "pending")

    run_in_thread(run_worker)
    page.reload()
    problems += _problems(page, source, "ready")
    assert problems == [], "\n".join(problems)

    export = DataExport.objects.get(user=member)
    try:
        with page.expect_download() as download_info:
            page.get_by_role("link", name="Download your data").click()
        path = download_info.value.path()
        with open(path, "rb") as handle:
            archive = zipfile.ZipFile(io.BytesIO(handle.read()))
        data = json.loads(archive.read("staffroom-data.json"))
        assert data["sections"]["boards"]["threads_started"][0]["title"] == "Routines"
    finally:
        export.file.delete(save=False)
