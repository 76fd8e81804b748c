"""Demo people and cohorts for ``seed_demo``. Idempotent: running it again changes nothing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from allauth.account.models import EmailAddress
from django.db import transaction
from django.utils import timezone

from mentoring.boards.services.moderation import flag_post
from mentoring.boards.services.posts import create_post, create_thread
from mentoring.boards.services.scheduling import schedule_thread
from mentoring.cohorts.services import add_membership, create_cohort
from mentoring.invitations.services.invitations import invite_emails
from mentoring.models import (
    Board,
    Cohort,
    Invitation,
    Membership,
    Post,
    ReadEvent,
    Thread,
    ThreadReadState,
    User,
)
from mentoring.participation.services.counters import (
    rebuild_counters,
    record_resource_view,
    record_thread_read,
)

DEMO_PASSWORD = "staffroom-demo"
INDUCTION_COHORT = "NQT Induction 2026"
MASTERS_COHORT = "MA Education 2026"

NQT_NAMES = [
    "Amira Hussain",
    "Ben Carter",
    "Chloe Evans",
    "Daniel Okafor",
    "Ella Murphy",
    "Finn Walsh",
    "Grace Lee",
    "Harry Patel",
    "Isla Thompson",
    "Jack Nowak",
    "Keira Brown",
    "Liam O'Connor",
]
MA_NAMES = ["Maya Singh", "Noah Williams", "Olivia Chen", "Priya Sharma"]


@dataclass
class DemoPeople:
    admin: User
    tutor: User
    nqts: list[User]
    masters_students: list[User]
    induction: Cohort
    masters: Cohort


def _user(username: str, display_name: str, *, staff: bool = False) -> User:
    user, created = User.objects.get_or_create(
        username=username,
        defaults={
            "display_name": display_name,
            "email": f"{username}@staffroom.test",
            "is_staff": staff,
            "is_superuser": staff and username == "admin",
        },
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    if user.email:
        # Demo addresses count as verified, so e-mail sign-in and resets work for them at once.
        EmailAddress.objects.get_or_create(
            user=user, email=user.email, defaults={"verified": True, "primary": True}
        )
    return user


def _cohort(name: str, kind: str, tutor: User) -> Cohort:
    cohort = Cohort.objects.filter(name=name).first()
    if cohort is None:
        cohort = create_cohort(name=name, kind=kind, tutors=[tutor])
    return cohort


@transaction.atomic
def seed_people() -> DemoPeople:
    admin = _user("admin", "Site administrator", staff=True)
    tutor = _user("tutor", "Dr Sarah Hughes (tutor)", staff=True)
    nqts = [_user(f"nqt{i}", name) for i, name in enumerate(NQT_NAMES, start=1)]
    students = [_user(f"ma{i}", name) for i, name in enumerate(MA_NAMES, start=1)]
    induction = _cohort(INDUCTION_COHORT, Cohort.Kind.INDUCTION, tutor)
    masters = _cohort(MASTERS_COHORT, Cohort.Kind.MASTERS, tutor)
    if not induction.allow_anonymous_to_peers:
        Cohort.objects.filter(pk=induction.pk).update(allow_anonymous_to_peers=True)
        induction.allow_anonymous_to_peers = True
    for cohort, people in ((induction, nqts), (masters, students)):
        already = set(Membership.objects.filter(cohort=cohort).values_list("user_id", flat=True))
        for person in people:
            if person.pk not in already:
                add_membership(cohort=cohort, user=person, role=Membership.Role.MEMBER)
    return DemoPeople(admin, tutor, nqts, students, induction, masters)


DEMO_THREADS = [
    (
        "nqt1",
        "Year 9 after lunch: what works for you?",
        "My Year 9 group comes back from lunch buzzing and it takes ten minutes to settle. "
        "I've tried a silent starter on the board. What do you do? #behaviour #routines",
        [
            (
                "nqt2",
                "A 'do now' task on the desks before they arrive has helped me. "
                "Meeting them at the door matters more than the task itself. #routines",
            ),
            (
                "tutor",
                "Both good. Notice what you *expect* them to do in the first minute, "
                "and say it the same way every lesson. Consistency is kind.",
            ),
            ("nqt3", "I stagger the entry: names called in pairs. Slower, but calmer."),
        ],
    ),
    (
        "nqt2",
        "Marking workload in the first term",
        "How are people keeping marking under control? I'm spending every evening on books. "
        "#workload #assessment",
        [
            (
                "tutor",
                "Look at your school's feedback policy: most now favour whole-class "
                "feedback. Bring an example to our next session.",
            ),
            ("nqt1", "Whole-class feedback sheets cut my marking time in half."),
        ],
    ),
    (
        "nqt3",
        "Parents' evening nerves",
        "First parents' evening next week. Any advice on starting with a parent who is "
        "already unhappy? #parents",
        [("nqt2", "Start with something specific their child did well. It changes the tone.")],
    ),
]


@transaction.atomic
def seed_discussions(people: DemoPeople) -> None:
    """A term's worth of talk in the induction cohort, in the mix the research describes:
    a few post, most only read, two only open the resources, one has not logged in."""
    cohort = people.induction
    general = Board.objects.get(cohort=cohort, kind=Board.Kind.GENERAL)
    if Thread.objects.filter(board=general).exists():
        return
    users = {u.username: u for u in [people.tutor, *people.nqts]}
    threads = []
    for author, title, body, replies in DEMO_THREADS:
        thread = create_thread(board=general, author=users[author], title=title, body=body)
        for replier, text in replies:
            create_post(thread=thread, author=users[replier], body=text)
        threads.append(thread)
    private = Board.objects.get(cohort=cohort, kind=Board.Kind.PRIVATE)
    create_thread(
        board=private,
        author=users["nqt4"],
        title="Struggling with one class",
        body="I didn't want to post this on the main board, but my Year 10 set is getting "
        "on top of me. Could we talk about it?",
    )
    readers = [users[f"nqt{i}"] for i in range(4, 10)]
    for reader in readers:
        for thread in threads[: 1 + readers.index(reader) % len(threads)]:
            record_thread_read(user=reader, thread=thread)
    for username in ("nqt10", "nqt11"):
        record_resource_view(
            user=users[username],
            cohort=cohort,
            resource_kind="document",
            resource_id="induction-handbook",
        )


WEEKLY_PROMPTS = [
    (
        "Week ahead: one thing you will try",
        "Name one small change you will try this week, "
        "and how you will know whether it worked. #reflection",
    ),
    (
        "Looking back: a lesson that surprised you",
        "Which lesson went differently from your "
        "plan this week? What did the class show you? #reflection",
    ),
    (
        "Your questions for the mid-term review",
        "What would you like us to cover when we meet "
        "at mid-term? Anything goes — or ask privately on Ask a tutor.",
    ),
]


@transaction.atomic
def seed_tutor_week(people: DemoPeople) -> None:
    """The tutor's week in the induction cohort: an inbox with a waiting private question (the
    nqt4 thread above) and a flag, a member with each early warning, and weekly prompts
    scheduled from next Monday. The README's mix of statuses stays as it is."""
    cohort = people.induction
    if Thread.objects.filter(cohort=cohort, publish_at__isnull=False).exists():
        return
    users = {u.username: u for u in [people.tutor, *people.nqts]}
    general = Board.objects.get(cohort=cohort, kind=Board.Kind.GENERAL)
    now = timezone.now()
    # A flag: nqt6 (a reader; flagging is not posting) asks a tutor to look at a reply.
    flagged = Post.objects.filter(cohort=cohort, author=users["nqt3"]).order_by("pk").first()
    if flagged is not None:
        flag_post(post=flagged, by=users["nqt6"], reason="This might upset someone in my school.")
    # went_quiet: nqt9 read, then nothing for three weeks.
    quiet_since = now - timedelta(days=21)
    ReadEvent.objects.filter(cohort=cohort, user=users["nqt9"]).update(created_at=quiet_since)
    ThreadReadState.objects.filter(thread__cohort=cohort, user=users["nqt9"]).update(
        first_read_at=quiet_since, last_read_at=quiet_since
    )
    Membership.objects.filter(cohort=cohort, user=users["nqt9"]).update(last_seen_at=quiet_since)
    # reading_declined: nqt8 read a few threads a week for a month, then far less.
    threads = list(Thread.objects.filter(board=general).order_by("pk"))
    for weeks_ago in range(3, 7):
        for thread in threads:
            ReadEvent.objects.create(
                user=users["nqt8"],
                thread=thread,
                cohort=cohort,
                created_at=now - timedelta(weeks=weeks_ago, days=1),
            )
    # never_started: nqt12 was enrolled a fortnight ago and has not been seen since.
    Membership.objects.filter(cohort=cohort, user=users["nqt12"]).update(
        joined_at=now - timedelta(days=14)
    )
    Membership.objects.filter(cohort=cohort, role=Membership.Role.MEMBER).exclude(
        user=users["nqt12"]
    ).update(joined_at=now - timedelta(days=60))
    rebuild_counters(cohort_ids=[cohort.pk])  # the weekly buckets from those events
    # Weekly prompts, Mondays at 09:00 from next week.
    local = timezone.localtime(now)
    monday = (local + timedelta(days=7 - local.weekday())).replace(
        hour=9, minute=0, second=0, microsecond=0
    )
    for week, (title, body) in enumerate(WEEKLY_PROMPTS):
        schedule_thread(
            board=general,
            author=people.tutor,
            title=title,
            body=body,
            publish_at=monday + timedelta(weeks=week),
        )


DEMO_INVITEES = [
    "mia.roberts@induction.example",
    "omar.khan@induction.example",
    "sam.li@uni.example",
]


@transaction.atomic
def seed_invitations(people: DemoPeople) -> None:
    """Pending invitations on the induction cohort's members page (their e-mails are queued for
    the worker like any others). Once any invitation exists, nothing is added."""
    if Invitation.objects.filter(cohort=people.induction).exists():
        return
    invite_emails(cohort=people.induction, by=people.tutor, emails=DEMO_INVITEES)
