"""The tutors' participation dashboard and a member's own summary: thin views over the
participation selectors and the nudge service."""

from __future__ import annotations

from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import BadRequest
from django.core.handlers.asgi import ASGIRequest
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET, require_POST

from mentoring.core.errors import ServiceError
from mentoring.core.forms import ServiceErrorsMixin
from mentoring.core.pagination import (
    CURSOR_PARAM,
    LIMIT_PARAM,
    InvalidPage,
    PageSize,
    page_for_template,
    pager,
)
from mentoring.core.refusals import form_status, with_headers
from mentoring.core.streaming import async_chunks
from mentoring.invitations.selectors import invited_not_joined
from mentoring.models import (
    Board,
    Cohort,
    Membership,
    Nudge,
    Thread,
    nudge_placeholder_help,
)
from mentoring.models.retention import policy as retention_policy
from mentoring.notifications.decorators import reads_notifications
from mentoring.participation.selectors import alerts as alert_rules
from mentoring.participation.selectors.access_log import ACCESS_LOG_PAGE, access_entries_page
from mentoring.participation.selectors.charts import status_breakdown_svg, weekly_trend_svg
from mentoring.participation.selectors.rows import (
    CSV_COLUMNS,  # noqa: F401 (the file's columns, kept importable here)
    FLAG_CHOICES,
    FLAGS,
    SORTABLE,
    Status,
    alert_counts,
    member_rows,
    member_rows_page,
    nudge_conversion,
    own_participation,
    participation_csv_lines,
    recent_nudges,
    status_counts,
    tutored_cohort,
    weekly_trend,
)
from mentoring.participation.services.counters import refresh_alert_windows
from mentoring.participation.services.nudges import (
    NUDGE_COOLDOWN,
    nudge_members,
    update_nudge_template,
)
from mentoring.signals import participation_exported

# The member table pages through big cohorts; filter and sort are applied in SQL first.
DASHBOARD_PAGE = PageSize(default=500, maximum=2000)

TREND_WEEKS = 12
# The trend is the one part of the page that reads the events (~0.3 s over a million reads);
# past weeks do not change, so a couple of minutes' staleness in this week's point is fine.
TREND_CACHE_SECONDS = 120


