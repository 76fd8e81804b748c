"""``python -m tests.idp.saml_idp.setup '<json>'``: migrate and a signing key (first), users
and service providers (Staffroom's metadata, as an administrator registers it)."""

import datetime
import json
import os
import sys
from pathlib import Path

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.idp.saml_idp.settings")


def make_key(directory: Path) -> None:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Test University IdP")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=3650))
        .sign(key, hashes.SHA256())
    )
    (directory / "idp.key").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        )
    )
    (directory / "idp.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))


config = json.loads(sys.argv[1])
if config.get("migrate"):
    make_key(Path(os.environ["IDP_DIR"]))
django.setup()

from django.contrib.auth.models import User  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.utils import timezone  # noqa: E402
from djangosaml2idp.models import ServiceProvider  # noqa: E402

if config.get("migrate"):
    call_command("migrate", verbosity=0)
for person in config.get("users", []):
    User.objects.filter(username=person["username"]).delete()
    User.objects.create_user(
        username=person["username"],
        password=person["password"],
        email=person.get("email", ""),
        first_name=person.get("first_name", ""),
        last_name=person.get("last_name", ""),
    )
for spec in config.get("service_providers", []):
    ServiceProvider.objects.filter(entity_id=spec["entity_id"]).delete()
    ServiceProvider.objects.create(
        entity_id=spec["entity_id"],
        pretty_name="Staffroom",
        local_metadata=spec["metadata"],
        metadata_expiration_dt=timezone.now() + datetime.timedelta(days=30),
        _attribute_mapping=json.dumps(
            {
                # mail, displayName, eduPersonPrincipalName
                "email": "urn:oid:0.9.2342.19200300.100.1.3",
                "get_full_name": "urn:oid:2.16.840.1.113730.3.1.241",
                "eppn": "urn:oid:1.3.6.1.4.1.5923.1.1.1.6",
            }
        ),
        _processor="tests.idp.saml_idp.processor.Processor",
        _sign_response=True,
        _sign_assertion=True,
    )
