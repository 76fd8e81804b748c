"""Signing in through the test identity providers with Django's test client on Staffroom's
side and ``requests`` on the provider's (its login form, then back with what it sends)."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import requests
from allauth.socialaccount.models import SocialApp

PASSWORD = "idp-pass-123"
OIDC_CLIENT = {"client_id": "staffroom-test", "client_secret": "staffroom-test-secret"}


def oidc_app(oidc_op, *, domains=("school.example",), redirect_host="http://testserver", **extra):
    """The school's OpenID Connect provider as staff add it in /django-admin/."""
    oidc_op.setup(
        {
            "clients": [
                {
                    **OIDC_CLIENT,
                    "redirect_uris": [f"{redirect_host}/accounts/oidc/school/login/callback/"],
                    "post_logout_redirect_uris": [f"{redirect_host}/accounts/login/"],
                }
            ]
        }
    )
    return SocialApp.objects.create(
        provider="openid_connect",
        provider_id="school",
        name="Oakfield School",
        client_id=OIDC_CLIENT["client_id"],
        secret=OIDC_CLIENT["client_secret"],
        settings={
            "server_url": f"{oidc_op.url}/openid",
            "domains": list(domains),
            **extra,
        },
    )


def idp_user(idp, username: str, email: str, first_name: str = "", last_name: str = "") -> None:
    idp.setup(
        {
            "users": [
                {
                    "username": username,
                    "password": PASSWORD,
                    "email": email,
                    "first_name": first_name,
                    "last_name": last_name,
                }
            ]
        }
    )


def replace_query(url: str, **params) -> str:
    parts = urlsplit(url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    query.update(params)
    return urlunsplit(parts._replace(query=urlencode(query)))


def idp_login(session: requests.Session, url: str, username: str) -> requests.Response:
    """Open ``url`` at the provider, sign in on its form, and return its answer that leaves
    for Staffroom (a redirect, or a page with an auto-posting form)."""
    response = session.get(url, allow_redirects=False)
    while response.is_redirect and not _is_login(response.headers["Location"]):
        response = session.get(_absolute(url, response.headers["Location"]), allow_redirects=False)
    if response.is_redirect:
        login_url = _absolute(url, response.headers["Location"])
        page = session.get(login_url)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
        nxt = parse_qs(urlsplit(login_url).query).get("next", [""])[0]
        response = session.post(
            login_url,
            data={
                "csrfmiddlewaretoken": token,
                "username": username,
                "password": PASSWORD,
                "next": nxt,
            },
            headers={"Referer": login_url},
            allow_redirects=False,
        )
        idp_origin = "{0.scheme}://{0.netloc}".format(urlsplit(url))
        while response.is_redirect:
            target = _absolute(url, response.headers["Location"])
            if not target.startswith(idp_origin):
                break
            response = session.get(target, allow_redirects=False)
    return response


def _is_login(location: str) -> bool:
    return urlsplit(location).path == "/login/"


def _absolute(base: str, location: str) -> str:
    if location.startswith("http"):
        return location
    parts = urlsplit(base)
    return f"{parts.scheme}://{parts.netloc}{location}"


def oidc_sign_in(client, app: SocialApp, email: str, username: str, *, tamper=None):
    """The whole OpenID Connect sign-in; ``tamper(authorize_url) -> url`` and
    ``tamper_callback(callback_url) -> url`` stand for an attacker in between."""
    tamper = tamper or {}
    page = client.post("/accounts/sso/", {"email": email})
    assert page.status_code == 200, page.content
    start = client.post("/accounts/sso/start/", {"app": app.pk, "email": email})
    assert start.status_code == 302, start.content
    authorize = start["Location"]
    if "authorize" in tamper:
        authorize = tamper["authorize"](authorize)
    answer = idp_login(requests.Session(), authorize, username)
    assert answer.is_redirect, answer.text[:500]
    callback = answer.headers["Location"]
    if "callback" in tamper:
        callback = tamper["callback"](callback)
    parts = urlsplit(callback)
    return client.get(f"{parts.path}?{parts.query}")


SAML_ATTRIBUTES = {
    "uid": "urn:oid:1.3.6.1.4.1.5923.1.1.1.6",  # eduPersonPrincipalName
    "email": "urn:oid:0.9.2342.19200300.100.1.3",  # mail
    "name": "urn:oid:2.16.840.1.113730.3.1.241",  # displayName
}


def saml_app(client, saml_idp, *, domains=("uni.example",), base="http://testserver", **advanced):
    """The university's SAML identity provider as staff add it (its metadata URL), and
    Staffroom registered with it (the metadata URL staff hand over)."""
    app = SocialApp.objects.create(
        provider="saml",
        provider_id="uni",
        client_id="uni",
        name="Test University",
        settings={
            "domains": list(domains),
            "idp": {
                "entity_id": f"{saml_idp.url}/idp/metadata/",
                "metadata_url": f"{saml_idp.url}/idp/metadata/",
            },
            "attribute_mapping": SAML_ATTRIBUTES,
            "advanced": {
                "want_assertion_signed": True,
                # The tests' hosts ("testserver", "localhost") have one label.
                "allow_single_label_domains": True,
                **advanced,
            },
        },
    )
    if client is not None:
        metadata = client.get("/accounts/saml/uni/metadata/")
        assert metadata.status_code == 200, metadata.content
        register_sp(saml_idp, metadata.content.decode(), f"{base}/accounts/saml/uni/metadata/")
    return app


def register_sp(saml_idp, metadata: str, entity_id: str) -> None:
    saml_idp.setup({"service_providers": [{"entity_id": entity_id, "metadata": metadata}]})


def saml_form(page: requests.Response) -> dict:
    """The auto-posting form the IdP answers with: where it posts, and what."""
    action = re.search(r'<form method="post" action="([^"]+)"', page.text).group(1)
    fields = dict(re.findall(r'name="(RelayState|SAMLResponse)" value="([^"]*)"', page.text))
    return {"action": action, **fields}


def saml_response_for(client, app: SocialApp, email: str, username: str) -> dict:
    """Start a SAML sign-in at Staffroom and sign in at the IdP: the form it posts back."""
    page = client.post("/accounts/sso/", {"email": email})
    assert page.status_code == 200, page.content
    start = client.post("/accounts/sso/start/", {"app": app.pk, "email": email})
    assert start.status_code == 302, start.content
    answer = idp_login(requests.Session(), start["Location"], username)
    assert answer.status_code == 200, answer.text[:500]
    return saml_form(answer)


def post_saml(client, form: dict, **override):
    """Post the IdP's answer to the ACS and follow allauth's hop to finish it."""
    data = {"SAMLResponse": form["SAMLResponse"], "RelayState": form.get("RelayState", "")}
    data.update(override)
    acs = client.post(urlsplit(form["action"]).path, data)
    if acs.status_code != 302 or "/acs/finish/" not in acs["Location"]:
        return acs
    return client.get(acs["Location"])


def saml_sign_in(client, app: SocialApp, email: str, username: str):
    return post_saml(client, saml_response_for(client, app, email, username))
