from typing import Any

from django.db import migrations, models


def creators_language(apps: Any, schema_editor: Any) -> None:
    """Existing subscriptions keep the language their messages were worded in: their
    creator's."""
    subscription_model = apps.get_model("api", "WebhookSubscription")
    for subscription in subscription_model.objects.exclude(created_by=None).select_related(
        "created_by__user"
    ):
        subscription.language = subscription.created_by.user.language
        subscription.save(update_fields=["language"])


class Migration(migrations.Migration):
    dependencies = [
        ("api", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="webhooksubscription",
            name="language",
            field=models.CharField(
                choices=[("da", "Danish"), ("en", "English")],
                default="da",
                max_length=8,
                verbose_name="language of the messages",
            ),
        ),
        migrations.RunPython(creators_language, migrations.RunPython.noop),
    ]