class NudgeForm(ServiceErrorsMixin, forms.Form):
    """Nudge the ticked members with a message from the cohort's editable template."""

    user_ids = forms.TypedMultipleChoiceField(
        coerce=int, label="Members", error_messages={"required": "Tick at least one member."}
    )
    message = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=5000,
        error_messages={"required": "Write a message for the nudge."},
        help_text=nudge_placeholder_help(),
    )
    thread = forms.ModelChoiceField(
        queryset=Thread.objects.none(),
        required=False,
        label="Invite them to a thread (optional)",
        empty_label="No particular thread",
    )
    override_cooldown = forms.BooleanField(
        required=False,
        label=f"Nudge again anyway, even if nudged in the last {NUDGE_COOLDOWN.days} days",
    )
    save_template = forms.BooleanField(
        required=False, label="Save this message as the cohort's template"
    )

    def __init__(self, *args, cohort: Cohort, member_choices: list[tuple[int, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user_ids"].choices = member_choices
        # The 100 most active open threads; a subquery (not a slice) so the field can still
        # validate the choice against it.
        recent = (
            Thread.objects.filter(cohort=cohort, board__restricted=False)
            .exclude(board__kind=Board.Kind.PRIVATE)
            .order_by("-last_activity_at")
            .values("pk")[:100]
        )
        self.fields["thread"].queryset = Thread.objects.filter(pk__in=recent).order_by(
            "-last_activity_at"
        )


def _tutored_or_404(request: HttpRequest, cohort_id: int) -> Cohort:
    """The cohort the caller tutors, its members' alert sums stored for this week (every page
    here shows or acts on the alerts), or 404."""
    cohort = tutored_cohort(user=request.user, cohort_id=cohort_id)
    if cohort is None:
        raise Http404("No such dashboard.")
    refresh_alert_windows(cohort_ids=[cohort.pk])
    return cohort


def _trend_svg(cohort: Cohort) -> str:
    key = f"dashboard-trend:{cohort.pk}:{TREND_WEEKS}"
    svg = cache.get(key)
    if svg is None:
        svg = weekly_trend_svg(weekly_trend(cohort=cohort, weeks=TREND_WEEKS))
        cache.set(key, svg, TREND_CACHE_SECONDS)
    return svg


def _dashboard_limit(request: HttpRequest) -> int:
    try:
        return DASHBOARD_PAGE.parse(request.GET.get(LIMIT_PARAM))
    except InvalidPage as error:
        raise BadRequest(error.detail) from error


def _filter_query(**filters: str) -> str:
    """``?status=…&alert=…`` for the filters that are set, or ""."""
    chosen = {name: value for name, value in filters.items() if value}
    return f"?{urlencode(chosen)}" if chosen else ""


def _explain_alerts(members: list[Membership], cohort: Cohort) -> None:
    """``alert_badges`` on each row: its alerts as ``(code, label, why)``, the why shown as text
    (a disclosure under the label), never only as a tooltip."""
    now = timezone.now()
    for member in members:
        member.alert_badges = alert_rules.explanations(member, cohort=cohort, now=now)


def _status_choices() -> list[tuple[str, str, str]]:
    return [(s, Status(s).label, Status(s).plural) for s in Status.values]


def _summary_context(
    cohort: Cohort, *, counts: dict[str, int], alerts: dict[str, int]
) -> dict[str, object]:
    """What ``includes/dashboard_summary.html`` draws: the cards and both charts, from the
    counts as the server has them (the page and ``summary_fragment`` alike)."""
    return {
        "cohort": cohort,
        "counts": [
            {"status": s, "label": Status(s).label, "count": counts[s]} for s in Status.values
        ],
        "total": sum(counts.values()),
        "alert_counts": [
            {"code": a, "label": alert_rules.LABELS[a], "count": alerts[a]} for a in alert_rules.ALL
        ],
        "conversion": nudge_conversion(cohort=cohort),
        "breakdown_svg": mark_safe(status_breakdown_svg(counts)),
        "trend_svg": mark_safe(_trend_svg(cohort)),
        "trend_weeks": TREND_WEEKS,
    }


def _render_dashboard(request: HttpRequest, cohort: Cohort, form: NudgeForm | None, status=200):
    wanted_status = request.GET.get("status") or ""
    wanted_status = wanted_status if wanted_status in Status.values else ""
    wanted_alert = request.GET.get("alert") or ""
    wanted_alert = wanted_alert if wanted_alert in alert_rules.ALL else ""
    wanted_flag = request.GET.get("flag") or ""
    wanted_flag = wanted_flag if wanted_flag in FLAGS else ""
    order = request.GET.get("sort") or "name"
    counts = status_counts(cohort=cohort)
    total = sum(counts.values())
    limit = _dashboard_limit(request)
    # A cohort that fits on one page is filtered in the page, instantly (and the live updates
    # move rows between filters); a bigger one pages, filtered in SQL. Sorting is always the
    # server's (the column headers are links).
    paged = total > limit
    try:
        page = member_rows_page(
            cohort=cohort,
            status=(wanted_status or None) if paged else None,
            alert=(wanted_alert or None) if paged else None,
            flag=(wanted_flag or None) if paged else None,
            order=order,
            limit=limit,
            cursor=request.GET.get(CURSOR_PARAM) or None,
        )
    except InvalidPage as error:
        raise BadRequest(error.detail) from error
    _explain_alerts(page.items, cohort)
    alerts = (
        alert_counts(cohort=cohort)
        if paged
        else {code: sum(1 for m in page.items if code in m.alerts) for code in alert_rules.ALL}
    )
    if form is None:
        form = NudgeForm(
            cohort=cohort,
            member_choices=[(m.user_id, m.user.username) for m in page.items],
            initial={"message": cohort.nudge_template},
        )
    members_pager = pager(request, page)
    context = {
        **_summary_context(cohort, counts=counts, alerts=alerts),
        "members": page.items,
        "pager": members_pager,
        "paged": paged,
        "status_filter": wanted_status,
        "alert_filter": wanted_alert,
        "flag_filter": wanted_flag,
        "flag_choices": list(FLAG_CHOICES.items()),
        # The CSV export follows the filters (dashboard.js keeps the link in step).
        "csv_query": _filter_query(status=wanted_status, alert=wanted_alert),
        "alert_choices": [
            (a, alert_rules.LABELS[a], alert_rules.PLURALS[a]) for a in alert_rules.ALL
        ],
        "statuses": _status_choices(),
        "sort": order,
        "sortable": list(SORTABLE),
        "nudges": recent_nudges(cohort=cohort),
        "form": form,
        "cooldown_days": NUDGE_COOLDOWN.days,
        # Invited people who have not joined: shown apart, never as members.
        "invited": invited_not_joined(cohort=cohort),
    }
    return render(request, "mentoring/dashboard.html", context, status=status)


@login_required
@require_GET
@reads_notifications
def dashboard(request: HttpRequest, cohort_id: int) -> HttpResponse:
    """Counts per status, the charts, the member table and the nudge form (tutors only)."""
    return _render_dashboard(request, _tutored_or_404(request, cohort_id), None)


@login_required
@require_POST
def send_nudges(request: HttpRequest, cohort_id: int) -> HttpResponse:
    cohort = _tutored_or_404(request, cohort_id)
    member_ids = Membership.objects.filter(cohort=cohort, role=Membership.Role.MEMBER)
    data = request.POST.copy()
    if data.get("only_user"):  # A row's own "Nudge" button nudges that member alone.
        data.setlist("user_ids", [data["only_user"]])
    elif data.get("alert_group") in alert_rules.ALL:  # "Nudge everyone who went quiet".
        group = member_rows(cohort=cohort, alert=data["alert_group"])
        data.setlist("user_ids", [str(pk) for pk in group.values_list("user_id", flat=True)])
    form = NudgeForm(
        data,
        cohort=cohort,
        member_choices=[(pk, str(pk)) for pk in member_ids.values_list("user_id", flat=True)],
    )
    if not form.is_valid():
        return _render_dashboard(request, cohort, form, status=400)
    try:
        if form.cleaned_data["save_template"]:
            update_nudge_template(
                cohort=cohort, tutor=request.user, template=form.cleaned_data["message"]
            )
        outcome = nudge_members(
            cohort=cohort,
            tutor=request.user,
            user_ids=form.cleaned_data["user_ids"],
            message=form.cleaned_data["message"],
            thread=form.cleaned_data["thread"],
            override_cooldown=form.cleaned_data["override_cooldown"],
        )
    except ServiceError as error:
        form.add_service_error(error)
        return with_headers(
            _render_dashboard(request, cohort, form, status=form_status(error)), error
        )
    sent = len(outcome.nudges)
    text = f"Nudged {sent} member{'s' if sent != 1 else ''}."
    if outcome.skipped:
        names = ", ".join(m.user.username for m in outcome.skipped)
        text += f" Not nudged again (nudged in the last {NUDGE_COOLDOWN.days} days): {names}."
    messages.success(request, text)
    return redirect("dashboard:cohort", cohort_id=cohort.pk)


# The most rows one fetch of ``member_rows_fragment`` returns (a live page asks in batches).
MAX_FRAGMENT_ROWS = 100


@login_required
@require_GET
def member_rows_fragment(request: HttpRequest, cohort_id: int) -> HttpResponse:
    """The table rows of the members named by ``?user=<id>`` (repeatable), as the dashboard
    renders them: after ``member.updated`` the live page swaps these in instead of building a
    row's markup itself, so a live row reads exactly like a fresh page's (the alerts' reasons
    included). Members not in the cohort are left out."""
    cohort = _tutored_or_404(request, cohort_id)
    raw = request.GET.getlist("user")
    if not raw or len(raw) > MAX_FRAGMENT_ROWS:
        raise BadRequest(f"Name from 1 to {MAX_FRAGMENT_ROWS} members with ?user=<id>.")
    try:
        user_ids = {int(value) for value in raw}
    except ValueError:
        user_ids = set()
    if not user_ids or not all(0 < pk < 2**31 for pk in user_ids):
        raise BadRequest("?user= takes a member's id (a whole number).")
    members = list(member_rows(cohort=cohort).filter(user_id__in=user_ids))
    _explain_alerts(members, cohort)
    return render(
        request,
        "mentoring/includes/member_rows.html",
        {"members": members, "statuses": _status_choices()},
    )


@login_required
@require_GET
def summary_fragment(request: HttpRequest, cohort_id: int) -> HttpResponse:
    """The dashboard's cards and charts (``includes/dashboard_summary.html``) as the page
    renders them: the live page fetches them again, debounced, after ``member.updated``, so no
    count, percentage or bar is worked out in the browser. Whole-cohort numbers: the page's
    filters and paging do not change them."""
    cohort = _tutored_or_404(request, cohort_id)
    context = _summary_context(
        cohort, counts=status_counts(cohort=cohort), alerts=alert_counts(cohort=cohort)
    )
    return render(request, "mentoring/includes/dashboard_summary.html", context)


@login_required
@require_GET
def participation_csv(request: HttpRequest, cohort_id: int) -> HttpResponse:
    """The member table for the cohort's records, every member, streamed: rows are read from
    a server-side cursor in chunks and written as they come, so 11,000 members never sit in
    memory as objects or as one string."""
    cohort = _tutored_or_404(request, cohort_id)
    wanted = request.GET.get("status")
    wanted_alert = request.GET.get("alert")
    rows = member_rows(
        cohort=cohort,
        status=wanted if wanted in Status.values else None,
        alert=wanted_alert if wanted_alert in alert_rules.ALL else None,
    )
    # Every member in the file sees, on their own page, that it was exported (one INSERT per
    # thousand members, before the first byte is sent).
    participation_exported.send(
        sender=Cohort,
        actor=request.user,
        cohort=cohort,
        subject_ids=rows.values_list("user_id", flat=True),
    )
    lines = participation_csv_lines(rows)
    content = async_chunks(lines) if isinstance(request, ASGIRequest) else lines
    response = StreamingHttpResponse(content, content_type="text/csv; charset=utf-8")
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = (
        f'attachment; filename="cohort-{cohort.pk}-participation-{stamp}.csv"'
    )
    return response


@login_required
@require_GET
@reads_notifications
def my_participation(request: HttpRequest, cohort_id: int) -> HttpResponse:
    """A member's own counters and status, and exactly what the tutors can see about them."""
    membership = own_participation(user=request.user, cohort_id=cohort_id)
    if membership is None:
        raise Http404("You are not a member of this cohort.")
    cohort = membership.cohort
    nudges = Nudge.objects.filter(cohort=cohort, member=request.user).select_related(
        "tutor", "thread"
    )[:20]
    private_board = Board.objects.filter(cohort=cohort, kind=Board.Kind.PRIVATE).first()
    entries, entries_pager = page_for_template(
        request, access_entries_page, size=ACCESS_LOG_PAGE, subject=request.user
    )
    return render(
        request,
        "mentoring/dashboard_member.html",
        {
            "cohort": cohort,
            "membership": membership,
            "alert_reasons": alert_rules.reasons(membership, cohort=cohort),
            "status_label": Status(membership.status).label,
            "nudges": nudges,
            "private_board": private_board,
            "access_entries": entries.items,
            "access_pager": entries_pager,
            "retention": retention_policy(),
        },
    )
