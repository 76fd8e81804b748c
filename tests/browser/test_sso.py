"""Single sign-on in Chromium against two real identity providers on their own ports
(tests/idp/: django-oidc-provider for a school, djangosaml2idp on pysaml2 for a university):
an invited NQT comes in through OpenID Connect and lands in the cohort, a tutor comes in through
SAML and sees their dashboard, an uninvited person is stopped with the reason, and the
required-SSO policy refuses a tutor's password."""

from __future__ import annotations

import urllib.request
from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.utils import timezone
from playwright.sync_api import expect

from mentoring.models import Invitation, Membership, SignInPolicy, User
from tests.browser.axe import axe_source, axe_violations
from tests.factories import TEST_PASSWORD, UserFactory, make_cohort
from tests.sso.helpers import PASSWORD, idp_user, oidc_app, register_sp, saml_app

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _invite(cohort, email: str, role: str = "member") -> Invitation:
    now = timezone.now()
    return Invitation.objects.create(
        cohort=cohort, email=email, role=role, expires_at=now + timedelta(days=14)
    )


def _continue_with(page, email: str, label: str, *, axe: list[str] | None = None) -> None:
    if axe is not None:
        axe += [f"sign-in: {v}" for v in axe_violations(page, axe_source())]
    page.fill("#id_sso_email", email)
    page.get_by_role("button", name="Continue", exact=True).click()
    if axe is not None:
        axe += [f"continue: {v}" for v in axe_violations(page, axe_source())]
    page.get_by_role("button", name=f"Continue with {label}").click()


def _idp_sign_in(page, username: str, button: str) -> None:
    try:
        page.wait_for_selector("#id_username", timeout=10_000)
    except Exception:
        raise AssertionError(f"not at the IdP: {page.url}\n{page.content()[:1500]}") from None
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name=button).click()


def _click(page, button: str) -> None:
    try:
        page.get_by_role("button", name=button).click()
    except Exception:
        raise AssertionError(f"no {button!r} at {page.url}:\n{page.content()[:3000]}") from None


def test_an_invited_nqt_signs_in_through_the_school_and_lands_in_the_cohort(
    browser_as, live_url, oidc_op, tutor
):
    oidc_app(oidc_op, redirect_host=live_url)
    cohort = make_cohort(name="Oakfield NQTs 2026", tutors=[tutor])
    _invite(cohort, "nina@school.example")
    idp_user(oidc_op, "nina", "nina@school.example", "Nina", "Newly")
    page = browser_as()
    page.goto("/accounts/login/")
    _continue_with(page, "nina@school.example", "Oakfield School")
    _idp_sign_in(page, "nina", "Sign in to the school")
    page.wait_for_url(f"{live_url}/cohorts/{cohort.pk}/")
    expect(page.locator("h1")).to_contain_text("Oakfield NQTs 2026")
    nina = User.objects.get(email="nina@school.example")
    assert Membership.objects.filter(cohort=cohort, user=nina, role="member").exists()


def test_a_tutor_signs_in_through_the_university_and_sees_their_dashboard(
    browser_as, live_url, saml_idp
):
    app = saml_app(None, saml_idp)
    with urllib.request.urlopen(f"{live_url}/accounts/saml/uni/metadata/") as response:
        register_sp(saml_idp, response.read().decode(), f"{live_url}/accounts/saml/uni/metadata/")
    tessa = UserFactory(username="tessa", email="tessa@uni.example", display_name="Tessa")
    EmailAddress.objects.create(user=tessa, email=tessa.email, verified=True, primary=True)
    cohort = make_cohort(name="PGCE primary", tutors=[tessa])
    idp_user(saml_idp, "tessa", "tessa@uni.example", "Tessa", "Tutor")
    page = browser_as()
    page.goto(f"/cohorts/{cohort.pk}/dashboard/")
    _continue_with(page, "tessa@uni.example", app.name)
    _idp_sign_in(page, "tessa", "Sign in to the university")
    # Her account exists: she confirms the link once.
    _click(page, "Link and sign in")
    page.wait_for_url(f"{live_url}/cohorts/{cohort.pk}/dashboard/")
    expect(page.locator("h1")).to_contain_text("Participation in PGCE primary")


def test_an_uninvited_person_is_stopped_with_the_reason(browser_as, live_url, oidc_op):
    oidc_app(oidc_op, redirect_host=live_url)
    idp_user(oidc_op, "ursula", "ursula@school.example")
    page = browser_as()
    page.goto("/accounts/login/")
    problems: list[str] = []
    _continue_with(page, "ursula@school.example", "Oakfield School", axe=problems)
    _idp_sign_in(page, "ursula", "Sign in to the school")
    expect(page.locator("h1")).to_have_text("You are not signed in")
    expect(page.get_by_role("alert")).to_contain_text("ask your tutor to invite")
    problems += [f"refused: {v}" for v in axe_violations(page, axe_source())]
    assert problems == [], "\n".join(problems)
    assert not User.objects.filter(email="ursula@school.example").exists()


def test_the_required_sso_policy_refuses_a_tutors_password(browser_as, live_url, oidc_op):
    oidc_app(oidc_op, redirect_host=live_url)
    SignInPolicy(require_sso_for_staff_and_tutors=True).save()
    tessa = UserFactory(username="tessa", email="tessa@school.example")
    make_cohort(name="Mentors", tutors=[tessa])
    page = browser_as()
    page.goto("/accounts/login/")
    page.get_by_role("link", name="Sign in with a username and password").click()
    page.fill("#id_login", "tessa")
    page.fill("#id_password", TEST_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("passwords are not accepted")
    page.goto("/accounts/profile/")
    assert "/accounts/login/" in page.url
