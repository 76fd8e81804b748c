"""Your name and sign-in: the name others see, with links to e-mail, password and two-factor pages.

The privacy notice (``/privacy/``, public): what is kept, for how long and who sees it, with
the numbers of the retention settings in force. Also the redirect that sends both admins'
sign-in pages to the site's own (allauth's), so the failed-login lock and two-factor cannot be
sidestepped through /admin/ or /django-admin/.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode

from mentoring.accounts.forms import ProfileForm
from mentoring.accounts.services.profile import set_display_name
from mentoring.core.errors import ServiceError


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


def admin_login_redirect(request: HttpRequest) -> HttpResponseRedirect:
    target = request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = ""
    query = f"?{urlencode({'next': target})}" if target else ""
    return HttpResponseRedirect(reverse("account_login") + query)
