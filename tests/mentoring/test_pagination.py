"""The keyset pagination helper every list uses: complete, stable, and strict about cursors."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db.models import F
from django.db.models.functions import Lower
from django.utils import timezone

from mentoring.core.errors import Invalid
from mentoring.core.pagination import (
    InvalidPage,
    Key,
    PageSize,
    _fingerprint,
    decode_cursor,
    encode_cursor,
    keyset_page,
)
from mentoring.models import Membership
from tests.factories import UserFactory, make_cohort

pytestmark = pytest.mark.django_db


@pytest.fixture
def crowd(tutor):
    people = [UserFactory(username=f"p{i:02d}", display_name=f"Name {i % 4}") for i in range(23)]
    cohort = make_cohort(name="Crowd", tutors=[tutor], members=people)
    now = timezone.now()
    # Some members never seen (NULL), others seen at a few shared moments (ties).
    for i, person in enumerate(people):
        seen = None if i % 3 == 0 else now - timedelta(hours=i % 5)
        Membership.objects.filter(cohort=cohort, user=person).update(last_seen_at=seen)
    return cohort


def _walk(queryset, order, limit):
    seen, cursor, pages = [], None, 0
    while True:
        page = keyset_page(queryset, order=order, limit=limit, cursor=cursor)
        seen += [row.pk for row in page.items]
        pages += 1
        if page.next_cursor is None:
            return seen, pages
        cursor = page.next_cursor


@pytest.mark.parametrize(
    "order",
    [
        ["id"],
        ["-id"],
        [F("last_seen_at").desc(nulls_last=True), "pk"],
        [F("last_seen_at").asc(nulls_first=True), "-pk"],
        [Key(Lower("user__display_name")), Key("last_seen_at", descending=True), "pk"],
    ],
)
def test_pages_cover_every_row_once_in_the_full_order(crowd, order):
    rows = Membership.objects.filter(cohort=crowd, role=Membership.Role.MEMBER)
    expected = list(
        keyset_page(rows, order=order, limit=1000).items
    )  # one page: the reference order
    seen, pages = _walk(rows, order, limit=5)
    assert seen == [row.pk for row in expected]
    assert len(seen) == 23 and pages == 5


def test_values_querysets_page_without_leaking_the_keys(crowd):
    rows = Membership.objects.filter(cohort=crowd).values("user_id", name=F("user__username"))
    page = keyset_page(rows, order=["user__username", "id"], limit=3)
    assert all(set(row) == {"user_id", "name"} for row in page.items)
    after = keyset_page(rows, order=["user__username", "id"], limit=3, cursor=page.next_cursor)
    assert [r["name"] for r in page.items + after.items] == sorted(
        Membership.objects.filter(cohort=crowd).values_list("user__username", flat=True)
    )[:6]


def test_rows_added_meanwhile_do_not_shift_the_next_page(crowd):
    rows = Membership.objects.filter(cohort=crowd)
    first = keyset_page(rows, order=["-id"], limit=5)
    make_cohort(name="Other", tutors=[UserFactory()], members=[UserFactory()])
    Membership.objects.create(cohort=crowd, user=UserFactory(), role=Membership.Role.MEMBER)
    second = keyset_page(rows, order=["-id"], limit=5, cursor=first.next_cursor)
    assert max(r.pk for r in second.items) < min(r.pk for r in first.items)


@pytest.mark.parametrize("cursor", ["garbage", "!!!", "eyJvIjoxfQ", "e30"])
def test_a_cursor_not_handed_out_is_refused(crowd, cursor):
    rows = Membership.objects.filter(cohort=crowd)
    with pytest.raises(InvalidPage) as refused:
        keyset_page(rows, order=["id"], limit=5, cursor=cursor)
    assert isinstance(refused.value, Invalid) and refused.value.code == "invalid_cursor"


def test_a_cursor_is_tied_to_its_order_and_its_types(crowd):
    rows = Membership.objects.filter(cohort=crowd)
    cursor = keyset_page(rows, order=["id"], limit=5).next_cursor
    with pytest.raises(InvalidPage):
        keyset_page(rows, order=["-id"], limit=5, cursor=cursor)
    fingerprint = decode_cursor(cursor, _fingerprint([Key("id")], ""), 1) and _fingerprint(
        [Key("id")], ""
    )
    forged = encode_cursor(["not a number"], fingerprint)  # right order, wrong type
    with pytest.raises(InvalidPage):
        keyset_page(rows, order=["id"], limit=5, cursor=forged)


def test_limits_parse_within_their_bounds():
    size = PageSize(default=50, maximum=200)
    assert size.parse(None) == 50 and size.parse("") == 50 and size.parse("200") == 200
    for bad in ("0", "201", "-3", "ten", "1.5"):
        with pytest.raises(InvalidPage) as refused:
            size.parse(bad)
        assert refused.value.code == "invalid_limit"
