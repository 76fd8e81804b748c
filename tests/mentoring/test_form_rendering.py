"""How forms render across the site: date inputs a browser can show (and a re-save that keeps
them), errors as an alert region axe accepts, the keyboard taken to the first error, and the
new-cohort form's tutors ticked from a list."""

from __future__ import annotations

import importlib
import pkgutil
import re
from datetime import date, datetime, timedelta
from html.parser import HTMLParser
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django import forms
from django.utils import timezone

from mentoring.boards.services import posts, scheduling
from mentoring.models import Board, Cohort, Membership
from tests.factories import UserFactory, signed_in

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")


class _FormValues(HTMLParser):
    """What a browser posts back for the page's form, unchanged: inputs' values, ticked boxes,
    textareas' text, selected options."""

    def __init__(self):
        super().__init__()
        self.data: dict[str, list[str]] = {}
        self._textarea: str | None = None
        self._select: str | None = None

    def _add(self, name, value):
        self.data.setdefault(name, []).append(value)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "input" and a.get("name") and a.get("type") not in ("submit", "button"):
            if a.get("type") in ("checkbox", "radio"):
                if "checked" in a:
                    self._add(a["name"], a.get("value", "on"))
            else:
                self._add(a["name"], a.get("value") or "")
        elif tag == "textarea":
            self._textarea = a["name"]
            self._add(self._textarea, "")
        elif tag == "select":
            self._select = a["name"]
        elif tag == "option" and self._select and "selected" in a:
            self._add(self._select, a.get("value", ""))

    def handle_endtag(self, tag):
        if tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None

    def handle_data(self, data):
        if self._textarea:
            self.data[self._textarea][-1] += data.removeprefix("\n")


def form_values(html: str) -> dict[str, list[str]]:
    parser = _FormValues()
    parser.feed(html)
    return parser.data


def _value_of(html: str, name: str) -> str:
    tag = re.search(rf'<input[^>]*name="{name}"[^>]*>', html).group(0)
    return re.search(r'value="([^"]*)"', tag).group(1)


# --- Dates ------------------------------------------------------------------------------------
@time_machine.travel("2027-06-01 12:00:00+00:00", tick=True)
def test_cohort_settings_show_iso_dates_and_an_unchanged_resave_keeps_them(cohort, tutor):
    Cohort.objects.filter(pk=cohort.pk).update(
        starts_on=date(2027, 9, 1), ends_on=date(2028, 7, 20)
    )
    client = signed_in(tutor)
    url = f"/cohorts/{cohort.pk}/settings/"
    page = client.get(url).content.decode()
    assert 'type="date"' in page
    assert _value_of(page, "starts_on") == "2027-09-01"
    assert _value_of(page, "ends_on") == "2028-07-20"
    data = form_values(page)
    data["name"] = ["Renamed"]  # an unrelated change, as a browser posts it
    assert client.post(url, data).status_code == 302
    cohort.refresh_from_db()
    assert cohort.name == "Renamed"
    assert (cohort.starts_on, cohort.ends_on) == (date(2027, 9, 1), date(2028, 7, 20))


def test_the_reschedule_form_shows_the_publish_time_as_datetime_local(cohort, tutor):
    board = Board.objects.get(cohort=cohort, kind=Board.Kind.GENERAL)
    local = (timezone.localtime() + timedelta(days=30)).replace(
        hour=9, minute=0, second=0, microsecond=0
    )
    thread = scheduling.schedule_thread(
        board=board, author=tutor, title="Week 5", body="Prompt", publish_at=local
    )
    client = signed_in(tutor)
    url = f"/cohorts/{cohort.pk}/scheduled/"
    page = client.get(url).content.decode()
    assert _value_of(page, f"t{thread.pk}-publish_at") == local.strftime("%Y-%m-%dT09:00")
    # Rescheduling with the shown values leaves the time where it was.
    data = {
        f"t{thread.pk}-title": "Week 5, renamed",
        f"t{thread.pk}-publish_at": _value_of(page, f"t{thread.pk}-publish_at"),
    }
    client.post(f"/threads/{thread.pk}/reschedule/", data)
    thread.refresh_from_db()
    assert (thread.title, thread.publish_at) == ("Week 5, renamed", local)


def _project_forms() -> list[type[forms.BaseForm]]:
    for package in ("mentoring", "scenarios", "cms"):
        root = importlib.import_module(package)
        for module in pkgutil.walk_packages(root.__path__, f"{package}."):
            if not any(part in module.name for part in ("migrations", "management")):
                importlib.import_module(module.name)
    found, todo = [], [forms.BaseForm]
    while todo:
        cls = todo.pop()
        todo += cls.__subclasses__()
        if cls.__module__.split(".")[0] in ("mentoring", "scenarios", "cms"):
            found.append(cls)
    return found


