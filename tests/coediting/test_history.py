"""History of the live solution (issue 22): versions with who changed what, compaction into the
snapshot, restoring as a new change, the pages without JavaScript, submitting a version with
each member's share and feedback on that version, participation counted per writing session."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from pycrdt import Doc, Text

from mentoring.core.errors import Forbidden
from mentoring.models import Membership, ResourceView
from scenarios.models import Feedback, Solution, SolutionUpdate, SolutionVersion
from scenarios.services import coediting
from scenarios.services.solutions import give_feedback
from tests.factories import signed_in

pytestmark = pytest.mark.django_db


class Writer:
    """A member's editor: its own Yjs document, in step with what is stored."""

    def __init__(self, group, user) -> None:
        self.group, self.user = group, user
        self.doc = Doc()
        self.text = self.doc.get("solution", type=Text)
        self.doc.apply_update(coediting.load_state(group.pk))

    def type(self, index: int, text: str) -> None:
        before = self.doc.get_state()
        self.text.insert(index, text)
        coediting.store_update(
            group_id=self.group.pk, user=self.user, update=self.doc.get_update(before)
        )

    def delete(self, start: int, end: int) -> None:
        before = self.doc.get_state()
        del self.text[start:end]
        coediting.store_update(
            group_id=self.group.pk, user=self.user, update=self.doc.get_update(before)
        )

    def pull(self) -> None:
        self.doc.apply_update(coediting.load_state(self.group.pk))


def test_a_version_says_who_changed_what_and_compacts_the_updates(group, members):
    alice, bob = Writer(group, members[0]), Writer(group, members[1])
    for letter in "Hello":
        alice.type(len(alice.text), letter)
    bob.pull()
    bob.type(5, " world")
    bob.delete(0, 1)
    assert SolutionUpdate.objects.filter(solution__group=group).count() == 7

    version = coediting.take_version(group_id=group.pk)
    assert version.number == 1 and version.body == "ello world"
    assert version.kind == SolutionVersion.Kind.PAUSE
    assert version.contributions == [
        {"user_id": members[1].pk, "inserted": 6, "deleted": 1},
        {"user_id": members[0].pk, "inserted": 5, "deleted": 0},
    ]
    assert version.author == members[1]  # the biggest share
    # Compacted: no update left, the snapshot holds the text, and the body follows it.
    assert not SolutionUpdate.objects.filter(solution__group=group).exists()
    assert coediting.stored_text(group.pk) == "ello world"
    solution = Solution.objects.get(group=group)
    assert solution.body == "ello world" and solution.version == 1
    # Nothing new: no version.
    assert coediting.take_version(group_id=group.pk) is None
    alice.pull()
    alice.type(0, "H")
    second = coediting.take_version(
        group_id=group.pk, kind=SolutionVersion.Kind.ON_DEMAND, by=members[2]
    )
    assert second.number == 2 and second.body == "Hello world"
    assert second.author == members[2]
    assert second.contributions == [{"user_id": members[0].pk, "inserted": 1, "deleted": 0}]


def test_tutors_cannot_take_versions(group, tutor):
    with pytest.raises(Forbidden):
        coediting.take_version(group_id=group.pk, kind="on_demand", by=tutor)


def test_sync_body_follows_the_document_without_a_version(group, members):
    alice = Writer(group, members[0])
    alice.type(0, "# Plan\n\n**bold**")
    solution = coediting.sync_body(group_id=group.pk)
    assert solution.body == "# Plan\n\n**bold**" and "<strong>bold</strong>" in solution.body_html
    assert solution.updated_by == members[0]
    assert not solution.versions.exists()


def test_restoring_is_a_new_change_that_keeps_the_history(group, members):
    alice = Writer(group, members[0])
    alice.type(0, "First idea.\nShared line.")
    coediting.take_version(group_id=group.pk)
    alice.delete(0, len("First idea."))
    alice.type(0, "Second idea.")
    coediting.take_version(group_id=group.pk)
    assert coediting.stored_text(group.pk) == "Second idea.\nShared line."

    restored = coediting.restore_version(group=group, user=members[1], number=1)
    assert restored.number == 3 and restored.kind == SolutionVersion.Kind.RESTORE
    assert restored.body == "First idea.\nShared line."
    assert coediting.stored_text(group.pk) == "First idea.\nShared line."
    assert list(
        SolutionVersion.objects.filter(solution__group=group).values_list("number", "body")
    ) == [
        (3, "First idea.\nShared line."),
        (2, "Second idea.\nShared line."),
        (1, "First idea.\nShared line."),
    ]
    # Only the differing words were edited, by the restorer.
    (share,) = restored.contributions
    assert share["user_id"] == members[1].pk and share["inserted"] < len("First idea.")
    # An editor still holding the old state merges the restore like any edit.
    alice.pull()
    assert str(alice.text) == "First idea.\nShared line."


