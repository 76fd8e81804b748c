"""Run in Misago's venv by ``bench_posting_cpu``: migrate Misago's database, add the members
and one thread to reply to, and print them as JSON (the thread's id, the usernames, their
password) on the last line of stdout."""

import json
import os
import sys

import django

N_MEMBERS = int(sys.argv[1]) if len(sys.argv) > 1 else 200
PASSWORD = "bench-password"


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.bench.misago_project.settings")
    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from misago.categories.models import Category
    from misago.threads.test import post_thread

    call_command("migrate", verbosity=0, interactive=False)
    user_model = get_user_model()
    names = [f"member{n}" for n in range(N_MEMBERS)]
    for name in names:
        if not user_model.objects.filter(slug=name).exists():
            user_model.objects.create_user(name, f"{name}@example.com", PASSWORD)
    category = Category.objects.all_categories().first()
    thread = post_thread(category, title="Bench: CPU", poster="Tutor")
    print(json.dumps({"thread": thread.pk, "usernames": names, "password": PASSWORD}))


if __name__ == "__main__":
    main()
