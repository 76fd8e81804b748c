"""The group's solution as a live Yjs document (issue 22): the store, compaction, versions with
their authors, restoring, and the ``Solution.body`` that follows the document.

The store (pycrdt's store idea, on PostgreSQL): a document is ``Solution.crdt_snapshot`` (one
Yjs update holding everything compacted) plus the ``SolutionUpdate`` rows since, each with its
author. ``store_update`` commits a change before the socket that sent it tells anyone
(``scenarios.consumers``), so a restart loses nothing a client was told of; loading is the
snapshot and the rows after it, applied in any order (Yjs updates commute).

Versions: ``take_version`` claims the rows no version has yet (``SolutionUpdate.version``),
replays them over the document as it was to count, per author, the characters each inserted
and deleted, writes the text as the new ``SolutionVersion`` and then compacts: the claimed rows
are merged into the snapshot and deleted (the counts live on in the version). Every store and
every version locks the solution row, so a version claims exactly the rows it replayed.

Restoring a version (and a save from the no-JavaScript form) is a new change: the difference
between the current text and the wanted one as Y.Text edits (``difflib``), stored like any
other update and sent to the open sockets, never a rewrite of what is stored.
"""

from __future__ import annotations

import difflib
from collections import defaultdict

from django.db import connection, transaction
from django.utils import timezone
from pycrdt import Doc, Text

from mentoring.core.errors import Conflict, Forbidden, Invalid, NotFound
from mentoring.core.rendering import render_markdown
from mentoring.models import Membership, ResourceView, User
from mentoring.participation.services.counters import record_resource_view
from mentoring.rules.coediting import SolutionAccess, SolutionFacts, solution_access
from mentoring.rules.permissions import cohort_is_writable, is_tutor
from scenarios import events
from scenarios.models import GroupMember, ScenarioGroup, Solution, SolutionUpdate, SolutionVersion

TEXT_NAME = "solution"
MAX_DOCUMENT_BYTES = 1_000_000
MAX_UPDATE_BYTES = 256 * 1024
# A Yjs update that changes nothing (what a client with nothing new sends in sync step 2).
EMPTY_UPDATE = b"\x00\x00"

# Close codes of the live socket (docs/coediting.md).
BAD_UPDATE = 4400  # bytes that are not a Yjs message/update
FORBIDDEN = 4403
# Not a close code: an update refused because the solution became read-only (submitted, the
# release closed) is dropped and the socket told "read-only" (y-protocols' auth message).
READ_ONLY = 4409
TOO_LARGE = 4413  # an update over 256 KB, or one that would take the document over 1 MB


