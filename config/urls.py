from django.conf import settings
from django.contrib import admin
from django.http import HttpRequest, HttpResponsePermanentRedirect
from django.templatetags.static import static
from django.urls import include, path, re_path
from django.views.static import serve as serve_media
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from config.api import api
from mentoring.accounts.views import admin_login_redirect
from mentoring.core.health import healthz


def favicon(request: HttpRequest) -> HttpResponsePermanentRedirect:
    """Browsers ask for /favicon.ico whatever the page links; the icon is a static SVG."""
    return HttpResponsePermanentRedirect(static("mentoring/favicon.svg"))


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


def bad_request(request, exception):
    """The site's 400 page. It repeats the reason only for our own ``BadRequest`` (a cursor or
    limit we did not hand out), whose words we wrote; other 400s (a bad Host header, a body too
    big) say nothing of what was sent."""
    from django.core.exceptions import BadRequest
    from django.shortcuts import render

    detail = str(exception) if type(exception) is BadRequest else ""
    return render(request, "400.html", {"detail": detail}, status=400)


handler400 = bad_request
