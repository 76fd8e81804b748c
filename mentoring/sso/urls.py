"""Single sign-on pages of ours; allauth's own (``/accounts/oidc/…``, ``/accounts/saml/…``) come
with ``allauth.urls`` (mentoring.accounts.urls)."""

from django.urls import path

from mentoring.sso import views

urlpatterns = [
    # In front of allauth's own (same paths, same names for reverse()).
    path("accounts/saml/<str:organization_slug>/acs/", views.saml_acs, name="saml_acs"),
    path(
        "accounts/saml/<str:organization_slug>/acs/finish/",
        views.saml_finish_acs,
        name="saml_finish_acs",
    ),
    path("accounts/sso/", views.route, name="sso_route"),
    path("accounts/sso/start/", views.start, name="sso_start"),
    path("accounts/sso/link/", views.link, name="sso_link"),
    path("accounts/sso/signed-out/", views.signed_out, name="sso_signed_out"),
    path("accounts/sso/logout/<int:app_id>/", views.single_logout, name="sso_single_logout"),
]
