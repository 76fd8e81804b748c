"""A "natural" ICU collation (digits compare as numbers: nqt2 before nqt10) for sorting people
by name, as the dashboard does."""

from django.contrib.postgres.operations import CreateCollation
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("mentoring", "0004_notification_thread")]

    operations = [
        CreateCollation("natural", provider="icu", locale="und-u-kn-true", deterministic=True)
    ]
