"""The account pages in Chromium, at desktop and phone size: axe-core reports nothing, nothing
scrolls sideways, and the browser enforces the Permissions-Policy (camera, microphone, location
off; full screen still on for the page and embedded videos)."""

from __future__ import annotations

import pytest

from tests.browser.axe import DESKTOP, PHONE, axe_source, axe_violations, sideways_overflow

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SIGNED_IN = ["/accounts/profile/", "/settings/notifications/", "/accounts/email/", "/accounts/2fa/"]
SIGNED_OUT = ["/accounts/signup/", "/accounts/password/reset/", "/accounts/confirm-email/"]
# Chromium's own reading of the header: which features this document may use.
ALLOWED = """() => Object.fromEntries(
    ["camera", "microphone", "geolocation", "payment", "usb", "fullscreen"]
        .map((feature) => [feature, document.featurePolicy.allowsFeature(feature)]))"""


def test_account_pages_pass_axe_fit_a_phone_and_get_the_permissions_policy(browser_as, members):
    source = axe_source()
    problems: list[str] = []
    for page, urls in ((browser_as(members[0]), SIGNED_IN), (browser_as(), SIGNED_OUT)):
        for size_name, size in (("desktop", DESKTOP), ("phone", PHONE)):
            page.set_viewport_size(size)
            for url in urls:
                response = page.goto(url)
                if response is None or response.status != 200:
                    problems.append(f"{url} {size_name}: HTTP {response and response.status}")
                    continue
                if size is PHONE and (overflow := sideways_overflow(page)) > 0:
                    problems.append(f"{url} phone: scrolls sideways by {overflow}px")
                problems += [f"{url} {size_name}: {v}" for v in axe_violations(page, source)]
        allowed = page.evaluate(ALLOWED)
        assert allowed == {
            "camera": False,
            "microphone": False,
            "geolocation": False,
            "payment": False,
            "usb": False,
            "fullscreen": True,
        }, page.url
    assert problems == [], "\n".join(problems)
