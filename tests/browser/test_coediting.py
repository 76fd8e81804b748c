"""The group's solution, written together live in Chromium (issue 22): members in separate
browser contexts type at the same time into the same and into different paragraphs and every
context ends with the same text holding every character typed; a context offline for a while
keeps its edits and merges them on reconnect; a server restart loses nothing the pages were told
was saved; who is in the document is listed and their cursors labelled with the names the group
sees; tutors read only; the page passes axe and runs under the strict CSP; without JavaScript
the page still shows the text.

The "typing" of the concurrency tests runs inside each page (a timer inserting one character at
the page's cursor through the editor, as a keystroke does), so that all pages type at once
rather than in turns of the test's single thread; the seed text and the presence test type with
the real keyboard."""

from __future__ import annotations

import os
import time
from collections import Counter

import pytest
from playwright.sync_api import expect

from mentoring.cohorts.services import add_membership
from mentoring.models import Membership
from scenarios.services.releases import release_scenario
from tests.browser.axe import axe_source, axe_violations
from tests.conftest import run_in_thread, session_cookie_for
from tests.factories import UserFactory
from tests.scenarios.helpers import make_module, make_scenario

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Seconds of simultaneous typing per phase; COEDIT_SECONDS=1 for a quick run while developing.
PHASE = float(os.environ.get("COEDIT_SECONDS", "5"))
OFFLINE = min(10.0, 2.5 * PHASE)

# Each member types only characters of their own, none of which is in the seed text: what a
# member typed can then be found in the end text by its characters alone.
ALPHABETS = ["abcdef", "ABCDEF", "012345", "!?;:+="]
SEED = "ghij\n\nklmn\n\nopqr\n\nstuv"  # four paragraphs, lines 1, 3, 5 and 7

ROBOT = """
(() => {
  const root = document.querySelector("[data-solution-editor]");
  const view = root.solutionEditor.view;
  window.__bursts = window.__bursts || [];
  window.__robot = {
    place(line) {
      const end = view.state.doc.line(line).to;
      view.dispatch({ selection: { anchor: end } });
      window.__bursts.push("");
    },
    start(alphabet, every) {
      let k = 0;
      this.stop();
      this.timer = setInterval(() => {
        const ch = alphabet[k++ % alphabet.length];
        const at = view.state.selection.main.head;
        view.dispatch({
          changes: { from: at, insert: ch },
          selection: { anchor: at + 1 },
          userEvent: "input.type",
        });
        window.__bursts[window.__bursts.length - 1] += ch;
      }, every);
    },
    stop() { clearInterval(this.timer); },
  };
})()
"""


def _watch(page) -> list[str]:
    problems: list[str] = []
    page.on("console", lambda m: m.type == "error" and problems.append(m.text))
    page.on("pageerror", lambda error: problems.append(str(error)))
    return problems


def _csp_refusals(problems: list[str]) -> list[str]:
    return sorted({p for p in problems if "Content Security Policy" in p or "Refused to" in p})


def _setup(cohort, tutor, extra_members: int = 1):
    for i in range(extra_members):
        user = UserFactory(username=f"member{4 + i}", display_name=f"Member {4 + i}")
        add_membership(cohort=cohort, user=user, role=Membership.Role.MEMBER)
    release = release_scenario(
        cohort=cohort, scenario=make_scenario(make_module()), by=tutor, group_size=6
    )
    group = release.groups.get()
    return group, list(group.members.order_by("username"))


def _open(browser_as, user, group, page=None):
    page = page or browser_as(user)
    problems = _watch(page)
    page.goto(f"/scenarios/groups/{group.pk}/")
    expect(page.locator("[data-solution-editor][data-editor-ready]")).to_be_attached(timeout=15_000)
    page.evaluate(ROBOT)
    page.problems = problems
    return page


def _text(page) -> str:
    return page.evaluate(
        "document.querySelector('[data-solution-editor]').solutionEditor.ytext.toString()"
    )


def _state(page) -> str:
    return page.locator("[data-editor-status]").get_attribute("data-state") or ""


def _editor_text(page) -> str:
    return page.evaluate(
        "document.querySelector('[data-solution-editor]').solutionEditor.view.state.doc.toString()"
    )


def _settle(pages, timeout: float = 30) -> str:
    """Wait until every page says "saved" and all hold the same text; that text."""
    deadline = time.monotonic() + timeout
    while True:
        texts = [_text(page) for page in pages]
        states = [_state(page) for page in pages]
        if len(set(texts)) == 1 and set(states) <= {"saved", "live"}:
            assert [_editor_text(page) for page in pages] == texts  # the editors show it too
            return texts[0]
        if time.monotonic() > deadline:
            raise AssertionError(f"no agreement: states {states}, texts {texts}")
        time.sleep(0.25)