@time_machine.travel("2027-06-01 12:00:00+00:00", tick=True)
def test_every_date_and_datetime_input_of_the_project_renders_iso_and_round_trips():
    """A browser shows a date or datetime-local input only with an ISO value: a new form with
    Django's own widgets there (locale format) would show empty dates and erase them on save.
    Any other date input (a text box in the Wagtail admin) must read back what it shows."""
    when = datetime(2027, 9, 1, 9, 0, tzinfo=LONDON)
    checked = []
    for form_class in _project_forms():
        for name, field in form_class.base_fields.items():
            if not isinstance(field, forms.DateField | forms.DateTimeField):
                continue
            where = f"{form_class.__module__}.{form_class.__name__}.{name}"
            value = when if isinstance(field, forms.DateTimeField) else when.date()
            shown = field.widget.format_value(field.prepare_value(value))
            kind = getattr(field.widget, "input_type", "")
            if kind == "datetime-local":
                assert shown == "2027-09-01T09:00", where
            elif kind == "date":
                assert shown == "2027-09-01", where
            assert field.clean(shown) == value, where
            checked.append(where)
    # Cohort settings and creation, prompts and rescheduling, releases (site and admin).
    assert len(checked) >= 10, checked


# --- Errors -----------------------------------------------------------------------------------
def test_field_errors_are_an_alert_region_of_paragraphs_and_the_field_takes_focus(cohort, tutor):
    data = {"name": "", "edit_grace_minutes": 1441, "reader_threshold": 1}
    page = signed_in(tutor).post(f"/cohorts/{cohort.pk}/settings/", data).content.decode()
    assert not re.search(r"<ul[^>]*role=", page)  # a role takes a list's semantics away
    error = re.search(r'<div class="errorlist" id="id_name_error" role="alert">(.*?)</div>', page)
    assert error and error.group(1).startswith("<p>")
    name = re.search(r'<input[^>]*name="name"[^>]*>', page).group(0)
    assert 'aria-invalid="true"' in name and "id_name_error" in name and "autofocus" in name
    grace = re.search(r'<input[^>]*name="edit_grace_minutes"[^>]*>', page).group(0)
    assert "autofocus" not in grace  # only the first field with an error


def test_a_refusal_of_no_field_is_a_focusable_summary_above_the_form(cohort, members):
    board = Board.objects.get(cohort=cohort, kind=Board.Kind.GENERAL)
    thread = posts.create_thread(board=board, author=members[1], title="T", body="b")
    response = signed_in(members[0]).post(
        f"/threads/{thread.pk}/", {"body": "A reply", "reply_to": "not a number"}
    )
    page = response.content.decode()
    assert response.status_code == 400
    summary = re.search(r'<div class="form-errors"[^>]*>', page).group(0)
    assert 'role="alert"' in summary and 'tabindex="-1"' in summary and "autofocus" in summary
    body = re.search(r"<textarea[^>]*>", page).group(0)
    assert "autofocus" not in body


def test_a_failed_reply_focuses_the_reply_field(cohort, members):
    board = Board.objects.get(cohort=cohort, kind=Board.Kind.GENERAL)
    thread = posts.create_thread(board=board, author=members[1], title="T", body="b")
    page = signed_in(members[0]).post(f"/threads/{thread.pk}/", {"body": " "}).content.decode()
    body = re.search(r"<textarea[^>]*>", page).group(0)
    assert 'aria-invalid="true"' in body and "autofocus" in body
    assert 'aria-describedby="id_body_helptext id_body_error"' in body
    assert '<div class="errorlist" id="id_body_error" role="alert">' in page


# --- New cohort -------------------------------------------------------------------------------
def test_the_new_cohort_form_lists_people_and_ticks_its_creator(cohort, members):
    staff = UserFactory(username="staffer", display_name="Sam Staff", is_staff=True)
    page = signed_in(staff).get("/cohorts/new/").content.decode()
    boxes = re.findall(r'<input type="checkbox" name="tutors"[^>]*>', page)
    ticked = [b for b in boxes if "checked" in b]
    assert ticked == [b for b in boxes if f'value="{staff.pk}"' in b]
    assert "Tessa Tutor (tutor_t)" in page  # tutors a cohort already
    assert "Member 1" not in page  # members are enrolled later, not offered as tutors


def test_staff_create_a_cohort_with_the_ticked_tutors(cohort, tutor):
    staff = UserFactory(username="staffer", is_staff=True)
    client = signed_in(staff)
    data = {"name": "Spring", "kind": "induction", "tutors": [staff.pk, tutor.pk]}
    assert client.post("/cohorts/new/", data).status_code == 302
    cohort = Cohort.objects.get(name="Spring")
    tutors = set(
        Membership.objects.filter(cohort=cohort, role="tutor").values_list("user", flat=True)
    )
    assert tutors == {staff.pk, tutor.pk}


def test_a_new_cohort_refuses_no_tutor_or_someone_not_listed(members):
    staff = UserFactory(username="staffer", is_staff=True)
    client = signed_in(staff)
    for tutors, error in (([], "Choose at least one tutor."), ([members[0].pk], "from the list")):
        response = client.post(
            "/cohorts/new/", {"name": "Spring", "kind": "induction", "tutors": tutors}
        )
        assert response.status_code == 200 and error in response.content.decode()
    assert not Cohort.objects.filter(name="Spring").exists()
