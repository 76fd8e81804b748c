"""Group boards made before boards had a window get their release's dates."""

from django.db import migrations


def copy_release_windows(apps, schema_editor):
    ScenarioGroup = apps.get_model("scenarios", "ScenarioGroup")
    Board = apps.get_model("mentoring", "Board")
    for group in ScenarioGroup.objects.select_related("release").iterator(chunk_size=500):
        Board.objects.filter(pk=group.board_id).update(
            opens_at=group.release.opens_at, closes_at=group.release.closes_at
        )


class Migration(migrations.Migration):
    dependencies = [
        ("scenarios", "0001_initial"),
        ("mentoring", "0009_thread_author_facts_and_board_window"),
    ]

    operations = [migrations.RunPython(copy_release_windows, migrations.RunPython.noop)]