def test_history_pages_show_versions_and_differences_without_javascript(group, members, tutor):
    alice = Writer(group, members[0])
    alice.type(0, "Keep calm.\nCall home.")
    coediting.take_version(group_id=group.pk)
    alice.delete(len("Keep calm.\n"), len("Keep calm.\nCall home."))
    alice.type(len(alice.text), "Phone the parents.")
    coediting.take_version(group_id=group.pk)
    base = f"/scenarios/groups/{group.pk}/versions/"
    for user in (members[1], tutor):
        client = signed_in(user)
        history = client.get(base).content.decode()
        assert "Version 2" in history and "Version 1" in history
        assert "Member 1 +" in history  # who changed what
        assert "Phone the parents." in history  # the current text
        page = client.get(base + "2/").content.decode()
        assert "<del>- Call home.</del>" in page and "<ins>+ Phone the parents.</ins>" in page
        assert ("Restore version 2" in page) == (user != tutor)
        fragment = client.get(base + "?fragment=1").content.decode()
        assert fragment.lstrip().startswith('<div id="solution-history">')
    assert signed_in(members[1]).get(base + "9/").status_code == 404
    assert signed_in(members[1]).get(base + "2/?against=x").status_code == 400
    workspace = signed_in(members[1]).get(f"/scenarios/groups/{group.pk}/").content.decode()
    assert 'id="solution-history"' in workspace and "Phone the parents." in workspace

    response = signed_in(members[1]).post(base + "1/restore/")
    assert response.status_code == 302
    assert coediting.stored_text(group.pk) == "Keep calm.\nCall home."
    response = signed_in(tutor).post(base + "2/restore/", follow=True)
    assert "be changed now" in response.content.decode()
    assert coediting.stored_text(group.pk) == "Keep calm.\nCall home."


def test_submit_shows_the_version_and_shares_and_feedback_attaches_to_it(group, members, tutor):
    alice, bob = Writer(group, members[0]), Writer(group, members[1])
    alice.type(0, "aaaaaaaaaaaaaaa")  # 15 characters
    bob.pull()
    bob.type(15, "bbbbb")  # 5
    client = signed_in(members[2])
    # The page showed no version yet (0): what was typed becomes version 1 to confirm.
    response = client.post(f"/scenarios/groups/{group.pk}/submit/", {"version": 0})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Yes, submit version 1" in html
    assert "Member 1: 75%" in html and "Member 2: 25%" in html
    # Typing after the confirmation page: the confirmed version is stale, nothing submitted.
    alice.pull()
    alice.type(0, "late ")
    response = client.post(
        f"/scenarios/groups/{group.pk}/submit/", {"version": 1, "confirm": 1}, follow=True
    )
    assert "nothing was submitted" in response.content.decode()
    assert not Solution.objects.get(group=group).is_submitted
    response = client.post(f"/scenarios/groups/{group.pk}/submit/", {"version": 2, "confirm": 1})
    assert response.status_code == 302
    solution = Solution.objects.get(group=group)
    assert solution.is_submitted and solution.version == 2
    assert solution.body == "late aaaaaaaaaaaaaaabbbbb"
    feedback = give_feedback(solution=solution, tutor=tutor, body="Good.")
    assert feedback.version.number == 2
    page = signed_in(members[0]).get(f"/scenarios/groups/{group.pk}/").content.decode()
    assert "on <a" in page and "version 2</a>" in page
    assert Feedback.objects.get().version.body == solution.body


def test_typing_counts_once_per_writing_session(group, members):
    membership = Membership.objects.get(cohort=group.release.cohort, user=members[0])
    now = timezone.now()
    assert coediting.record_writing(user_id=members[0].pk, group_id=group.pk, now=now)
    for seconds in (1, 60, 599):
        assert not coediting.record_writing(
            user_id=members[0].pk, group_id=group.pk, now=now + timedelta(seconds=seconds)
        )
    membership.refresh_from_db()
    assert membership.resource_views == 1 and membership.last_seen_at is not None
    later = timezone.now() + timedelta(seconds=coediting.WRITING_WINDOW_SECONDS + 1)
    assert coediting.record_writing(user_id=members[0].pk, group_id=group.pk, now=later)
    assert ResourceView.objects.filter(resource_kind="solution_writing").count() == 2
