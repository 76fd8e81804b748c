from django.conf import settings
from django.contrib import admin
from django.core.exceptions import BadRequest
from django.db import connections
from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect, JsonResponse
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import include, path, re_path
from django.utils.functional import SimpleLazyObject, empty
from django.views.decorators.csrf import csrf_exempt
from django.views.static import serve as serve_media
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from config.api import api
from mentoring.accounts.views import admin_login_redirect
from mentoring.core.health import healthz
from mentoring.core.middleware import API_PREFIX


def favicon(request: HttpRequest) -> HttpResponsePermanentRedirect:
    """Browsers ask for /favicon.ico whatever the page links; the icon is a static SVG."""
    return HttpResponsePermanentRedirect(static("mentoring/favicon.svg"))


# --- Error pages ----------------------------------------------------------------------------
# Django renders them in a thread of its own under ASGI (``sync_to_async(thread_sensitive=
# False)``), outside the request's ``close_old_connections``: a pooled connection opened there
# was never checked nor given back, so after a PostgreSQL restart every 404 and 403 page
# answered 500 until the process restarted. So they run no query (no context processors: no
# session, no site settings, no unread count) and hand back any connection that thread holds.
# Under /api/ they answer like every other API error: JSON ``{"code", "detail"}``.
SITE_NAME = "Staffroom"


def _signed_in(request: HttpRequest) -> bool | None:
    """Whether the visitor is signed in, if that is known without a query (the middleware has
    usually loaded the user already); None when it is not."""
    user = getattr(request, "user", None)
    if user is None:
        return False
    if isinstance(user, SimpleLazyObject) and user._wrapped is empty:
        return None if settings.SESSION_COOKIE_NAME in request.COOKIES else False
    return bool(user.is_authenticated)


def _release_connections() -> None:
    """Give back the connection this thread holds, if any (to the pool), unless a transaction
    is open on it (a test's, or a synchronous server's request still under way)."""
    for connection in connections.all(initialized_only=True):
        if connection.connection is not None and not connection.in_atomic_block:
            connection.close()


def _error_response(
    request: HttpRequest, *, status: int, code: str, detail: str, template: str, **context
) -> HttpResponse:
    try:
        if request.path.startswith(API_PREFIX):
            return JsonResponse({"code": code, "detail": detail}, status=status)
        html = render_to_string(  # no request: no context processors, so no query
            template,
            {"site_name": SITE_NAME, "path": request.path, "signed_in": _signed_in(request)}
            | context,
        )
        return HttpResponse(html, status=status)
    finally:
        _release_connections()


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """The site's 400 page. It repeats the reason only for our own ``BadRequest`` (a cursor or
    limit we did not hand out), whose words we wrote; other 400s (a bad Host header, a body too
    big) say nothing of what was sent."""
    detail = str(exception) if type(exception) is BadRequest else ""
    return _error_response(
        request,
        status=400,
        code="invalid",
        detail=detail or "The request could not be understood.",
        template="400.html",
        detail_shown=detail,
    )


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    return _error_response(
        request,
        status=403,
        code="forbidden",
        detail="You may not do this.",
        template="403.html",
    )


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    return _error_response(
        request,
        status=404,
        code="not_found",
        detail=f"There is no API operation at {request.path}.",  # (the API's words only)
        template="404.html",
    )


def server_error(request: HttpRequest) -> HttpResponse:
    return _error_response(
        request,
        status=500,
        code="server_error",
        detail="The server could not finish this request.",
        template="500.html",
    )


@csrf_exempt
def api_not_found(request: HttpRequest, unknown: str) -> HttpResponse:
    """No operation of the API has this path (whatever the method)."""
    return JsonResponse(
        {"code": "not_found", "detail": f"There is no API operation at {request.path}."},
        status=404,
    )


urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("favicon.ico", favicon),
    # Of the uploads only image renditions (MEDIA_ROOT/images/, what `{% image %}` links to) are
    # served from MEDIA_URL, as nginx does in production. Documents never are: they go through
    # checked views (scenarios:document, Wagtail's document view); originals stay unserved.
    re_path(
        rf"^{settings.MEDIA_URL.lstrip('/')}(?P<path>images/[^/]+)$",
        serve_media,
        {"document_root": settings.MEDIA_ROOT},
    ),
    path("api/v1/", api.urls),
    # Anything else under the API answers its JSON 404, not the site's page (nor a redirect to
    # a slashed URL that Wagtail's page tree would claim).
    path("api/v1/<path:unknown>", api_not_found),
    # Both admins and Wagtail's front end sign in through the site's sign-in page: one lock,
    # and two-factor applies (tests/security/test_login_routes.py walks every route).
    path("django-admin/login/", admin_login_redirect),
    path("admin/login/", admin_login_redirect),
    # Wagtail's front-end login (wagtail.urls) would sign in past two-factor and the lock.
    path("_util/login/", admin_login_redirect, name="wagtailcore_login"),
    path("django-admin/", admin.site.urls),
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("scenarios/", include("scenarios.urls")),
    path("", include("mentoring.urls")),
]

# Wagtail serves the page tree (home, standard pages, scenario pages) last.
urlpatterns.append(path("", include(wagtail_urls)))


handler400 = bad_request
handler403 = permission_denied
handler404 = page_not_found
handler500 = server_error
