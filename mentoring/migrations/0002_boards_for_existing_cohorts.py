"""Give every existing cohort its general board and its "ask a tutor" board.

New cohorts get both from ``services.cohorts.create_cohort``; this covers cohorts made before
boards existed or outside the services (the admin). Idempotent, and nothing to undo.
"""

from django.db import migrations

BOARDS = {
    "general": ("General discussion", "Talk about anything to do with the module."),
    "private": ("Ask a tutor", "Questions only you and the cohort's tutors can see."),
}


def add_missing_boards(apps, schema_editor):
    Cohort = apps.get_model("mentoring", "Cohort")
    Board = apps.get_model("mentoring", "Board")
    for kind, (title, description) in BOARDS.items():
        missing = Cohort.objects.exclude(boards__kind=kind)
        Board.objects.bulk_create(
            Board(cohort=cohort, kind=kind, title=title, description=description)
            for cohort in missing
        )


class Migration(migrations.Migration):
    dependencies = [("mentoring", "0001_initial")]

    operations = [migrations.RunPython(add_missing_boards, migrations.RunPython.noop)]
