"""The sign-in policy and single sign-on: required SSO for staff and tutors, two-factor left to
the identity provider (or not), signing out with the provider's single logout, a deactivated
person kept out; and the sign-in page's e-mail-first step."""

from __future__ import annotations

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.socialaccount.models import SocialAccount, SocialApp
from django.test import Client

from mentoring.accounts.selectors.policy import AUTHENTICATION_METHODS_SESSION_KEY
from mentoring.models import SignInPolicy, User
from mentoring.sso import adapter as sso_adapter
from tests.factories import TEST_PASSWORD, UserFactory, make_cohort
from tests.sso.helpers import idp_user, oidc_app, oidc_sign_in, saml_app

pytestmark = pytest.mark.django_db


def _offline_idp(**settings) -> SocialApp:
    """An identity provider row (no server: these tests do not go there)."""
    return SocialApp.objects.create(
        provider="openid_connect",
        provider_id="school",
        name="Oakfield School",
        client_id="c",
        secret="s",
        settings={"server_url": "https://idp.school.example", "domains": ["school.example"]},
    )


def _password_sign_in(user) -> object:
    return Client().post("/accounts/login/", {"login": user.username, "password": TEST_PASSWORD})


# --- Required single sign-on ------------------------------------------------------------------
def test_required_sso_refuses_tutors_and_staff_passwords_but_not_members(cohort, tutor, members):
    _offline_idp()
    SignInPolicy(require_sso_for_staff_and_tutors=True).save()
    staff = UserFactory(username="staffer", is_staff=True)
    for person in (tutor, staff):
        response = _password_sign_in(person)
        assert response.status_code == 403
        assert b'data-code="sso_required"' in response.content
        assert "_auth_user_id" not in response.wsgi_request.session
    assert _password_sign_in(members[0]).status_code == 302


def test_required_sso_waits_for_an_identity_provider_and_spares_superusers(cohort, tutor):
    SignInPolicy(require_sso_for_staff_and_tutors=True).save()
    assert _password_sign_in(tutor).status_code == 302  # no IdP yet: nobody locked out
    _offline_idp()
    root = UserFactory(username="root", is_staff=True, is_superuser=True)
    assert _password_sign_in(root).status_code == 302  # to repair a broken IdP
    assert _password_sign_in(tutor).status_code == 403


def test_passwords_work_for_tutors_while_the_policy_does_not_require_sso(cohort, tutor):
    _offline_idp()
    assert _password_sign_in(tutor).status_code == 302


# --- Two-factor --------------------------------------------------------------------------------
def _session_through_sso(user) -> Client:
    client = Client()
    client.force_login(user)
    session = client.session
    session[AUTHENTICATION_METHODS_SESSION_KEY] = [
        {"method": "socialaccount", "provider": "school", "uid": "x", "at": 0}
    ]
    session.save()
    return client


def test_two_factor_set_up_is_the_identity_providers_business_after_sso(cohort, tutor):
    SignInPolicy(require_two_factor_for_staff_and_tutors=True).save()
    through_sso = _session_through_sso(tutor)
    assert through_sso.get(f"/cohorts/{cohort.pk}/members/").status_code == 200
    with_password = Client()
    with_password.force_login(tutor)
    response = with_password.get(f"/cohorts/{cohort.pk}/members/")
    assert response.status_code == 302 and "/accounts/2fa/totp/activate/" in response["Location"]


def test_staff_can_have_two_factor_asked_after_sso_too(cohort, tutor):
    SignInPolicy(
        require_two_factor_for_staff_and_tutors=True, sso_counts_as_two_factor=False
    ).save()
    response = _session_through_sso(tutor).get(f"/cohorts/{cohort.pk}/members/")
    assert response.status_code == 302 and "/accounts/2fa/totp/activate/" in response["Location"]


def _linked_tutor_with_totp(oidc_op):
    app = oidc_app(oidc_op)
    tessa = UserFactory(username="tessa", email="tessa@school.example")
    EmailAddress.objects.create(user=tessa, email=tessa.email, verified=True, primary=True)
    make_cohort(name="Mentors", tutors=[tessa])
    Authenticator.objects.create(user=tessa, type=Authenticator.Type.TOTP, data={"secret": "x"})
    idp_user(oidc_op, "tessa", "tessa@school.example", "Tessa", "Tutor")
    client = Client()
    assert oidc_sign_in(client, app, "tessa@school.example", "tessa")["Location"].endswith(
        "/accounts/sso/link/"
    )
    client.post("/accounts/sso/link/")
    assert SocialAccount.objects.filter(user=tessa).exists()
    return app, tessa


def test_an_sso_sign_in_asks_no_authenticator_code(oidc_op):
    app, tessa = _linked_tutor_with_totp(oidc_op)
    client = Client()
    response = oidc_sign_in(client, app, "tessa@school.example", "tessa")
    assert response.status_code == 302 and "/2fa/" not in response["Location"]
    assert client.session["_auth_user_id"] == str(tessa.pk)


