"""Register an LTI 1.3 platform (or add a deployment to one): the id is the last line."""

from django.core.management.base import BaseCommand, CommandError

from mentoring.core.errors import ServiceError
from mentoring.lti.services.registration import register_platform


class Command(BaseCommand):
    help = (
        "Register an LTI 1.3 platform by issuer and client id; running it again with the same "
        "pair updates that registration and adds the deployment id. Prints the registration's "
        "id as the last line."
    )

    def add_arguments(self, parser):
        parser.add_argument("--issuer", required=True)
        parser.add_argument("--client-id", required=True)
        parser.add_argument(
            "--deployment-id", required=True, action="append", help="May be given several times."
        )
        parser.add_argument("--auth-url", required=True, help="The platform's OIDC auth URL.")
        parser.add_argument("--token-url", required=True, help="Its OAuth 2 token URL.")
        parser.add_argument("--jwks-url", required=True, help="Its public key set URL.")
        parser.add_argument("--name", default="", help="A name for the admin (default: issuer).")
        parser.add_argument("--audience", default="", help="The token endpoint's audience.")

    def handle(self, *args, **options):
        try:
            registration = register_platform(
                issuer=options["issuer"],
                client_id=options["client_id"],
                deployment_ids=options["deployment_id"],
                auth_url=options["auth_url"],
                token_url=options["token_url"],
                jwks_url=options["jwks_url"],
                name=options["name"],
                audience=options["audience"],
            )
        except ServiceError as error:
            raise CommandError(error.detail) from error
        deployments = ", ".join(
            registration.deployments.order_by("pk").values_list("deployment_id", flat=True)
        )
        self.stdout.write(f"Registered {registration.issuer} (deployments: {deployments}).")
        self.stdout.write(str(registration.pk))
