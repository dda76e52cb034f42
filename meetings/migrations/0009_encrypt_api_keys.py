"""Organizations' LLM API keys encrypted at rest (nexochat/secrets_at_rest.py). The columns become
text (a Fernet token of a 500-character key is about 760 characters) and existing plaintext keys are
encrypted in place. Running the data step again changes nothing: tokens are recognized and left alone."""

from django.db import migrations, models

KEY_FIELDS = ("encrypted_api_key", "encrypted_apigw_api_key")


def encrypt_plaintext_keys(apps, schema_editor):
    from nexochat import secrets_at_rest

    AISettings = apps.get_model("meetings", "OrganizationAISettings")
    for row in AISettings.objects.only("pk", *KEY_FIELDS).iterator():
        changes = {
            field: secrets_at_rest.encrypt(getattr(row, field))
            for field in KEY_FIELDS
            if getattr(row, field) and not secrets_at_rest.looks_encrypted(getattr(row, field))
        }
        if changes:
            AISettings.objects.filter(pk=row.pk).update(**changes)  # update(): updated_at stays as it was


def decrypt_keys(apps, schema_editor):
    """Back to plaintext; stops with UnreadableSecret (naming FIELD_ENCRYPTION_KEYS) rather than
    leaving tokens in columns that will be read as keys."""
    from nexochat import secrets_at_rest

    AISettings = apps.get_model("meetings", "OrganizationAISettings")
    for row in AISettings.objects.only("pk", *KEY_FIELDS).iterator():
        changes = {
            field: secrets_at_rest.decrypt(getattr(row, field))
            for field in KEY_FIELDS
            if secrets_at_rest.looks_encrypted(getattr(row, field) or "")
        }
        if changes:
            AISettings.objects.filter(pk=row.pk).update(**changes)


class Migration(migrations.Migration):
    dependencies = [
        ("meetings", "0008_chat_reply_to"),
    ]

    operations = [
        migrations.RenameField("organizationaisettings", "api_key", "encrypted_api_key"),
        migrations.RenameField("organizationaisettings", "apigw_api_key", "encrypted_apigw_api_key"),
        migrations.AlterField(
            model_name="organizationaisettings",
            name="encrypted_api_key",
            field=models.TextField(blank=True, editable=False, verbose_name="API key"),
        ),
        migrations.AlterField(
            model_name="organizationaisettings",
            name="encrypted_apigw_api_key",
            field=models.TextField(blank=True, editable=False, verbose_name="API gateway key (legacy CLOVA keys)"),
        ),
        migrations.RunPython(encrypt_plaintext_keys, decrypt_keys),
    ]
