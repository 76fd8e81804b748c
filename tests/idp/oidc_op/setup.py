"""``python -m tests.idp.oidc_op.setup '<json>'``: migrate, a signing key, users and clients."""

import json
import os
import sys

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.idp.oidc_op.settings")
django.setup()

from django.contrib.auth.models import User  # noqa: E402
from django.core.management import call_command  # noqa: E402
from oidc_provider.models import Client, ResponseType  # noqa: E402

config = json.loads(sys.argv[1])
if config.get("migrate"):
    call_command("migrate", verbosity=0)
    call_command("creatersakey")
for person in config.get("users", []):
    User.objects.filter(username=person["username"]).delete()
    user = User.objects.create_user(
        username=person["username"],
        password=person["password"],
        email=person.get("email", ""),
        first_name=person.get("first_name", ""),
        last_name=person.get("last_name", ""),
    )
for spec in config.get("clients", []):
    Client.objects.filter(client_id=spec["client_id"]).delete()
    client = Client.objects.create(
        name=spec["client_id"],
        client_type="confidential",
        client_id=spec["client_id"],
        client_secret=spec["client_secret"],
        jwt_alg="RS256",
        require_consent=False,
        reuse_consent=True,
        _redirect_uris="\n".join(spec["redirect_uris"]),
        _post_logout_redirect_uris="\n".join(spec.get("post_logout_redirect_uris", [])),
        _scope="openid profile email",
    )
    client.response_types.add(ResponseType.objects.get(value="code"))
