"""Print Staffroom's LTI 1.3 tool configuration as JSON (what a platform administrator pastes)."""

import json

from django.core.management.base import BaseCommand

from mentoring.lti.selectors import tool_configuration


class Command(BaseCommand):
    help = (
        "Print the LTI 1.3 tool configuration as JSON: login_url, launch_url, deep_linking_url, "
        "jwks_url, redirect_uris, dynamic_registration_url (absolute, from LTI_TOOL_BASE_URL)."
    )

    def handle(self, *args, **options):
        self.stdout.write(json.dumps(tool_configuration(), indent=2))
