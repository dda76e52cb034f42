"""A job's failure code: what kind of failure it was, so the page explains it in the reader's language while
the reason (with setting names) stays for operators in the admin and the log."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("meetings", "0011_minutes_structure_is_the_only_copy")]

    operations = [
        migrations.AddField(
            model_name="job",
            name="failure_code",
            field=models.CharField(blank=True, max_length=32, verbose_name="failure code"),
        ),
    ]
