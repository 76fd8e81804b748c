"""Response headers every page gets: a Content-Security-Policy, a Permissions-Policy, and no
caching of what a signed-in person sees."""

from __future__ import annotations

from csp.middleware import CSPMiddleware, PolicyParts
from django.conf import settings
from django.http import HttpRequest, HttpResponseBase
from django.utils.cache import patch_cache_control

from mentoring.lti.selectors import framed_by_platforms, lti_frame_ancestors

ADMIN_PREFIXES = ("/admin/", "/django-admin/")


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's policy (settings.CONTENT_SECURITY_POLICY: no inline scripts or styles), with
    the allowances Wagtail's and Django's admin need added on their paths only
    (settings.CONTENT_SECURITY_POLICY_ADMIN_UPDATE)."""

    def get_policy_parts(
        self, request: HttpRequest, response: HttpResponseBase, report_only: bool = False
    ) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        if not report_only and request.path_info.startswith(ADMIN_PREFIXES):
            parts.update = {
                **settings.CONTENT_SECURITY_POLICY_ADMIN_UPDATE,
                **(parts.update or {}),
            }
        elif not report_only and framed_by_platforms(request, response):
            # Learning platforms open Staffroom in an iframe (LTI): their origins may frame the
            # LTI pages and the pages of a session that came by a launch; nobody else's may,
            # and other sessions (and the admin) stay 'self' only.
            origins = lti_frame_ancestors()
            if origins:
                parts.update = {**(parts.update or {}), "frame-ancestors": origins}
        return parts


def permissions_policy(features: dict[str, list[str]]) -> str:
    """``{"camera": [], "fullscreen": ["self", "https://x"]}`` as the header's structured-field
    syntax: ``camera=(), fullscreen=(self "https://x")``."""

    def origin(value: str) -> str:
        return value if value in {"self", "*"} else f'"{value}"'

    return ", ".join(
        f"{feature}=({' '.join(origin(value) for value in allowed)})"
        for feature, allowed in features.items()
    )


class PermissionsPolicyMiddleware:
    """``Permissions-Policy`` on every response (pages, the API, files): the browser features
    Staffroom does not use are switched off for its pages and for anything framed in them
    (settings.PERMISSIONS_POLICY)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if settings.PERMISSIONS_POLICY:
            response.headers.setdefault(
                "Permissions-Policy", permissions_policy(settings.PERMISSIONS_POLICY)
            )
        return response


class PrivateCacheMiddleware:
    """What a signed-in person sees is theirs: ``Cache-Control: private, no-store`` on every
    response to a session or bearer-token request, so neither a shared proxy nor the browser's
    back-button cache keeps it after sign-out."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        signed_in = user is not None and user.is_authenticated
        if signed_in or "authorization" in request.headers:
            patch_cache_control(response, private=True, no_store=True)
        return response
