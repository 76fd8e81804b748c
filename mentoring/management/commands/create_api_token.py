from django.core.management.base import BaseCommand, CommandError

from mentoring.accounts.services.tokens import create_api_token
from mentoring.models import User


class Command(BaseCommand):
    help = (
        "Create an API token for each user. One user: the token is the last line. "
        "Several: one line 'USERNAME TOKEN' each. Tokens are shown once; only a hash is kept."
    )

    def add_arguments(self, parser):
        parser.add_argument("usernames", nargs="+")
        parser.add_argument("--name", default="", help="A label to recognise the token by.")

    def handle(self, *args, **options):
        usernames, name = options["usernames"], options["name"]
        users = {u.username: u for u in User.objects.filter(username__in=usernames)}
        unknown = [u for u in usernames if u not in users]
        if unknown:
            raise CommandError("Unknown usernames: " + ", ".join(unknown))
        if len(usernames) == 1:
            self.stdout.write(create_api_token(user=users[usernames[0]], name=name))
            return
        for username in usernames:
            self.stdout.write(f"{username} {create_api_token(user=users[username], name=name)}")
