"""Your name and sign-in: the name others see, with links to e-mail, password and two-factor pages.

The privacy notice (``/privacy/``, public): what is kept, for how long and who sees it, with
the numbers of the retention settings in force. Also the redirect that sends both admins'
sign-in pages to the site's own (allauth's), so the failed-login lock and two-factor cannot be
sidestepped through /admin/ or /django-admin/.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode

from mentoring.accounts.forms import DeleteAccountForm, ProfileForm
from mentoring.accounts.services.deletion import request_deletion
from mentoring.accounts.services.profile import set_display_name
from mentoring.core.errors import ServiceError
from mentoring.models import COOLING_OFF


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    form = ProfileForm(request.POST or None, initial={"display_name": request.user.display_name})
    if request.method == "POST" and form.is_valid():
        try:
            set_display_name(user=request.user, display_name=form.cleaned_data["display_name"])
        except ServiceError as error:
            form.add_error(error.extra.get("field"), error.detail)
        else:
            messages.success(request, "Your name is saved.")
            return redirect("account_profile")
    return render(request, "account/profile.html", {"form": form})


@login_required
def delete_account(request: HttpRequest) -> HttpResponse:
    """Ask for the account to be deleted: it is, after the cooling-off period, unless its owner
    signs in again before then. Asking signs them out everywhere."""
    form = DeleteAccountForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            erasure_request = request_deletion(user=request.user)
        except ServiceError as error:
            form.add_error(None, error.detail)
        else:
            logout(request)
            return render(
                request,
                "account/delete_requested.html",
                {"due_at": erasure_request.due_at, "days": COOLING_OFF.days},
            )
    return render(request, "account/delete.html", {"form": form, "days": COOLING_OFF.days})


def admin_login_redirect(request: HttpRequest) -> HttpResponseRedirect:
    target = request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = ""
    query = f"?{urlencode({'next': target})}" if target else ""
    return HttpResponseRedirect(reverse("account_login") + query)