def _type_together(pages, lines, seconds: float) -> None:
    """Every page types at once for ``seconds``, page i at the end of line ``lines[i]``."""
    for index, (page, line) in enumerate(zip(pages, lines, strict=True)):
        page.evaluate(f"window.__robot.place({line})")
        page.evaluate(f"window.__robot.start({ALPHABETS[index]!r}, {35 + 7 * index})")
    time.sleep(seconds)
    for page in pages:
        page.evaluate("window.__robot.stop()")


def _assert_everything_typed(text: str, pages, earlier: dict | None = None) -> None:
    """Each page's characters are all in ``text``, each run of them in the order typed
    (``earlier``: page index → runs typed in a page of that context since closed)."""
    for index, page in enumerate(pages):
        alphabet = set(ALPHABETS[index])
        mine = "".join(ch for ch in text if ch in alphabet)
        typed = (earlier or {}).get(index, []) + page.evaluate("window.__bursts")
        bursts = [burst for burst in typed if burst]
        assert bursts, f"page {index} typed nothing"
        assert Counter(mine) == Counter("".join(bursts)), f"page {index} lost characters"
        for burst in bursts:
            rest = iter(mine)
            assert all(ch in rest for ch in burst), f"page {index}: {burst!r} out of order"
    assert "".join(ch for ch in text if not any(ch in a for a in ALPHABETS)) == SEED


def test_four_members_type_at_once_offline_and_through_a_restart(
    browser_as, cohort, tutor, members, live_server_process
):
    group, people = run_in_thread(_setup, cohort, tutor)
    assert len(people) == 4

    # Two members first: one types the seed with the keyboard, the other sees it arrive.
    first = _open(browser_as, people[0], group)
    second = _open(browser_as, people[1], group)
    first.locator(".cm-content").click()
    first.keyboard.type(SEED)
    expect(second.locator(".cm-content")).to_contain_text("stuv")
    _settle([first, second])

    _type_together([first, second], [1, 3], PHASE)  # different paragraphs
    _type_together([first, second], [5, 5], PHASE)  # the same one
    _assert_everything_typed(_settle([first, second]), [first, second])

    # Four: the two others join, and one of the four goes offline for a while mid-way.
    third = _open(browser_as, people[2], group)
    fourth = _open(browser_as, people[3], group)
    pages = [first, second, third, fourth]
    assert len({_text(page) for page in pages}) == 1
    for index, page in enumerate(pages):
        page.evaluate(f"window.__robot.place({[1, 3, 5, 7][index]})")
        page.evaluate(f"window.__robot.start({ALPHABETS[index]!r}, {35 + 7 * index})")
    time.sleep(PHASE / 2)
    third.context.set_offline(True)
    expect(third.locator("[data-when=offline]")).to_be_visible()
    time.sleep(OFFLINE / 2)
    for page in pages:  # all into the same paragraph now
        page.evaluate("window.__robot.place(3)")
    time.sleep(OFFLINE / 2)
    # What it typed offline is kept in the browser (IndexedDB): the page can even be closed and
    # opened again once the network is back, and it merges then.
    third.evaluate("window.__robot.stop()")
    third.wait_for_timeout(1000)
    earlier = {2: third.evaluate("window.__bursts")}
    context = third.context
    third.close()
    context.set_offline(False)
    third = pages[2] = _open(browser_as, people[2], group, page=context.new_page())
    time.sleep(PHASE / 2)
    for page in pages:
        page.evaluate("window.__robot.stop()")
    expect(third.locator("[data-when=saved]")).to_be_visible(timeout=15_000)
    _assert_everything_typed(_settle(pages), pages, earlier)

    # A restart: everything the pages were told was saved is there afterwards, from the server's
    # store alone (the pages are offline meanwhile, and type on).
    saved = _settle(pages)
    for page in pages:
        page.context.set_offline(True)
    _type_together(pages, [1, 3, 5, 7], PHASE / 2)
    live_server_process.restart()
    fresh = _open(browser_as, people[0], group)  # a new context: nothing kept in its browser
    expect(fresh.locator("[data-when=saved]")).to_be_visible()
    assert _text(fresh) == saved
    for page in pages:
        page.context.set_offline(False)
    final = _settle([*pages, fresh])
    _assert_everything_typed(final, pages, earlier)

    for page in [*pages, fresh]:
        assert _csp_refusals(page.problems) == [], page.problems