class UpdateRefused(Exception):
    """An update not stored; the socket closes with ``code``."""

    def __init__(self, code: int, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


# --- Who may do what --------------------------------------------------------------------------
def facts_for(user: User, group: ScenarioGroup, solution: Solution | None = None) -> SolutionFacts:
    release = group.release
    cohort = release.cohort
    now = timezone.now()
    member = (
        user.is_authenticated
        and GroupMember.objects.filter(group=group, user=user).exists()
        and Membership.objects.filter(
            cohort=cohort, user=user, role=Membership.Role.MEMBER
        ).exists()
    )
    solution = solution if solution is not None else Solution.objects.get(group=group)
    return SolutionFacts(
        is_group_member=member,
        is_tutor=is_tutor(user, cohort),
        release_opened=release.opens_at <= now,
        release_open=release.is_open(now),
        submitted=solution.is_submitted,
        cohort_writable=cohort_is_writable(cohort),
    )


def access_to(user: User, group_id: int) -> tuple[SolutionAccess, int | None]:
    """(what ``user`` may do with the group's live solution, the group's cohort id)."""
    group = (
        ScenarioGroup.objects.select_related("release__cohort").filter(pk=group_id).first()
        if user.is_authenticated
        else None
    )
    if group is None:
        return SolutionAccess.NONE, None
    return solution_access(facts_for(user, group)), group.release.cohort_id


# --- The document -----------------------------------------------------------------------------
def new_doc() -> Doc:
    doc = Doc()
    doc[TEXT_NAME] = Text()
    return doc


def text_of(doc: Doc) -> str:
    return str(doc.get(TEXT_NAME, type=Text))


def check_update(update: bytes) -> None:
    """Refuse bytes that are not a Yjs update, or too large, before anything is stored."""
    if len(update) > MAX_UPDATE_BYTES:
        raise UpdateRefused(TOO_LARGE, "An update can be at most 256 KB.")
    try:
        Doc().apply_update(update)
    except Exception as error:  # pycrdt raises ValueError; anything else is as bad
        raise UpdateRefused(BAD_UPDATE, "That is not a Yjs update.") from error


def _seed(solution: Solution) -> None:
    """A solution written before the live document (or in tests) starts as its ``body``: the
    seed goes straight into the snapshot (the text is already the latest version)."""
    doc = new_doc()
    if solution.body:
        doc.get(TEXT_NAME, type=Text).insert(0, solution.body)
    solution.crdt_snapshot = doc.get_update()
    Solution.objects.filter(pk=solution.pk).update(crdt_snapshot=solution.crdt_snapshot)


def _locked(group_id: int) -> Solution:
    solution = (
        Solution.objects.select_for_update(of=("self",))
        .select_related("group__release__cohort")
        .filter(group_id=group_id)
        .first()
    )
    if solution is None:
        raise NotFound("There is no such group.")
    if not solution.crdt_snapshot:
        _seed(solution)
    return solution


def _snapshot(solution: Solution) -> bytes:
    return bytes(solution.crdt_snapshot)


def load_doc(solution: Solution) -> Doc:
    """The document as stored: the snapshot and every update after it."""
    doc = Doc()
    doc[TEXT_NAME] = Text()
    doc.apply_update(_snapshot(solution))
    for data in SolutionUpdate.objects.filter(solution=solution).values_list("data", flat=True):
        doc.apply_update(bytes(data))
    return doc


@transaction.atomic
def load_state(group_id: int) -> bytes:
    """The whole stored document as one Yjs update (what a socket starts from)."""
    solution = _locked(group_id)
    return load_doc(solution).get_update()


def stored_text(group_id: int) -> str:
    with transaction.atomic():
        return text_of(load_doc(_locked(group_id)))


# One round trip per keystroke: the update is inserted only if, at that moment, its author may
# write (``mentoring.rules.coediting``: still in the group and the cohort, the release open, the
# solution a draft, the cohort not archived). ``FOR SHARE`` of the solution row lets members'
# updates go in side by side while a version (``FOR UPDATE``) waits for them, and they for it.
_STORE_IF_WRITABLE = """
WITH writable AS (
    SELECT s.id FROM scenarios_solution s
    JOIN scenarios_scenariogroup g ON g.id = s.group_id
    JOIN scenarios_release r ON r.id = g.release_id
    JOIN mentoring_cohort c ON c.id = r.cohort_id
    JOIN mentoring_user u ON u.id = %(user)s AND u.is_active
    WHERE s.group_id = %(group)s AND s.status = 'draft' AND octet_length(s.crdt_snapshot) > 0
      AND r.opens_at <= %(now)s AND (r.closes_at IS NULL OR r.closes_at > %(now)s)
      AND c.archived_at IS NULL
      AND EXISTS (SELECT 1 FROM scenarios_groupmember gm
                  WHERE gm.group_id = g.id AND gm.user_id = %(user)s)
      AND EXISTS (SELECT 1 FROM mentoring_membership m
                  WHERE m.cohort_id = c.id AND m.user_id = %(user)s AND m.role = 'member')
    FOR SHARE OF s
)
INSERT INTO scenarios_solutionupdate (solution_id, data, author_id, created_at, version_id)
SELECT id, %(data)s, %(user)s, %(now)s, NULL FROM writable
RETURNING id
"""


def _insert_if_writable(group_id: int, user: User, update: bytes) -> int | None:
    with connection.cursor() as cursor:
        cursor.execute(
            _STORE_IF_WRITABLE,
            {"group": group_id, "user": user.pk, "data": update, "now": timezone.now()},
        )
        row = cursor.fetchone()
    return row[0] if row is not None else None


def store_update(*, group_id: int, user: User, update: bytes) -> int:
    """Commit one update from a member before it is applied or sent on; returns its id.

    The socket already checked the bytes (``check_update``) and the document's size; here, in
    the statement that stores it, the member is asked again whether they may write (a
    submission, the release closing or a move to another group may have happened since the
    socket opened). Refused: ``UpdateRefused`` with ``READ_ONLY`` or ``FORBIDDEN``."""
    stored = _insert_if_writable(group_id, user, update)
    if stored is not None:
        return stored
    with transaction.atomic():
        solution = _locked(group_id)  # seeds a document never opened before
        access = solution_access(facts_for(user, solution.group, solution))
    if access is SolutionAccess.WRITE:  # it was only the seed missing
        stored = _insert_if_writable(group_id, user, update)
        if stored is not None:
            return stored
    if access is SolutionAccess.READ:
        raise UpdateRefused(READ_ONLY, "This solution can't be changed now.")
    raise UpdateRefused(FORBIDDEN, "You can no longer change this solution.")


# --- Edits made on the server (restore, the form) ---------------------------------------------
def _text_edit(doc: Doc, new_text: str) -> bytes:
    """Turn the document's text into ``new_text`` with the fewest Y.Text edits difflib finds;
    returns the update (empty when nothing changed)."""
    text = doc.get(TEXT_NAME, type=Text)
    old = str(text)
    if old == new_text:
        return b""
    before = doc.get_state()
    matcher = difflib.SequenceMatcher(a=old, b=new_text, autojunk=False)
    with doc.transaction():
        # From the end, so earlier offsets stay valid.
        for tag, i1, i2, j1, j2 in reversed(matcher.get_opcodes()):
            if tag == "equal":
                continue
            if i2 > i1:
                del text[i1:i2]
            if j2 > j1:
                text.insert(i1, new_text[j1:j2])
    return doc.get_update(before)


def store_text(solution: Solution, *, user: User, new_text: str) -> bytes:
    """In the caller's transaction, ``solution`` locked and checked (``save_solution``)."""
    if not solution.crdt_snapshot:
        _seed(solution)
    return _store_text(solution, user=user, new_text=new_text)


def take_version_now(solution: Solution, *, kind: str, by: User) -> SolutionVersion:
    """In the caller's transaction, ``solution`` locked and checked (``save_solution``)."""
    version = _take_version(solution, kind=kind, by=by, always=True)
    assert version is not None
    return version


def _store_text(solution: Solution, *, user: User, new_text: str) -> bytes:
    doc = load_doc(solution)
    update = _text_edit(doc, new_text)
    if not update:
        return b""
    if len(doc.get_update()) > MAX_DOCUMENT_BYTES:
        raise Invalid("too_large", "The solution would be over 1 MB.")
    SolutionUpdate.objects.create(solution=solution, data=update, author=user)
    events.solution_document_changed(group_id=solution.group_id, update=update)
    return update


def _writable_for(user: User, solution: Solution) -> None:
    access = solution_access(facts_for(user, solution.group, solution))
    if access is SolutionAccess.WRITE:
        return
    if access is SolutionAccess.NONE:
        raise NotFound("There is no such group.")
    if solution.is_submitted:
        raise Conflict("already_submitted", "Your group has already submitted its solution.")
    raise Forbidden("read_only", "This solution can't be changed now.")


@transaction.atomic
def write_text(*, group: ScenarioGroup, user: User, text: str) -> Solution:
    """Replace the text with ``text`` as a change of ``user``'s (the form without JavaScript):
    edits that others make meanwhile are kept, merged like any two live edits."""
    solution = _locked(group.pk)
    _writable_for(user, solution)
    _store_text(solution, user=user, new_text=text)
    return _sync_body(solution, by=user)


@transaction.atomic
def restore_version(*, group: ScenarioGroup, user: User, number: int) -> SolutionVersion:
    """Bring back version ``number``'s text as a new change by ``user``, then a version of it."""
    solution = _locked(group.pk)
    _writable_for(user, solution)
    old = SolutionVersion.objects.filter(solution=solution, number=number).first()
    if old is None:
        raise NotFound("There is no such version.")
    _store_text(solution, user=user, new_text=old.body)
    version = _take_version(solution, kind=SolutionVersion.Kind.RESTORE, by=user, always=True)
    assert version is not None
    return version


# --- Body, versions and compaction ------------------------------------------------------------
def _sync_body(solution: Solution, *, by: User | None = None, doc: Doc | None = None) -> Solution:
    text = text_of(doc if doc is not None else load_doc(solution))
    if text == solution.body:
        return solution
    solution.body = text
    solution.body_html = render_markdown(text)
    solution.updated_at = timezone.now()
    fields = ["body", "body_html", "updated_at"]
    if by is not None:
        solution.updated_by = by
        fields.append("updated_by")
    solution.save(update_fields=fields)
    return solution


@transaction.atomic
def sync_body(*, group_id: int) -> Solution:
    """``Solution.body``/``body_html`` from the document (called a little after typing stops)."""
    solution = _locked(group_id)
    last = SolutionUpdate.objects.filter(solution=solution).order_by("-id").first()
    return _sync_body(solution, by=last.author if last is not None else None)


def _count(doc: Doc, updates: list[SolutionUpdate]) -> list[dict]:
    """Replay ``updates`` over ``doc``: characters inserted and deleted per author."""
    text = doc.get(TEXT_NAME, type=Text)
    counts: dict[int | None, list[int]] = defaultdict(lambda: [0, 0])
    current: list[int | None] = [None]

    def observe(event) -> None:
        for op in event.delta:
            if "insert" in op:
                counts[current[0]][0] += len(op["insert"])
            elif "delete" in op:
                counts[current[0]][1] += op["delete"]

    subscription = text.observe(observe)
    try:
        for row in updates:
            current[0] = row.author_id
            doc.apply_update(bytes(row.data))
    finally:
        text.unobserve(subscription)
    shares = [
        {"user_id": user_id, "inserted": inserted, "deleted": deleted}
        for user_id, (inserted, deleted) in counts.items()
        if inserted or deleted
    ]
    return sorted(shares, key=lambda share: (-share["inserted"], -share["deleted"]))


def _take_version(
    solution: Solution, *, kind: str, by: User | None = None, always: bool = False
) -> SolutionVersion | None:
    updates = list(SolutionUpdate.objects.filter(solution=solution, version__isnull=True))
    if not updates and not always:
        return None
    doc = Doc()
    doc[TEXT_NAME] = Text()
    doc.apply_update(_snapshot(solution))
    shares = _count(doc, updates)
    text = text_of(doc)
    last = solution.versions.order_by("-number").first()
    if not always and last is not None and last.body == text and not shares:
        return None
    now = timezone.now()
    author = by
    if author is None and shares and shares[0]["user_id"] is not None:
        author = User.objects.filter(pk=shares[0]["user_id"]).first()
    solution.version += 1
    version = SolutionVersion.objects.create(
        solution=solution,
        number=solution.version,
        body=text,
        author=author,
        created_at=now,
        kind=kind,
        contributions=shares,
    )
    Solution.objects.filter(pk=solution.pk).update(version=solution.version)
    _sync_body(solution, by=author, doc=doc)
    # Compaction: what the version now holds goes into the snapshot.
    solution.crdt_snapshot = doc.get_update()
    Solution.objects.filter(pk=solution.pk).update(crdt_snapshot=solution.crdt_snapshot)
    SolutionUpdate.objects.filter(pk__in=[row.pk for row in updates]).delete()
    return version


@transaction.atomic
def take_version(
    *, group_id: int, kind: str = SolutionVersion.Kind.PAUSE, by: User | None = None
) -> SolutionVersion | None:
    """A version of what changed since the last one (None if nothing did). On demand
    (``by``), only the group's members and tutors may ask."""
    solution = _locked(group_id)
    if by is not None:
        access = solution_access(facts_for(by, solution.group, solution))
        if access is SolutionAccess.NONE:
            raise NotFound("There is no such group.")
        if access is not SolutionAccess.WRITE:
            raise Forbidden(
                "read_only", "Only the group's members take versions, while it is open."
            )
    return _take_version(solution, kind=kind, by=by)


def version_for_submission(solution: Solution, *, by: User) -> SolutionVersion | None:
    """In ``submit_solution``'s transaction (the solution locked): the version being submitted,
    taken now if the text changed since the last one."""
    if not solution.crdt_snapshot:
        _seed(solution)
    taken = _take_version(solution, kind=SolutionVersion.Kind.SUBMIT, by=by)
    if taken is not None:
        return taken
    return solution.versions.order_by("-number").first()


def shares_of(solution: Solution) -> list[dict]:
    """Who wrote which share of the solution: characters inserted per author over every
    version (a save before the live document counts as its author's whole text change)."""
    totals: dict[int | None, int] = defaultdict(int)
    previous = ""
    for version in solution.versions.order_by("number"):
        if version.contributions:
            for share in version.contributions:
                totals[share["user_id"]] += share["inserted"]
        elif version.kind == SolutionVersion.Kind.SAVE:
            totals[version.author_id] += max(0, len(version.body) - len(previous))
        previous = version.body
    total = sum(totals.values()) or 1
    names = {user.pk: user.shown_name for user in User.objects.filter(pk__in=list(totals))}
    rows = [
        {
            "user_id": user_id,
            "name": names.get(user_id, "Someone") if user_id is not None else "Someone",
            "characters": count,
            "percent": round(100 * count / total),
        }
        for user_id, count in totals.items()
        if count
    ]
    return sorted(rows, key=lambda row: -row["characters"])


# --- Participation ----------------------------------------------------------------------------
RESOURCE_SOLUTION = "solution_writing"
# Typing counts once per member per group in this window: a writing session, not keystrokes.
WRITING_WINDOW_SECONDS = 600


@transaction.atomic
def record_writing(*, user_id: int, group_id: int, now=None) -> bool:
    """Count a member's typing into the group's solution as contributing to the scenario (the
    dashboard's resource activity and last seen), at most once per ``WRITING_WINDOW_SECONDS``
    however many keystrokes and sockets: the sockets call this at most once per window too."""
    now = now or timezone.now()
    group = ScenarioGroup.objects.select_related("release__cohort").filter(pk=group_id).first()
    user = User.objects.filter(pk=user_id).first()
    if group is None or user is None:
        return False
    recent = ResourceView.objects.filter(
        user_id=user_id,
        cohort=group.release.cohort,
        resource_kind=RESOURCE_SOLUTION,
        resource_id=str(group_id),
        created_at__gt=now - timezone.timedelta(seconds=WRITING_WINDOW_SECONDS),
    ).exists()
    if recent:
        return False
    return record_resource_view(
        user=user,
        cohort=group.release.cohort,
        resource_kind=RESOURCE_SOLUTION,
        resource_id=group_id,
    )