def test_an_sso_sign_in_asks_the_code_when_the_policy_says_so(oidc_op):
    app, tessa = _linked_tutor_with_totp(oidc_op)
    SignInPolicy(sso_counts_as_two_factor=False).save()
    client = Client()
    response = oidc_sign_in(client, app, "tessa@school.example", "tessa")
    assert response.status_code == 302 and response["Location"] == "/accounts/2fa/authenticate/"
    assert "_auth_user_id" not in client.session


# --- Signing out, deactivation ---------------------------------------------------------------
def _invited_sign_in(oidc_op, app, tutor) -> Client:
    from mentoring.invitations.services.invitations import invite_emails

    cohort = make_cohort(name="Oakfield", tutors=[tutor])
    invite_emails(cohort=cohort, by=tutor, emails=["nina@school.example"])
    idp_user(oidc_op, "nina", "nina@school.example", "Nina", "Newly")
    client = Client()
    assert oidc_sign_in(client, app, "nina@school.example", "nina").status_code == 302
    return client


def test_signing_out_ends_the_session_and_offers_the_providers_single_logout(oidc_op, tutor):
    app = oidc_app(oidc_op)
    client = _invited_sign_in(oidc_op, app, tutor)
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/sso/signed-out/?idp={app.pk}"
    assert "_auth_user_id" not in client.session
    page = client.get(response["Location"])
    assert b"Sign out of Oakfield School too" in page.content
    assert oidc_op.url in page["Content-Security-Policy"]
    out = client.post(f"/accounts/sso/logout/{app.pk}/")
    assert out.status_code == 302
    assert out["Location"].startswith(f"{oidc_op.url}/openid/end-session")
    assert "post_logout_redirect_uri=" in out["Location"]


def test_a_password_session_signs_out_as_before(cohort, members):
    _offline_idp()
    client = Client()
    client.force_login(members[0])
    assert client.post("/accounts/logout/")["Location"] == "/"


def test_the_saml_single_logout_sends_a_logout_request(saml_idp):
    client = Client(HTTP_HOST="testserver")
    app = saml_app(client, saml_idp)
    out = client.post(f"/accounts/sso/logout/{app.pk}/")
    assert out.status_code == 302
    assert out["Location"].startswith(f"{saml_idp.url}/idp/slo/redirect/?SAMLRequest=")


def test_a_deactivated_person_is_kept_out_and_their_sockets_close(oidc_op, tutor, monkeypatch):
    app = oidc_app(oidc_op)
    _invited_sign_in(oidc_op, app, tutor)
    nina = User.objects.get(email="nina@school.example")
    closed: list[int] = []
    monkeypatch.setattr(
        sso_adapter.events, "user_deactivated", lambda *, user_id: closed.append(user_id)
    )
    nina.is_active = False
    nina.save()  # staff deactivate her: mentoring.accounts.receivers closes her sockets
    assert closed == [nina.pk]
    client = Client()
    response = oidc_sign_in(client, app, "nina@school.example", "nina")
    assert response.status_code == 302 and response["Location"] == "/accounts/inactive/"
    assert "_auth_user_id" not in client.session
    assert closed == [nina.pk, nina.pk]  # and again when she tries to come back


# --- The sign-in page --------------------------------------------------------------------------
def test_without_an_identity_provider_the_sign_in_page_is_as_before(db):
    page = Client().get("/accounts/login/")
    assert b'name="password"' in page.content
    assert b"sso_route" not in page.content and b"/accounts/sso/" not in page.content


def test_with_an_identity_provider_the_page_asks_for_the_address_first(db):
    _offline_idp()
    page = Client().get("/accounts/login/")
    assert b'action="/accounts/sso/"' in page.content
    assert b'name="password"' not in page.content
    password = Client().get("/accounts/login/?password=1&login=pat%40example.test")
    assert (
        b'name="password"' in password.content and b'value="pat@example.test"' in password.content
    )


def test_the_address_routes_to_its_provider_or_to_the_password(db):
    app = _offline_idp()
    client = Client()
    page = client.post("/accounts/sso/", {"email": "Nina@Pupils.School.Example"})
    assert page.status_code == 200
    assert b"Continue with Oakfield School" in page.content
    assert f'name="app" value="{app.pk}"'.encode() in page.content
    assert "https://idp.school.example" in page["Content-Security-Policy"]
    other = client.post("/accounts/sso/", {"email": "pat@example.test", "next": "/inbox/"})
    assert other.status_code == 302
    assert (
        other["Location"] == "/accounts/login/?password=1&login=pat%40example.test&next=%2Finbox%2F"
    )
    bad = client.post("/accounts/sso/", {"email": "not an address"})
    assert bad.status_code == 400
