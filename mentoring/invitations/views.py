"""Pages for bringing people in: the cohort's members page with its invitation panel, invite,
roster import with its dry run, batch progress, join-link settings and requests (tutors);
accepting an invitation and joining (anyone)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from mentoring.accounts.services.throttle import client_address
from mentoring.cohorts import services as cohort_services
from mentoring.cohorts.forms import EnrolForm, RemoveMemberForm
from mentoring.cohorts.selectors import members_of, visible_cohort
from mentoring.core import ratelimit
from mentoring.core.errors import Gone, NotFound, ServiceError
from mentoring.core.refusals import refused_page
from mentoring.invitations import selectors
from mentoring.invitations.forms import (
    InviteForm,
    JoinEmailForm,
    JoinLinkForm,
    RosterCommitForm,
    RosterUploadForm,
    SetPasswordForm,
)
from mentoring.invitations.services import invitations as services
from mentoring.models import Cohort, Invitation, JoinRequest, Membership
from mentoring.rules.permissions import is_tutor

SIGN_IN_BACKEND = "django.contrib.auth.backends.ModelBackend"


def _tutored_cohort(request: HttpRequest, cohort_id: int) -> Cohort:
    cohort = visible_cohort(user=request.user, cohort_id=cohort_id)
    if cohort is None or not is_tutor(request.user, cohort):
        raise Http404
    return cohort


def _members_page(cohort: Cohort) -> HttpResponse:
    return redirect(reverse("cohort_members", args=[cohort.pk]) + "#invitations")


@login_required
def cohort_members(request: HttpRequest, cohort_id: int) -> HttpResponse:
    """The cohort's members page: its members (enrol by username, remove) and the invitation
    panel (invite, pending invitations, join link and requests)."""
    cohort = _tutored_cohort(request, cohort_id)
    form = EnrolForm(request.POST or None if "enrol" in request.POST else None)
    if request.method == "POST" and "remove" in request.POST:
        removal = RemoveMemberForm(request.POST, cohort=cohort, by=request.user)
        if not removal.is_valid():
            messages.error(request, "That person is not in this cohort.")
            return redirect("cohort_members", cohort.pk)
        user = removal.cleaned_data["remove"]
        if "confirm" not in request.POST:
            # Ask first, on a page of its own (works without JavaScript), saying what follows.
            membership = Membership.objects.get(cohort=cohort, user=user)
            return render(
                request,
                "mentoring/member_remove_confirm.html",
                {"cohort": cohort, "membership": membership},
            )
        cohort_services.remove_membership(cohort=cohort, user=user)
        messages.success(request, f"{user.shown_name} is no longer in {cohort.name}.")
        return redirect("cohort_members", cohort.pk)
    if request.method == "POST" and form.is_valid():
        try:
            enrolled = cohort_services.enrol_members(
                cohort=cohort, usernames=form.cleaned_data["usernames"], by=request.user
            )
        except ServiceError as error:
            form.add_service_error(error, default="usernames")
        else:
            messages.success(request, f"Enrolled {len(enrolled)} member(s).")
            return redirect("cohort_members", cohort.pk)
    memberships = members_of(cohort=cohort)
    page = selectors.members_page(cohort=cohort)
    link = page["join_link"]
    join_link_form = JoinLinkForm(
        initial={
            "enabled": bool(link and link.enabled),
            "allowed_domains": ", ".join(link.allowed_domains) if link else "",
            "requires_approval": bool(link and link.requires_approval),
        }
    )
    return render(
        request,
        "mentoring/cohort_members.html",
        {
            "cohort": cohort,
            "form": form,
            "memberships": memberships,
            "invite_form": InviteForm(),
            "join_link_form": join_link_form,
            **page,
        },
    )


def _summary(report: services.RosterReport) -> str:
    counts = report.counts
    return (
        f"{counts['invite']} invited, {counts['enrol']} from your other cohorts enrolled, "
        f"{counts['already_member']} already in the cohort."
    )


def _refused(request: HttpRequest, context: dict, error: ServiceError) -> HttpResponse:
    """A refusal the page can show (rate limit, empty file): the message, with its status."""
    messages.error(request, error.detail)
    return refused_page(request, "mentoring/invitations/roster.html", context, error)


@login_required
@require_POST
def invite(request: HttpRequest, cohort_id: int) -> HttpResponse:
    cohort = _tutored_cohort(request, cohort_id)
    form = InviteForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Give at least one e-mail address.")
        return _members_page(cohort)
    try:
        report = services.invite_emails(
            cohort=cohort, by=request.user, emails=form.cleaned_data["emails"]
        )
    except services.RosterRejected as error:
        problems = "; ".join(
            f"{r.email or 'address ' + str(r.line)}: {r.detail}"
            for r in error.report.rows
            if r.outcome == services.ERROR
        )
        messages.error(request, f"Nobody was invited. {problems}")
        return _members_page(cohort)
    except ServiceError as error:
        messages.error(request, error.detail)
        return _members_page(cohort)
    messages.success(request, _summary(report))
    if report.batch and report.batch.total > 20:
        return redirect("invitation_batch", cohort.pk, report.batch.pk)
    return _members_page(cohort)


@login_required
def roster(request: HttpRequest, cohort_id: int) -> HttpResponse:
    """Upload → dry run (every row and what will happen) → commit, all or nothing."""
    cohort = _tutored_cohort(request, cohort_id)
    context: dict = {"cohort": cohort, "upload_form": RosterUploadForm()}
    if request.method == "POST" and "commit" in request.POST:
        commit_form = RosterCommitForm(request.POST)
        if commit_form.is_valid():
            data = commit_form.cleaned_data["content"]
            try:
                report = services.import_roster(
                    cohort=cohort, by=request.user, data=data, dry_run=False
                )
            except services.RosterRejected as error:
                context.update(report=error.report, content=RosterCommitForm.encode(data))
                messages.error(request, error.detail)
            except ServiceError as error:
                return _refused(request, context, error)
            else:
                messages.success(request, "Roster imported: " + _summary(report))
                return redirect("invitation_batch", cohort.pk, report.batch.pk)
        else:
            messages.error(request, "The file was damaged on the way; upload it again.")
    elif request.method == "POST":
        upload_form = RosterUploadForm(request.POST, request.FILES)
        context["upload_form"] = upload_form
        if upload_form.is_valid():
            data = upload_form.cleaned_data["roster"]
            try:
                report = services.import_roster(
                    cohort=cohort, by=request.user, data=data, dry_run=True
                )
            except ServiceError as error:
                return _refused(request, context, error)
            context.update(report=report, content=RosterCommitForm.encode(data))
    return render(request, "mentoring/invitations/roster.html", context)


@login_required
def batch_progress(request: HttpRequest, cohort_id: int, batch_id: int) -> HttpResponse:
    cohort = _tutored_cohort(request, cohort_id)
    progress = selectors.batch_progress(cohort=cohort, batch_id=batch_id)
    if progress is None:
        raise Http404
    return render(
        request,
        "mentoring/invitations/batch.html",
        {"cohort": cohort, "progress": progress, "counts": selectors.status_counts(cohort=cohort)},
    )


@login_required
@require_GET
def batch_progress_fragment(request: HttpRequest, cohort_id: int, batch_id: int) -> HttpResponse:
    """The progress page's sentence and bar as it renders them, for batch.js to swap in every
    few seconds (the words and the plural stay the server's)."""
    cohort = _tutored_cohort(request, cohort_id)
    progress = selectors.batch_progress(cohort=cohort, batch_id=batch_id)
    if progress is None:
        raise Http404
    return render(request, "mentoring/includes/batch_progress.html", {"progress": progress})


@login_required
@require_POST
def invitation_action(request: HttpRequest, cohort_id: int, invitation_id: int) -> HttpResponse:
    cohort = _tutored_cohort(request, cohort_id)
    invitation = Invitation.objects.filter(cohort=cohort, pk=invitation_id).first()
    if invitation is None:
        raise Http404
    action = request.POST.get("action")
    if action == "revoke" and "confirm" not in request.POST:
        # Ask first, on a page of its own (works without JavaScript), saying what follows.
        return render(
            request,
            "mentoring/invitations/revoke_confirm.html",
            {"cohort": cohort, "invitation": invitation},
        )
    try:
        if action == "revoke":
            services.revoke_invitation(invitation=invitation, by=request.user)
            messages.success(request, f"Invitation to {invitation.email} revoked.")
        elif action == "resend":
            services.resend_invitation(invitation=invitation, by=request.user)
            messages.success(request, f"A new invitation to {invitation.email} is on its way.")
        else:
            raise Http404
    except ServiceError as error:
        messages.error(request, error.detail)
    return _members_page(cohort)


@login_required
@require_POST
def resend_pending(request: HttpRequest, cohort_id: int) -> HttpResponse:
    """New links for every pending invitation, after asking first on a page of its own."""
    cohort = _tutored_cohort(request, cohort_id)
    if "confirm" not in request.POST:
        pending = selectors.pending_invitations(cohort=cohort)
        return render(
            request,
            "mentoring/invitations/resend_pending_confirm.html",
            {"cohort": cohort, "pending_count": pending.count()},
        )
    try:
        batch = services.resend_pending(cohort=cohort, by=request.user)
    except ServiceError as error:
        messages.error(request, error.detail)
        return _members_page(cohort)
    if batch is None:
        messages.info(request, "No invitation is pending: nothing was sent.")
        return _members_page(cohort)
    messages.success(
        request,
        f"New links for {batch.total} pending invitation{'s' if batch.total != 1 else ''} are "
        "on their way; the old links no longer work.",
    )
    return redirect("invitation_batch", cohort.pk, batch.pk)


@login_required
@require_POST
def join_link_settings(request: HttpRequest, cohort_id: int) -> HttpResponse:
    cohort = _tutored_cohort(request, cohort_id)
    try:
        if "rotate" in request.POST:
            services.rotate_join_link(cohort=cohort, by=request.user)
            messages.success(request, "A new join link is ready; the old one no longer works.")
        else:
            form = JoinLinkForm(request.POST)
            form.is_valid()
            services.configure_join_link(
                cohort=cohort,
                by=request.user,
                enabled=form.cleaned_data.get("enabled", False),
                allowed_domains=form.cleaned_data.get("allowed_domains", ""),
                requires_approval=form.cleaned_data.get("requires_approval", False),
            )
            messages.success(request, "Join link saved.")
    except ServiceError as error:
        messages.error(request, error.detail)
    return _members_page(cohort)


@login_required
@require_POST
def join_request_decision(request: HttpRequest, cohort_id: int, request_id: int) -> HttpResponse:
    cohort = _tutored_cohort(request, cohort_id)
    join_request = JoinRequest.objects.filter(cohort=cohort, pk=request_id).first()
    if join_request is None:
        raise Http404
    approve = request.POST.get("decision") == "approve"
    services.decide_join_request(join_request=join_request, by=request.user, approve=approve)
    name = join_request.user.shown_name
    messages.success(request, f"{name} {'joined' if approve else 'was declined'}.")
    return _members_page(cohort)


# --- Public pages -----------------------------------------------------------------------------
# Tokens cannot be guessed (HMACs under SECRET_KEY), and trying is limited all the same: each
# unknown token counts against the client's address ("link" in RATE_LIMITS); once a window is
# full every link answers 429 with Retry-After until it ends. Good, used, expired or replaced
# links are not failures, so people opening their own links are never held up.
LINK_ACTION = "link"


def _link_wait(request: HttpRequest) -> HttpResponse | None:
    wait = ratelimit.failure_wait(LINK_ACTION, client_address(request))
    if not wait:
        return None
    response = render(
        request, "mentoring/invitations/too_many.html", {"retry_after": wait}, status=429
    )
    response["Retry-After"] = str(wait)
    return response


def _unknown_link(request: HttpRequest) -> Http404:
    ratelimit.record_failure(LINK_ACTION, client_address(request))
    return Http404()


def _link_problem(request: HttpRequest, error: ServiceError, cohort: Cohort | None = None):
    """A link that was good once (replaced, used, expired, turned off): say so, in the site's
    layout, with the error's status (``Gone`` for a link replaced by a newer one)."""
    return refused_page(
        request,
        "mentoring/invitations/link_problem.html",
        {"problem": error.detail, "code": error.code, "cohort": cohort},
        error,
    )


def accept(request: HttpRequest, token: str) -> HttpResponse:
    if (too_many := _link_wait(request)) is not None:
        return too_many
    try:
        invitation = services.invitation_for_token(token)
    except services.LinkReplaced as error:
        return _link_problem(request, error)
    if invitation is None:
        raise _unknown_link(request)
    status = invitation.status
    signed_in = request.user.is_authenticated
    if (
        signed_in
        and status == Invitation.Status.ACCEPTED
        and Membership.objects.filter(cohort=invitation.cohort, user=request.user).exists()
    ):
        messages.info(request, f"You are already in {invitation.cohort.name}.")
        return redirect("cohort_home", invitation.cohort_id)
    if (
        signed_in
        and status == Invitation.Status.PENDING
        and not services.has_verified_address(request.user, invitation.email)
    ):
        # The invitation belongs to its address: another account may not take it (nor its
        # role). Offer to sign out, then come back to this link.
        return render(
            request,
            "mentoring/invitations/accept.html",
            {"invitation": invitation, "status": "wrong_account"},
            status=403,
        )
    form = SetPasswordForm(
        request.POST or None,
        initial={
            "display_name": invitation.display_name
            or f"{invitation.first_name} {invitation.last_name}".strip()
        },
    )
    signed_in = request.user.is_authenticated
    if request.method == "POST" and (signed_in or form.is_valid()):
        try:
            user = services.accept_invitation(
                invitation=invitation,
                password="" if signed_in else form.cleaned_data["password"],
                display_name="" if signed_in else form.cleaned_data["display_name"],
                user=request.user if signed_in else None,
            )
        except ServiceError as error:
            if error.extra.get("field") in form.fields:
                form.add_error(error.extra["field"], error.detail)
            else:
                messages.error(request, error.detail)
        else:
            if not signed_in:
                login(request, user, backend=SIGN_IN_BACKEND)
            messages.success(request, f"Welcome to {invitation.cohort.name}.")
            return redirect("cohort_home", invitation.cohort_id)
    return render(
        request,
        "mentoring/invitations/accept.html",
        {"invitation": invitation, "form": form, "status": invitation.status},
    )


def join(request: HttpRequest, token: str) -> HttpResponse:
    if (too_many := _link_wait(request)) is not None:
        return too_many
    try:
        link = services.join_link_for_token(token)
    except services.LinkReplaced as error:
        return _link_problem(request, error)
    except ServiceError as error:  # a link turned off by its tutors
        return _link_problem(request, error)
    if link is None:
        raise _unknown_link(request)
    form = JoinEmailForm(request.POST or None)
    context = {"link": link, "cohort": link.cohort, "form": form}
    if request.method == "POST":
        try:
            if request.user.is_authenticated:
                outcome = services.join_cohort(link=link, user=request.user)
                return _joined(request, link.cohort, outcome)
            if form.is_valid():
                services.request_join_email(link=link, email=form.cleaned_data["email"])
                context["sent_to"] = form.cleaned_data["email"]
        except ServiceError as error:
            if error.extra.get("field") == "email" and not request.user.is_authenticated:
                form.add_error("email", error.detail)
            else:
                messages.error(request, error.detail)
    return render(request, "mentoring/invitations/join.html", context)


def _joined(request: HttpRequest, cohort: Cohort, outcome) -> HttpResponse:
    if isinstance(outcome, Membership):
        messages.success(request, f"Welcome to {cohort.name}.")
        return redirect("cohort_home", cohort.pk)
    return render(request, "mentoring/invitations/join_waiting.html", {"cohort": cohort})


def join_confirm(request: HttpRequest, signed: str) -> HttpResponse:
    """The e-mailed confirmation: refused before any form once used, expired or out of date."""
    if (too_many := _link_wait(request)) is not None:
        return too_many
    try:
        confirmation = services.join_confirmation(signed)
    except NotFound as error:
        raise _unknown_link(request) from error
    except ServiceError as error:
        return _link_problem(request, error)
    link = confirmation.link
    form = SetPasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user, outcome = services.join_with_new_account(
                confirmation=confirmation,
                password=form.cleaned_data["password"],
                display_name=form.cleaned_data["display_name"],
            )
        except Gone as error:  # used (or changed) while the form was open
            return _link_problem(request, error)
        except ServiceError as error:
            form.add_error(
                error.extra.get("field") if error.extra.get("field") in form.fields else None,
                error.detail,
            )
        else:
            login(request, user, backend=SIGN_IN_BACKEND)
            return _joined(request, link.cohort, outcome)
    return render(
        request,
        "mentoring/invitations/join_confirm.html",
        {"cohort": link.cohort, "email": confirmation.email, "form": form},
    )
