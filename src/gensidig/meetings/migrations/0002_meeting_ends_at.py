from datetime import timedelta

from django.db import migrations, models


def fill_ends_at(apps, schema_editor):
    Meeting = apps.get_model("meetings", "Meeting")
    batch = []
    for meeting in Meeting.objects.only("pk", "starts_at", "minutes").iterator(chunk_size=2000):
        meeting.ends_at = meeting.starts_at + timedelta(minutes=meeting.minutes)
        batch.append(meeting)
        if len(batch) >= 2000:
            Meeting.objects.bulk_update(batch, ["ends_at"])
            batch = []
    Meeting.objects.bulk_update(batch, ["ends_at"])


class Migration(migrations.Migration):
    dependencies = [("meetings", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="meeting",
            name="ends_at",
            field=models.DateTimeField(editable=False, null=True, verbose_name="ends"),
        ),
        migrations.RunPython(fill_ends_at, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="meeting",
            name="ends_at",
            field=models.DateTimeField(editable=False, verbose_name="ends"),
        ),
        migrations.AddIndex(
            model_name="meeting",
            index=models.Index(
                fields=["pair", "status", "starts_at"], name="meeting_pair_status_start"
            ),
        ),
    ]
