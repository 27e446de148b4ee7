"""API tokens moved to django-rest-knox (digests only). The tokens of DRF's authtoken app were
stored in plain text: their table is dropped, and those tokens stop working."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("connect", "0003_api_tokens_audit_context")]

    operations = [
        migrations.RunSQL("DROP TABLE IF EXISTS authtoken_token", migrations.RunSQL.noop),
    ]
