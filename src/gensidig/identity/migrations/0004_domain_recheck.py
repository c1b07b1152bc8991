from django.db import migrations, models


def mark_demo_domains(apps, schema_editor):
    # The demo's domain was verified without DNS (names under .example never resolve); were it
    # looked up daily, a demo left running would lose its sign-in page after the grace days.
    DomainClaim = apps.get_model("identity", "DomainClaim")
    DomainClaim.objects.filter(domain__endswith=".example", verified_at__isnull=False).update(
        proof="demo"
    )


class Migration(migrations.Migration):
    dependencies = [
        ("identity", "0003_domain_claims"),
    ]

    operations = [
        migrations.AddField(
            model_name="domainclaim",
            name="missing_since",
            field=models.DateTimeField(blank=True, null=True, verbose_name="record missing since"),
        ),
        migrations.AddField(
            model_name="domainclaim",
            name="proof",
            field=models.CharField(default="dns", editable=False, max_length=8),
        ),
        migrations.RunPython(mark_demo_domains, migrations.RunPython.noop),
    ]
