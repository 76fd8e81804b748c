"""Sign-in, e-mail addresses, passwords and two-factor: django-allauth under accounts/.

The names the rest of Staffroom uses (``login``, ``logout``, ``password_change``,
``password_reset``) point at allauth's views.
"""

from allauth.account import views as account_views
from django.urls import include, path

from mentoring.accounts import views

urlpatterns = [
    path("accounts/login/", account_views.login, name="login"),
    path("accounts/logout/", account_views.logout, name="logout"),
    path("accounts/password/change/", account_views.password_change, name="password_change"),
    path("accounts/password/reset/", account_views.password_reset, name="password_reset"),
    path("accounts/profile/", views.profile, name="account_profile"),
    path("accounts/profile/delete/", views.delete_account, name="account_delete"),
    path("accounts/", include("allauth.urls")),
]
