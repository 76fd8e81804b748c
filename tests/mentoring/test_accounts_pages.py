import re

import pytest
from django.core import mail
from django.test import Client

from mentoring.models import Notification
from mentoring.notifications.services.notifications import notify
from mentoring.notifications.services.tasks import send_notification_email
from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db


def test_wrong_password_shows_an_error_and_signs_nobody_in(members):
    client = Client()
    response = client.post("/accounts/login/", {"login": "member1", "password": "nope"})
    assert response.status_code == 200
    assert b"Please enter a correct username and password" in response.content
    assert "_auth_user_id" not in client.session


def test_sign_in_then_home_lists_cohorts(cohort, members, wagtail_root):
    from demo.site import seed_home_page

    seed_home_page()
    client = Client()
    response = client.post("/accounts/login/", {"login": "member1", "password": TEST_PASSWORD})
    assert response.status_code == 302
    home = client.get("/")
    assert home.status_code == 200
    assert cohort.name.encode() in home.content
    assert b"Sign out" in home.content


def test_visitors_see_what_staffroom_is(wagtail_root):
    from demo.site import seed_home_page

    seed_home_page()
    response = Client().get("/")
    assert b"Staffroom is where newly qualified teachers" in response.content
    assert b"Sign in" in response.content


def test_notifications_page_and_mark_read(members):
    notify(user=members[0], kind="system", title="Read me")
    client = Client()
    client.force_login(members[0])
    assert b"Read me" in client.get("/notifications/").content
    client.post("/notifications/")
    assert not Notification.objects.filter(user=members[0], read_at__isnull=True).exists()


def test_notification_email_is_sent_once_by_the_task(members):
    notification = notify(user=members[0], kind="system", title="By email", body="Body text")
    assert send_notification_email.call(notification.pk) is True
    assert send_notification_email.call(notification.pk) is False
    assert len(mail.outbox) == 1 and "By email" in mail.outbox[0].subject


def test_withdrawn_notification_sends_no_email(members):
    notification = notify(user=members[0], kind="system", title="Gone")
    Notification.objects.filter(pk=notification.pk).delete()
    assert send_notification_email.call(notification.pk) is False
    assert mail.outbox == []


def test_users_who_chose_off_get_no_email_queued(members):
    members[0].email_preference = "off"
    members[0].save()
    notification = notify(user=members[0], kind="system", title="Quiet")
    assert notification.email_due_at is None


def test_password_reset_sends_a_link(members):
    response = Client().post("/accounts/password/reset/", {"email": members[0].email})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert "/accounts/password/reset/key/" in mail.outbox[0].body


def test_the_two_account_pages_say_which_is_which(members):
    """Both were headed "Your account"; each now says what it holds, and the title agrees."""
    client = Client()
    client.force_login(members[0])
    headings = {}
    for path in ("/accounts/profile/", "/settings/notifications/"):
        page = client.get(path).content.decode()
        [heading] = re.findall(r"<h1>(.*?)</h1>", page)
        assert f"<title>{heading} · Staffroom</title>" in page, path
        headings[path] = heading
    assert headings == {
        "/accounts/profile/": "Your name and sign-in",
        "/settings/notifications/": "Account and e-mail",
    }
