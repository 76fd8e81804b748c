"""Account e-mails and the e-mail address page: every e-mail allauth sends is Staffroom's (its
name and address, never the request's host, no "register an account"); a person with two-factor
on can change their address, after confirming it is them; the old address hears of the change."""

from __future__ import annotations

import re
import time

import pytest
from allauth.account.adapter import get_adapter
from allauth.account.internal.flows.login import AUTHENTICATION_METHODS_SESSION_KEY
from allauth.account.models import EmailAddress, EmailConfirmationHMAC
from allauth.account.utils import user_pk_to_url_str
from allauth.core import context
from allauth.mfa.totp.internal.auth import SECRET_SESSION_KEY, format_hotp_value, hotp_value
from django.core import mail
from django.test import Client, RequestFactory

from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db

SITE = "https://staffroom.school.test"
# What the brief found in allauth's own e-mails, and the placeholders of Django's Sites.
FORBIDDEN = ("127.0.0.1", "example.com", "register", "Hello from", "testserver")


@pytest.fixture(autouse=True)
def site_address(settings):
    settings.WAGTAILADMIN_BASE_URL = SITE + "/"


def _assert_staffroom(message) -> None:
    text = f"{message.subject}\n{message.body}"
    for word in FORBIDDEN:
        assert word.lower() not in text.lower(), (word, text)
    assert message.subject.startswith("[Staffroom] ")
    assert "Staffroom" in message.body and "staffroom.school.test" in message.body
    for url in re.findall(r"https?://\S+", message.body):
        assert url.startswith(SITE + "/"), url


def _send_each(user) -> dict[str, object]:
    """Every template allauth may send here, through the adapter's own sending methods, for a
    request that came in on the development server's address (as the new users' did)."""
    request = RequestFactory().get(
        "/", HTTP_HOST="127.0.0.1:8610", REMOTE_ADDR="203.0.113.9", HTTP_USER_AGENT="Chromium"
    )
    request.user = user
    request.session = {}
    address = EmailAddress.objects.create(user=user, email="new@school.test")
    sent = {}
    with context.request_context(request):
        adapter = get_adapter(request)

        def send(prefix, call):
            before = len(mail.outbox)
            call()
            assert len(mail.outbox) == before + 1, prefix
            sent[prefix] = mail.outbox[-1]

        confirmation = EmailConfirmationHMAC(address)
        send(
            "email_confirmation",
            lambda: adapter.send_confirmation_mail(request, confirmation, signup=False),
        )
        send(
            "email_confirmation_signup",
            lambda: adapter.send_confirmation_mail(request, confirmation, signup=True),
        )
        send(
            "password_reset_key",
            lambda: adapter.send_password_reset_mail(
                user,
                user.email,
                {
                    "user": user,
                    "password_reset_url": adapter.get_reset_password_from_key_url("1-key"),
                    "username": user.username,
                },
            ),
        )
        send(
            "unknown_account",
            lambda: adapter.send_mail("account/email/unknown_account", "who@school.test", {}),
        )
        send(
            "account_already_exists",
            lambda: adapter.send_account_already_exists_mail(user.email),
        )
        send(
            "login_code",
            lambda: adapter.send_mail("account/email/login_code", user.email, {"code": "ABC123"}),
        )
        send(
            "password_reset_code",
            lambda: adapter.send_mail(
                "account/email/password_reset_code", user.email, {"code": "ABC123"}
            ),
        )
        notices = {
            "account/email/email_changed": {"from_email": user.email, "to_email": address.email},
            "account/email/email_confirm": {"email": address.email},
            "account/email/email_deleted": {"deleted_email": address.email},
            "account/email/password_changed": {},
            "account/email/password_set": {},
            "account/email/password_reset": {},
            "mfa/email/totp_activated": {},
            "mfa/email/totp_deactivated": {},
            "mfa/email/recovery_codes_generated": {},
            "mfa/email/webauthn_added": {},
            "mfa/email/webauthn_removed": {},
        }
        for prefix, extra in notices.items():
            send(prefix, lambda: adapter.send_notification_mail(prefix, user, extra))  # noqa: B023
    return sent