def test_presence_read_only_tutor_and_axe(browser_as, cohort, tutor, members):
    group, people = run_in_thread(_setup, cohort, tutor, 0)
    first = _open(browser_as, people[0], group)
    second = _open(browser_as, people[1], group)
    first.locator(".cm-content").click()
    first.keyboard.type("# Our plan\n\nMeet them at the door.")
    expect(second.locator(".cm-content")).to_contain_text("Meet them at the door.")
    second.locator(".cm-content").click()
    second.keyboard.press("Control+Home")
    second.keyboard.press("Shift+End")  # selects the heading

    # Who is here, and where: the names the group sees, set as text.
    present = first.locator("[data-editor-presence] li")
    expect(present).to_have_text(["Member 1 (you)", "Member 2"])
    expect(first.locator(".cm-peer-name")).to_have_text("Member 2")
    expect(first.locator(".cm-peer-selection")).to_have_text("# Our plan")
    expect(second.locator(".cm-peer-name")).to_have_text("Member 1")
    expect(first.locator("[data-when=saved]")).to_be_visible()
    assert axe_violations(first, axe_source()) == []

    # A tutor sees the text and everyone's cursors, live, and cannot change it.
    watcher = _open(browser_as, tutor, group)
    expect(watcher.locator("[data-when=live]")).to_be_visible()
    expect(watcher.locator(".cm-content")).to_have_attribute("aria-readonly", "true")
    expect(watcher.locator(".cm-content")).to_contain_text("Meet them at the door.")
    watcher.locator(".cm-content").click()
    watcher.keyboard.type("The tutor's words")
    first.keyboard.type(" Then a Do Now task.")
    expect(watcher.locator(".cm-content")).to_contain_text("door. Then a Do Now task.")
    assert "tutor's words" not in _text(watcher)
    expect(first.locator("[data-editor-presence] li")).to_have_text(
        ["Member 1 (you)", "Member 2", "Tessa Tutor"]
    )
    assert axe_violations(watcher, axe_source()) == []

    # Someone leaving leaves the list.
    second.close()
    expect(first.locator("[data-editor-presence] li")).to_have_text(
        ["Member 1 (you)", "Tessa Tutor"]
    )
    expect(first.locator(".cm-peer-name")).to_have_text(["Tessa Tutor"])
    for page in (first, watcher):
        assert _csp_refusals(page.problems) == [], page.problems


def test_without_javascript_the_page_shows_the_text_and_history(
    chromium, live_url, browser_as, cohort, tutor, members
):
    group, people = run_in_thread(_setup, cohort, tutor, 0)
    writer = _open(browser_as, people[0], group)
    writer.locator(".cm-content").click()
    writer.keyboard.type("Meet them at the door.")
    expect(writer.locator("[data-when=saved]")).to_be_visible()

    context = chromium.new_context(base_url=live_url, java_script_enabled=False)
    try:
        name, _, value = session_cookie_for(people[1]).partition("=")
        context.add_cookies([{"name": name, "value": value, "url": live_url}])
        page = context.new_page()
        # The server follows the document into the solution's text a moment after typing stops.
        deadline = time.monotonic() + 15
        while True:
            page.goto(f"/scenarios/groups/{group.pk}/")
            box = page.get_by_label("Solution text")
            if box.input_value() == "Meet them at the door." or time.monotonic() > deadline:
                break
            time.sleep(1)
        expect(box).to_have_value("Meet them at the door.")
        expect(page.locator("[data-editor-mount]")).to_be_hidden()
        expect(page.get_by_role("heading", name="History")).to_be_visible()
    finally:
        context.close()


STORES = """async () => (await indexedDB.databases())
  .map((db) => db.name).filter((name) => name.startsWith("staffroom-solution-"))"""


def test_signing_out_deletes_the_offline_copy_kept_in_the_browser(browser_as, cohort, tutor):
    """On a shared computer the next person finds no copy of the solution: the editor keeps
    one in IndexedDB for offline writing, and the sign-out response clears the site's storage."""
    group, people = run_in_thread(_setup, cohort, tutor, 0)
    page = _open(browser_as, people[0], group)
    page.locator(".cm-content").click()
    page.keyboard.type("Kept for offline writing")
    expect(page.locator("[data-when=saved]")).to_be_visible()
    assert page.evaluate(STORES) == [f"staffroom-solution-{group.pk}-{people[0].pk}"]
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("link", name="Sign in").first).to_be_visible()
    assert page.evaluate(STORES) == []
