"""Inviting people into a cohort, importing rosters, and join links. Every write is here.

A roster import is planned (what would happen to each row) and then committed all at once or
not at all. Its queries do not grow with the number of rows: lookups are set-based and writes
are bulk inserts; the e-mails go out from one background task per batch.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from dataclasses import dataclass, field

from allauth.account.models import EmailAddress
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from mentoring.cohorts.services import enrol
from mentoring.core.errors import Conflict, Forbidden, Gone, Invalid, NotFound
from mentoring.core.ratelimit import check_rate
from mentoring.invitations import selectors
from mentoring.invitations.services import tasks
from mentoring.invitations.services.roster import (
    MAX_ROSTER_ROWS,
    ParsedRoster,
    RosterRow,
    parse_roster,
)
from mentoring.models import (
    Cohort,
    Invitation,
    InvitationBatch,
    JoinConfirmation,
    JoinLink,
    JoinRequest,
    Membership,
    Notification,
    User,
)
from mentoring.rules.permissions import (
    is_tutor,
    refuse_unless_cohort_writable,
    tutor_memberships,
)

INVITE = "invite"
ENROL = "enrol"
ALREADY_MEMBER = "already_member"
ERROR = "error"
OUTCOMES = (INVITE, ENROL, ALREADY_MEMBER, ERROR)
OUTCOME_LABELS = {
    INVITE: "Invite",
    ENROL: "Add at once",
    ALREADY_MEMBER: "Already a member",
    ERROR: "Error",
}

FIELD_LABELS = {
    "email": "e-mail",
    "first_name": "first name",
    "last_name": "last name",
    "display_name": "name",
    "role": "role",
}


@dataclass
class PlannedRow:
    line: int
    email: str
    outcome: str
    detail: str
    row: RosterRow | None = None
    user: User | None = None
    existing_invitation: Invitation | None = None

    @property
    def label(self) -> str:
        return OUTCOME_LABELS[self.outcome]


@dataclass
class RosterReport:
    rows: list[PlannedRow] = field(default_factory=list)
    batch: InvitationBatch | None = None
    warnings: list[str] = field(default_factory=list)  # e.g. the columns that were ignored
    columns: dict[str, str] = field(default_factory=dict)  # field → the header it was read from

    @property
    def column_labels(self) -> list[tuple[str, str]]:
        """(what was read, the file's header for it), for the page."""
        return [(FIELD_LABELS.get(name, name), header) for name, header in self.columns.items()]

    @property
    def errors(self) -> list[PlannedRow]:
        return [row for row in self.rows if row.outcome == ERROR]

    @property
    def counts(self) -> dict[str, int]:
        counted = Counter(row.outcome for row in self.rows)
        return {outcome: counted.get(outcome, 0) for outcome in OUTCOMES}

    @property
    def has_errors(self) -> bool:
        return any(row.outcome == ERROR for row in self.rows)


class RosterRejected(Invalid):
    """Some row is an error: nothing was written. ``report`` says which lines and why."""

    def __init__(self, report: RosterReport):
        errors = report.counts[ERROR]
        super().__init__(
            "roster_invalid",
            f"{errors} row{'s' if errors != 1 else ''} cannot be imported; nothing was changed.",
        )
        self.report = report


def _require_tutor(by: User | None, cohort: Cohort) -> None:
    if by is not None and not is_tutor(by, cohort):
        raise Forbidden("forbidden", "Only the cohort's tutors can invite people.")
    refuse_unless_cohort_writable(cohort)


# --- Planning ---------------------------------------------------------------------------------
def _colleagues(by: User | None, users: list[User]) -> set[int]:
    """Those of ``users`` already in a cohort that ``by`` tutors: people the tutor works with.

    Only they may be enrolled without asking them. Anyone else with an account is invited like a
    stranger and joins by accepting, so a roster neither tells a tutor which addresses have an
    account on the site (or a disabled one) nor puts anyone in a cohort, in any role, without
    their consent."""
    if by is None or not users:
        return set()
    tutored = tutor_memberships().filter(user=by).values("cohort_id")
    return set(
        Membership.objects.filter(user__in=users, cohort_id__in=tutored).values_list(
            "user_id", flat=True
        )
    )


def plan_roster(*, cohort: Cohort, parsed: ParsedRoster, by: User | None = None) -> RosterReport:
    """What would happen to each row, in four queries whatever the number of rows.

    The outcomes speak only of this cohort: ``already_member``, ``enrol`` (someone already in
    another of ``by``'s cohorts), otherwise ``invite``, whether or not the address has an
    account here, active or disabled."""
    report = RosterReport(warnings=list(parsed.warnings), columns=dict(parsed.columns))
    for line, message in parsed.file_errors:
        report.rows.append(PlannedRow(line=line, email="", outcome=ERROR, detail=message))
    wanted = {row.email for row in parsed.rows if not row.error}
    users: dict[str, User] = {}
    if wanted:
        # Several old accounts may share an address: the earliest one is the person.
        for user in (
            User.objects.annotate(email_lower=Lower("email"))
            .filter(email_lower__in=wanted)
            .order_by("-pk")
        ):
            users[user.email_lower] = user
    members = dict(
        Membership.objects.filter(cohort=cohort, user__in=list(users.values())).values_list(
            "user_id", "role"
        )
    )
    colleagues = _colleagues(by, [u for u in users.values() if u.pk not in members])
    open_invitations = {
        invitation.email: invitation
        for invitation in Invitation.objects.filter(
            cohort=cohort,
            email__in=wanted,
            accepted_at__isnull=True,
            revoked_at__isnull=True,
            expires_at__gt=timezone.now(),
        )
    }
    for row in parsed.rows:
        planned = PlannedRow(line=row.line, email=row.email, outcome=ERROR, detail=row.error)
        planned.row = row
        user = users.get(row.email)
        if row.error:
            pass
        elif user is not None and user.pk in members:
            planned.outcome = ALREADY_MEMBER
            planned.detail = f"Already in the cohort as {members[user.pk]} ({user.username})."
            planned.user = user
        elif user is not None and user.pk in colleagues:
            planned.outcome = ENROL
            planned.detail = (
                f"In another of your cohorts ({user.username}): added at once as {row.role} "
                "and told by e-mail."
            )
            planned.user = user
        elif row.email in open_invitations:
            planned.outcome = INVITE
            invitation = open_invitations[row.email]
            planned.existing_invitation = invitation
            planned.detail = (
                f"Already invited on {timezone.localtime(invitation.created_at):%d %b %Y}; "
                "that invitation stands (resend it from the members page)."
            )
        else:
            planned.outcome = INVITE
            planned.detail = f"Will be invited as {row.role}."
        report.rows.append(planned)
    report.rows.sort(key=lambda r: r.line)
    return report


# --- Committing -------------------------------------------------------------------------------
def _commit(*, cohort: Cohort, by: User | None, report: RosterReport, source: str):
    if any(r.outcome in (INVITE, ENROL) and r.existing_invitation is None for r in report.rows):
        check_rate("invite", user=by)  # one roster or list is one action, whatever its size
    now = timezone.now()
    expires_at = Invitation.expiry_from(now, cohort.invitation_days)
    batch = InvitationBatch.objects.create(cohort=cohort, created_by=by, source=source)
    new_invitations = []
    enrolled: dict[str, list[User]] = {Membership.Role.MEMBER: [], Membership.Role.TUTOR: []}
    for planned in report.rows:
        row = planned.row
        if planned.outcome == INVITE and planned.existing_invitation is None:
            new_invitations.append(
                Invitation(
                    cohort=cohort,
                    batch=batch,
                    email=row.email,
                    first_name=row.first_name,
                    last_name=row.last_name,
                    display_name=row.display_name,
                    role=row.role,
                    invited_by=by,
                    created_at=now,
                    expires_at=expires_at,
                )
            )
        elif planned.outcome == ENROL:
            enrolled[row.role].append(planned.user)
            new_invitations.append(
                Invitation(
                    cohort=cohort,
                    batch=batch,
                    email=row.email,
                    role=row.role,
                    invited_by=by,
                    enrolled_existing=True,
                    created_at=now,
                    expires_at=expires_at,
                    accepted_at=now,
                    accepted_by=planned.user,
                )
            )
    try:
        with transaction.atomic():
            Invitation.objects.bulk_create(new_invitations)
    except IntegrityError as error:  # a concurrent import invited the same address first
        raise Conflict(
            "conflict", "Someone else changed these invitations just now; try again."
        ) from error
    for role, users in enrolled.items():  # one set-based enrolment per role, at most two
        enrol(cohort=cohort, users=users, role=role, now=now)
    enrolled_users = [u for users in enrolled.values() for u in users]
    if enrolled_users:
        url = reverse("cohort_home", args=[cohort.pk])
        Notification.objects.bulk_create(
            [
                Notification(
                    user=user,
                    kind=Notification.Kind.SYSTEM,
                    cohort=cohort,
                    title=f"You were added to {cohort.name}"[:200],
                    url=url,
                )
                for user in enrolled_users
            ]
        )
    batch.total = len(new_invitations)
    batch.save(update_fields=["total"])
    report.batch = batch
    if new_invitations:
        transaction.on_commit(lambda: tasks.send_invitation_batch.enqueue(batch.pk))
    return batch


@transaction.atomic
def import_roster(*, cohort: Cohort, by: User | None, data: bytes, dry_run: bool) -> RosterReport:
    """Plan a roster CSV and, unless ``dry_run``, commit it: every row or none.

    The cohort row is locked while planning and writing, so two imports of the same file one
    after the other (or at once) invite each address once.
    """
    _require_tutor(by, cohort)
    check_rate("roster", user=by)  # each check costs one, whatever the file's size
    parsed = parse_roster(data)
    if not dry_run:
        Cohort.objects.select_for_update().filter(pk=cohort.pk).first()
    report = plan_roster(cohort=cohort, parsed=parsed, by=by)
    if dry_run:
        return report
    if report.has_errors:
        raise RosterRejected(report)
    if not report.rows:
        raise Invalid("invalid", "The file has no rows to import.")
    _commit(cohort=cohort, by=by, report=report, source="roster")
    return report


EMAIL_SPLIT = re.compile(r"[\s,;]+")
ENTRY_SPLIT = re.compile(r"[\n,;]+")
# "Nia Person <nia@uni.example>", as mail programs copy an address with its name.
NAMED_ADDRESS = re.compile(r'^\s*"?(?P<name>[^<>"]*?)"?\s*<\s*(?P<email>[^<>\s]+)\s*>\s*$')


def _named_addresses(emails: list[str] | str) -> list[tuple[str, str]]:
    """(address, name) pairs from a list or pasted text: addresses separated by commas,
    semicolons, spaces or lines, each optionally written ``Name <address>``."""
    chunks = ENTRY_SPLIT.split(emails) if isinstance(emails, str) else [str(e) for e in emails]
    pairs = []
    for chunk in chunks:
        named = NAMED_ADDRESS.match(chunk)
        if named:
            pairs.append((named["email"], " ".join(named["name"].split())))
        else:
            pairs += [(e, "") for e in EMAIL_SPLIT.split(chunk) if e]
    return pairs


@transaction.atomic
def invite_emails(
    *, cohort: Cohort, by: User | None, emails: list[str] | str, role: str = "member"
) -> RosterReport:
    """Invite addresses (a list, or pasted text separated by commas, semicolons or lines; each
    may carry its person's name as ``Name <address>``, shown until they choose their own).

    The same plan as a roster's: people already in another of ``by``'s cohorts are enrolled at
    once; every other address is invited, whether it has an account or not."""
    _require_tutor(by, cohort)
    check_rate("roster", user=by)  # its report answers like a roster's dry run
    pairs = _named_addresses(emails)
    if not pairs:
        raise Invalid("invalid", "Give at least one e-mail address.", field="emails")
    if len(pairs) > MAX_ROSTER_ROWS:
        raise Invalid("invalid", f"At most {MAX_ROSTER_ROWS} addresses at a time.", field="emails")
    rows = io.StringIO()
    writer = csv.writer(rows, lineterminator="\n")
    writer.writerow(["email", "role", "display_name"])
    writer.writerows([email.replace('"', ""), role, name] for email, name in pairs)
    Cohort.objects.select_for_update().filter(pk=cohort.pk).first()
    report = plan_roster(cohort=cohort, parsed=parse_roster(rows.getvalue().encode()), by=by)
    for planned in report.rows:
        planned.line -= 1  # the n-th address, not the n-th line of the made-up CSV
    if report.has_errors:
        raise RosterRejected(report)
    _commit(cohort=cohort, by=by, report=report, source="list")
    return report


def _own_invitation(invitation: Invitation, by: User) -> None:
    if not is_tutor(by, invitation.cohort):
        raise NotFound()
    refuse_unless_cohort_writable(invitation.cohort)


@transaction.atomic
def revoke_invitation(*, invitation: Invitation, by: User) -> Invitation:
    """Its link stops working at once. Accepted invitations cannot be revoked."""
    _own_invitation(invitation, by)
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.accepted_at is not None:
        raise Invalid(
            "already_accepted", "This invitation was accepted; remove the member instead."
        )
    if invitation.revoked_at is None:
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at"])
    return invitation


@transaction.atomic
def resend_invitation(*, invitation: Invitation, by: User) -> Invitation:
    """A new link (the old one stops working), valid for the cohort's full period again."""
    _own_invitation(invitation, by)
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.accepted_at is not None or invitation.revoked_at is not None:
        raise Invalid("not_pending", "Only pending or expired invitations can be resent.")
    clash = (
        Invitation.objects.filter(
            cohort=invitation.cohort_id,
            email=invitation.email,
            accepted_at__isnull=True,
            revoked_at__isnull=True,
        )
        .exclude(pk=invitation.pk)
        .exists()
    )
    if clash:
        raise Invalid("not_pending", "A newer invitation to this address is open.")
    check_rate("invite", user=by)
    now = timezone.now()
    invitation.renew_nonce()
    invitation.expires_at = Invitation.expiry_from(now, invitation.cohort.invitation_days)
    invitation.sent_at = None
    invitation.save(update_fields=["nonce", "old_nonces", "expires_at", "sent_at"])
    pk = invitation.pk
    transaction.on_commit(lambda: tasks.send_invitation.enqueue(pk))
    return invitation


@transaction.atomic
def resend_pending(*, cohort: Cohort, by: User) -> InvitationBatch | None:
    """A new link for every pending invitation of the cohort (each old one stops working), sent
    as one batch whose progress page follows it. None when nothing is pending."""
    _require_tutor(by, cohort)
    Cohort.objects.select_for_update().filter(pk=cohort.pk).first()
    now = timezone.now()
    invitations = list(selectors.pending_invitations(cohort=cohort, now=now).select_for_update())
    if not invitations:
        return None
    check_rate("invite", user=by)  # one action, like a roster
    batch = InvitationBatch.objects.create(
        cohort=cohort, created_by=by, source="resend", total=len(invitations)
    )
    expires_at = Invitation.expiry_from(now, cohort.invitation_days)
    for invitation in invitations:
        invitation.renew_nonce()
        invitation.expires_at = expires_at
        invitation.sent_at = None
        invitation.batch = batch
    Invitation.objects.bulk_update(
        invitations, ["nonce", "old_nonces", "expires_at", "sent_at", "batch"]
    )
    transaction.on_commit(lambda: tasks.send_invitation_batch.enqueue(batch.pk))
    return batch


# --- Accepting --------------------------------------------------------------------------------
def _unique_username(email: str) -> str:
    base = slugify(email.partition("@")[0]).replace("-", ".")[:30] or "member"
    taken = set(User.objects.filter(username__istartswith=base).values_list("username", flat=True))
    taken = {name.lower() for name in taken}
    candidate, n = base, 1
    while candidate.lower() in taken:
        n += 1
        candidate = f"{base}{n}"
    return candidate


def _check_password(password: str, user: User) -> None:
    try:
        validate_password(password, user)
    except ValidationError as error:
        raise Invalid("invalid", " ".join(error.messages), field="password") from error


def create_verified_account(
    *, email: str, password: str, display_name: str = "", first_name: str = "", last_name: str = ""
) -> User:
    """An account whose address was proven by the link its owner followed."""
    email = email.strip().lower()
    if User.objects.annotate(e=Lower("email")).filter(e=email).exists():
        raise Invalid(
            "account_exists", "An account with this e-mail address exists: sign in instead."
        )
    user = User(
        username=_unique_username(email),
        email=email,
        display_name=" ".join(display_name.split())[:150],
        first_name=first_name[:150],
        last_name=last_name[:150],
    )
    _check_password(password, user)
    user.set_password(password)
    user.save()
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user


class LinkReplaced(Gone):
    """A link that was good once and has since been replaced by a newer one."""


def invitation_for_token(token: str) -> Invitation | None:
    """The invitation a link opens; None for a link that never existed. A link replaced by a
    resend raises ``LinkReplaced``."""
    parts = Invitation.split_token(token)
    if parts is None:
        return None
    invitation = Invitation.objects.select_related("cohort").filter(pk=parts[0]).first()
    if invitation is None:
        return None
    if invitation.token_matches(parts[1]):
        return invitation
    if invitation.token_was_replaced(parts[1]):
        raise LinkReplaced(
            "invitation_replaced",
            "This link was replaced by a newer one sent to your address: open the most recent "
            "invitation e-mail.",
        )
    return None


def has_verified_address(user: User, email: str) -> bool:
    """Whether ``email`` is one of ``user``'s verified addresses."""
    return EmailAddress.objects.filter(user=user, verified=True, email__iexact=email).exists()


def _usable(invitation: Invitation) -> Invitation:
    invitation = (
        Invitation.objects.select_for_update().select_related("cohort").get(pk=invitation.pk)
    )
    status = invitation.status
    if status == Invitation.Status.ACCEPTED:
        raise Invalid("already_accepted", "This invitation has already been used.")
    if status == Invitation.Status.REVOKED:
        raise Invalid("revoked", "This invitation was withdrawn by the cohort's tutors.")
    if status == Invitation.Status.EXPIRED:
        raise Invalid("expired", "This invitation has expired: ask a tutor for a new one.")
    return invitation


@transaction.atomic
def accept_invitation(
    *, invitation: Invitation, password: str, display_name: str = "", user: User | None = None
) -> User:
    """Create the invitee's account (or use the signed-in ``user``) and enrol it. Once only.

    An invitation belongs to its address: a signed-in account takes it only if that address is
    one of its verified ones (else anyone who saw the link could take it, role and all)."""
    invitation = _usable(invitation)
    refuse_unless_cohort_writable(invitation.cohort)
    if user is not None and not has_verified_address(user, invitation.email):
        raise Forbidden(
            "wrong_account",
            "This invitation was sent to another address than your account's.",
        )
    if user is None:
        user = create_verified_account(
            email=invitation.email,
            password=password,
            display_name=display_name or invitation.display_name,
            first_name=invitation.first_name,
            last_name=invitation.last_name,
        )
    # Someone already in the cohort keeps their role (a tutor accepting a member's invitation
    # stays a tutor).
    enrol(cohort=invitation.cohort, users=[user], role=invitation.role)
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    return user


# --- Join links -------------------------------------------------------------------------------
DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


def _domains(value: list[str] | str) -> list[str]:
    if isinstance(value, str):
        value = EMAIL_SPLIT.split(value)
    domains = []
    for raw in value:
        domain = raw.strip().lower().lstrip("@")
        if not domain:
            continue
        if not DOMAIN.match(domain):
            raise Invalid(
                "invalid", f"Not an e-mail domain: {raw.strip()}.", field="allowed_domains"
            )
        domains.append(domain)
    return list(dict.fromkeys(domains))


@transaction.atomic
def configure_join_link(
    *,
    cohort: Cohort,
    by: User,
    enabled: bool,
    allowed_domains: list[str] | str = (),
    requires_approval: bool = False,
) -> JoinLink:
    if not is_tutor(by, cohort):
        raise Forbidden("forbidden", "Only the cohort's tutors can change its join link.")
    refuse_unless_cohort_writable(cohort)
    link, _ = JoinLink.objects.select_for_update().get_or_create(cohort=cohort)
    link.enabled = enabled
    link.allowed_domains = _domains(allowed_domains)
    link.requires_approval = requires_approval
    link.updated_at = timezone.now()
    link.save()
    return link


@transaction.atomic
def rotate_join_link(*, cohort: Cohort, by: User) -> JoinLink:
    """A new link; the old one stops working at once."""
    if not is_tutor(by, cohort):
        raise Forbidden("forbidden", "Only the cohort's tutors can change its join link.")
    refuse_unless_cohort_writable(cohort)
    link, _ = JoinLink.objects.select_for_update().get_or_create(cohort=cohort)
    link.renew_nonce()
    link.updated_at = timezone.now()
    link.save(update_fields=["nonce", "old_nonces", "updated_at"])
    return link


def join_link_for_token(token: str) -> JoinLink | None:
    """The enabled join link a token opens; None for an unknown token. A link turned off raises
    NotFound ``join_link_off``, and a token of a link since rotated raises ``LinkReplaced``."""
    parts = JoinLink.split_token(token)
    if parts is None:
        return None
    link = JoinLink.objects.select_related("cohort").filter(pk=parts[0]).first()
    if link is None:
        return None
    if link.token_matches(parts[1]):
        if not link.enabled:
            raise NotFound(
                "This join link is turned off; ask your tutor how to join.", code="join_link_off"
            )
        return link
    if link.token_was_replaced(parts[1]):
        raise LinkReplaced(
            "join_link_replaced",
            "This join link has been changed; ask your tutor for the new one.",
        )
    return None


def _check_domain(link: JoinLink, email: str) -> None:
    if not link.allows_email(email):
        allowed = ", ".join(f"@{d}" for d in link.allowed_domains)
        raise Invalid(
            "domain_not_allowed", f"This cohort is open to {allowed} addresses only.", field="email"
        )


def request_join_email(*, link: JoinLink, email: str) -> None:
    """Check the address may join, then e-mail it a link proving it is theirs (background)."""
    email = " ".join((email or "").split()).lower()
    try:
        validate_email(email)
    except ValidationError as error:
        raise Invalid("invalid", "Enter a valid e-mail address.", field="email") from error
    refuse_unless_cohort_writable(link.cohort)
    _check_domain(link, email)
    confirmation = JoinConfirmation.objects.create(link=link, email=email, link_nonce=link.nonce)
    # The queue holds the row's id only: the link is rebuilt (an HMAC) when the e-mail is sent.
    pk = confirmation.pk
    transaction.on_commit(lambda: tasks.send_join_confirmation.enqueue(pk))


def _check_confirmation(confirmation: JoinConfirmation, now=None) -> None:
    now = now or timezone.now()
    if confirmation.used_at is not None:
        raise Gone(
            "already_used",
            "This link has already been used to create an account: sign in instead.",
        )
    if confirmation.expires_at <= now:
        raise Gone("expired", "This link has expired: open the join link again for a new one.")
    link = confirmation.link
    if not link.enabled or link.nonce != confirmation.link_nonce:
        raise Gone(
            "link_changed",
            "The cohort's join link has changed or been turned off; ask your tutor for the "
            "new one.",
        )


def join_confirmation(token: str) -> JoinConfirmation:
    """The confirmation an e-mailed link opens, if it is still good (refused before any form)."""
    parts = JoinConfirmation.split_token(token)
    confirmation = None
    if parts is not None:
        confirmation = (
            JoinConfirmation.objects.select_related("link__cohort").filter(pk=parts[0]).first()
        )
    if confirmation is None or not confirmation.token_matches(parts[1]):
        raise NotFound()
    _check_confirmation(confirmation)
    return confirmation


@transaction.atomic
def join_cohort(*, link: JoinLink, user: User) -> Membership | JoinRequest:
    """The user joins at once, or waits for a tutor when the link needs approval."""
    link = JoinLink.objects.select_for_update().select_related("cohort").get(pk=link.pk)
    if not link.enabled:
        raise Invalid("link_changed", "The cohort's join link has been turned off.")
    refuse_unless_cohort_writable(link.cohort)
    _check_domain(link, user.email)
    cohort = link.cohort
    membership = Membership.objects.filter(cohort=cohort, user=user).first()
    if membership is not None:
        return membership
    if link.requires_approval:
        request, _ = JoinRequest.objects.get_or_create(
            cohort=cohort, user=user, status=JoinRequest.Status.PENDING
        )
        return request
    return enrol(cohort=cohort, users=[user], role=Membership.Role.MEMBER).memberships[0]


@transaction.atomic
def join_with_new_account(
    *, confirmation: JoinConfirmation, password: str, display_name: str
) -> tuple[User, Membership | JoinRequest]:
    """Create the account the confirmation proved the address for, once."""
    confirmation = (
        JoinConfirmation.objects.select_for_update(of=("self",))
        .select_related("link__cohort")
        .get(pk=confirmation.pk)
    )
    _check_confirmation(confirmation)
    link, email = confirmation.link, confirmation.email
    _check_domain(link, email)
    user = create_verified_account(email=email, password=password, display_name=display_name)
    confirmation.used_at = timezone.now()
    confirmation.save(update_fields=["used_at"])
    return user, join_cohort(link=link, user=user)


@transaction.atomic
def decide_join_request(*, join_request: JoinRequest, by: User, approve: bool) -> JoinRequest:
    if not is_tutor(by, join_request.cohort):
        raise NotFound()
    join_request = JoinRequest.objects.select_for_update().get(pk=join_request.pk)
    if join_request.status != JoinRequest.Status.PENDING:
        return join_request
    join_request.status = JoinRequest.Status.APPROVED if approve else JoinRequest.Status.DECLINED
    join_request.decided_at = timezone.now()
    join_request.decided_by = by
    join_request.save(update_fields=["status", "decided_at", "decided_by"])
    if approve:
        enrol(cohort=join_request.cohort, users=[join_request.user], role=Membership.Role.MEMBER)
    return join_request