def test_every_account_email_is_staffroom_s_own(members):
    sent = _send_each(members[0])
    assert len(sent) == 18
    for prefix, message in sent.items():
        _assert_staffroom(message)
        assert "{{" not in message.body and "{%" not in message.body, prefix
    confirm = sent["email_confirmation"].body
    assert f"{SITE}/accounts/confirm-email/" in confirm
    # The reset link is made when the e-mail is sent (it is never stored): a real one.
    uid = user_pk_to_url_str(members[0])
    assert f"{SITE}/accounts/password/reset/key/{uid}-" in sent["password_reset_key"].body
    assert "1-key" not in sent["password_reset_key"].body
    # Nobody signs up alone: a stranger's address is told that accounts come by invitation.
    assert "invitation" in sent["unknown_account"].body
    notice = sent["account/email/password_changed"].body
    assert "203.0.113.9" in notice and f"{SITE}/accounts/password/reset/" in notice


def _code(secret: str) -> str:
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def _signed_in_with_totp(user) -> tuple[Client, str]:
    client = Client(REMOTE_ADDR="203.0.113.7", HTTP_USER_AGENT="Chromium on a phone")
    client.post("/accounts/login/", {"login": user.username, "password": TEST_PASSWORD})
    client.post("/accounts/reauthenticate/", {"password": TEST_PASSWORD})
    client.get("/accounts/2fa/totp/activate/")
    secret = client.session[SECRET_SESSION_KEY]
    assert client.post("/accounts/2fa/totp/activate/", {"code": _code(secret)}).status_code == 302
    return client, secret


def _age_the_sign_in(client: Client) -> None:
    """Move every record of when this person last proved who they are an hour back."""
    session = client.session
    session[AUTHENTICATION_METHODS_SESSION_KEY] = [
        {**record, "at": record["at"] - 3600}
        for record in session[AUTHENTICATION_METHODS_SESSION_KEY]
    ]
    session.save()


def test_with_two_factor_on_the_address_changes_after_a_fresh_code_and_the_link(tutor):
    old = tutor.email
    client, secret = _signed_in_with_totp(tutor)
    _age_the_sign_in(client)
    mail.outbox.clear()

    # Not confirmed recently: the change waits for the person to prove it is them.
    response = client.post("/accounts/email/", {"action_add": "", "email": "t.new@school.test"})
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/reauthenticate/")
    assert not EmailAddress.objects.filter(email="t.new@school.test").exists()
    assert mail.outbox == []
    # A code from the authenticator app will do, and the change it asked for then goes ahead.
    query = response["Location"].partition("?")[2]
    resumed = client.post(f"/accounts/2fa/reauthenticate/?{query}", {"code": _code(secret)})
    assert resumed.status_code == 302 and resumed["Location"] == "/accounts/email/"
    assert b"protected by two-factor" not in client.get("/accounts/email/").content
    pending = EmailAddress.objects.get(email="t.new@school.test")
    assert pending.user == tutor and not pending.verified
    tutor.refresh_from_db()
    assert tutor.email == old  # unchanged until the link is followed

    [confirmation] = mail.outbox
    assert confirmation.to == ["t.new@school.test"]
    _assert_staffroom(confirmation)
    link = re.search(rf"{SITE}(/accounts/confirm-email/\S+)", confirmation.body).group(1)
    assert client.post(link).status_code == 302
    tutor.refresh_from_db()
    assert tutor.email == "t.new@school.test"
    assert list(EmailAddress.objects.filter(user=tutor).values_list("email", "verified")) == [
        ("t.new@school.test", True)
    ]

    # The old address is told, in case it was not the owner who did it.
    [notice] = [m for m in mail.outbox if m.to == [old]]
    _assert_staffroom(notice)
    assert "changed" in notice.subject
    assert old in notice.body and "t.new@school.test" in notice.body
    assert "203.0.113.7" in notice.body and "Chromium on a phone" in notice.body
    assert "wasn't you" in notice.body


def _visible_text(response) -> str:
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", response.content.decode(), flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_account_pages_speak_of_invitations_not_signing_up(members):
    anonymous = Client()
    closed = anonymous.get("/accounts/signup/")
    assert closed.status_code == 200
    assert "<h1>Joining Staffroom</h1>" in closed.content.decode()
    assert "invitation" in _visible_text(closed)
    member = Client()
    member.force_login(members[0])
    pages = [closed, anonymous.get("/accounts/confirm-email/"), member.get("/accounts/email/")]
    for page in pages:
        text = _visible_text(page).lower()
        for word in ("sign up", "signup", "register", "email address"):
            assert word not in text, (page.wsgi_request.path, word)
    email_page = pages[-1].content.decode()
    assert "<h1>Your e-mail address</h1>" in email_page
    assert 'style="' not in email_page  # the Content-Security-Policy refuses inline styles
