"""The privacy notice: public, its periods are the settings in force, and every page and the
joining pages link to it."""

from __future__ import annotations

import re

import pytest

from tests.factories import UserFactory, make_cohort, signed_in

pytestmark = pytest.mark.django_db


def _periods(html: str) -> dict[str, str]:
    return dict(re.findall(r'data-retention="(\w+)">([^<]+)<', html))


def test_the_notice_is_public_and_quotes_the_settings(client, settings):
    settings.RETENTION_READ_EVENTS_MONTHS = 18
    settings.RETENTION_READ_NOTIFICATIONS_DAYS = 45
    settings.RETENTION_EXPIRED_INVITATIONS_DAYS = 60
    settings.RETENTION_ACCESS_LOG_DAYS = 400
    settings.RETENTION_ARCHIVED_COHORT_DAYS = 200
    settings.RETENTION_DRAFTS_DAYS = 21
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    response = client.get("/privacy/")
    assert response.status_code == 200
    assert _periods(response.content.decode()) == {
        "read_events_months": "18 months",
        "read_notifications_days": "45 days",
        "expired_invitations_days": "60 days",
        "live_event_hours": "24 hours",
        "access_log_days": "400 days",
        "archived_cohort_days": "200 days",
        "drafts_days": "21 days",
    }


def test_the_notice_mentions_mail_files_only_where_they_are_kept(client, settings):
    settings.EMAIL_BACKEND = "mentoring.core.mail.FilePerMessageBackend"
    settings.RETENTION_LOCAL_MAIL_DAYS = 3
    assert _periods(client.get("/privacy/").content.decode())["local_mail_days"] == "3 days"


def test_the_notice_is_not_writable(client):
    assert client.post("/privacy/").status_code == 405


def test_every_page_s_footer_links_to_it(client):
    member = UserFactory(username="rita")
    cohort = make_cohort(name="Footer", members=[member])
    for response in (
        client.get("/accounts/login/"),
        signed_in(member).get(f"/cohorts/{cohort.pk}/"),
        signed_in(member).get("/notifications/"),
    ):
        footer = response.content.decode().split('<footer class="site-footer"')[1]
        assert 'href="/privacy/"' in footer


def test_the_invitation_and_join_pages_link_to_it(client):
    from datetime import timedelta

    from django.utils import timezone

    from mentoring.models import Invitation, JoinLink

    cohort = make_cohort(name="Joining")
    invitation = Invitation.objects.create(
        cohort=cohort, email="new@example.test", expires_at=timezone.now() + timedelta(days=7)
    )
    link = JoinLink.objects.create(cohort=cohort, enabled=True)
    for path in (f"/invitations/{invitation.token}/", f"/join/{link.token}/"):
        response = client.get(path)
        assert response.status_code == 200, path
        main = response.content.decode().split('<footer class="site-footer"')[0]
        assert 'href="/privacy/"' in main, path
