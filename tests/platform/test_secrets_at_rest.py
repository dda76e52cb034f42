"""Organizations' LLM API keys are encrypted at rest: the database holds Fernet tokens, the providers get
the plaintext, keys rotate through FIELD_ENCRYPTION_KEYS (`manage.py reencrypt_secrets` moves the stored
ones to the new key), and a key that cannot be decrypted is a clear provider error rather than a broken page."""

import importlib
from io import StringIO

import pytest
from cryptography.fernet import Fernet, InvalidToken
from django.apps import apps as django_apps
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from rest_framework.test import APIClient

from ai_pipeline.llm import ConfigurationError
from meetings.minutes.configuration import provider_for, update_ai_settings
from meetings.models import OrganizationAISettings
from nexochat import secrets_at_rest
from tests.support.fakes.clova import FakeClova
from tests.support.fakes.openai_compat import FakeOpenAI

KEY_A, KEY_B, KEY_C = (Fernet.generate_key().decode() for _ in range(3))
MESSAGES = [{"role": "user", "content": "안녕하세요"}]
TABLE = OrganizationAISettings._meta.db_table
migration = importlib.import_module("meetings.migrations.0009_encrypt_api_keys")


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"


def raw_columns(org):
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT encrypted_api_key, encrypted_apigw_api_key FROM {TABLE} WHERE organization_id = %s",  # noqa: S608
            [org.pk],
        )
        return cursor.fetchone()


def test_the_database_holds_tokens_and_the_model_gives_back_the_keys(org, owner, settings):
    settings.FIELD_ENCRYPTION_KEYS = [KEY_A]
    update_ai_settings(org, owner, provider="hyperclova", api_key="nv-live-key-123", apigw_api_key="apigw-456")
    raw_key, raw_apigw = raw_columns(org)
    assert "nv-live-key-123" not in raw_key and "apigw-456" not in raw_apigw
    assert secrets_at_rest.looks_encrypted(raw_key) and secrets_at_rest.looks_encrypted(raw_apigw)
    values = OrganizationAISettings.objects.filter(organization=org).values().get()
    assert "nv-live-key-123" not in str(values) and "apigw-456" not in str(values)
    config = OrganizationAISettings.objects.get(organization=org)
    assert (config.api_key, config.apigw_api_key, config.has_api_key) == ("nv-live-key-123", "apigw-456", True)
    assert Fernet(KEY_A).decrypt(raw_key.encode()) == b"nv-live-key-123"  # made with the first key


def test_a_500_character_key_fits_its_column(org, owner):
    long_key = ("sk-" + "가나다abc" * 90)[:500]  # the form's limit; Korean letters are three bytes each
    update_ai_settings(org, owner, provider="openai", model="m", api_key=long_key)
    assert len(raw_columns(org)[0]) > 1000
    assert OrganizationAISettings.objects.get(organization=org).api_key == long_key


def test_the_provider_gets_the_decrypted_legacy_key_pair(org, owner):
    with FakeClova() as fake:
        update_ai_settings(
            org,
            owner,
            provider="hyperclova",
            model="HCX-003",
            base_url=fake.url + "/testapp",
            api_key=fake.legacy_api_key,
            apigw_api_key=fake.legacy_apigw_key,
        )
        with provider_for(org) as provider:
            assert provider.complete(MESSAGES, max_tokens=20).text
    request = fake.requests[-1]
    assert request.header("X-NCP-CLOVASTUDIO-API-KEY") == fake.legacy_api_key
    assert request.header("X-NCP-APIGW-API-KEY") == fake.legacy_apigw_key


def test_an_old_key_listed_second_still_decrypts_and_saving_again_uses_the_new_one(org, owner, settings):
    settings.FIELD_ENCRYPTION_KEYS = [KEY_A]
    update_ai_settings(org, owner, provider="openai", model="m", api_key="sk-before-rotation")
    settings.FIELD_ENCRYPTION_KEYS = [KEY_B, KEY_A]
    assert OrganizationAISettings.objects.get(organization=org).api_key == "sk-before-rotation"
    update_ai_settings(org, owner, provider="openai", model="m", api_key="sk-after-rotation")
    assert Fernet(KEY_B).decrypt(raw_columns(org)[0].encode()) == b"sk-after-rotation"
    settings.FIELD_ENCRYPTION_KEYS = [KEY_B]
    assert OrganizationAISettings.objects.get(organization=org).api_key == "sk-after-rotation"


def test_without_encryption_keys_the_key_follows_secret_key(org, owner, settings):
    settings.FIELD_ENCRYPTION_KEYS = []
    update_ai_settings(org, owner, provider="openai", model="m", api_key="sk-derived")
    # Setting FIELD_ENCRYPTION_KEYS later keeps keys stored before readable ...
    settings.FIELD_ENCRYPTION_KEYS = [KEY_A]
    assert OrganizationAISettings.objects.get(organization=org).api_key == "sk-derived"
    # ... but a new SECRET_KEY does not.
    settings.SECRET_KEY = "another-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz"
    with pytest.raises(secrets_at_rest.UnreadableSecret, match="FIELD_ENCRYPTION_KEYS"):
        OrganizationAISettings.objects.get(organization=org).api_key  # noqa: B018


def test_a_key_that_cannot_be_decrypted_fails_the_provider_clearly_and_no_page(org, owner, owner_client, settings):
    settings.FIELD_ENCRYPTION_KEYS = [KEY_A]
    with FakeOpenAI() as fake:
        update_ai_settings(org, owner, provider="openai", model="test-model", base_url=fake.url + "/v1", api_key="k")
    settings.FIELD_ENCRYPTION_KEYS = [KEY_B]
    with pytest.raises(ConfigurationError, match="stored API key cannot be read.*FIELD_ENCRYPTION_KEYS"):
        provider_for(org)
    page = owner_client.get("/meetings/minutes-settings/")
    assert page.status_code == 200 and "A key is stored." in page.content.decode()
    api = APIClient()
    api.force_authenticate(owner)
    response = api.get(f"/api/v1/organizations/{org.pk}/minutes-settings/")
    assert response.status_code == 200 and response.json()["has_api_key"] is True
    # Entering the key again (or removing it) repairs the row.
    update_ai_settings(org, owner, provider="openai", model="test-model", base_url=fake.url + "/v1", api_key="k2")
    assert OrganizationAISettings.objects.get(organization=org).api_key == "k2"


def test_the_admin_shows_neither_the_key_nor_its_token_and_saving_there_keeps_it(org, owner):
    from django.test import Client

    from accounts.models import User

    config = update_ai_settings(org, owner, provider="openai", model="m", api_key="sk-admin-must-not-see")
    token = raw_columns(org)[0]
    client = Client()
    client.force_login(User.objects.create_superuser(email="root@example.com", password="x"))
    change_url = f"/admin/meetings/organizationaisettings/{config.pk}/change/"
    page = client.get(change_url).content.decode()
    assert "sk-admin-must-not-see" not in page and token not in page and "encrypted_api_key" not in page
    response = client.post(
        change_url, {"organization": org.pk, "provider": "openai", "model": "m2", "default_template": "default"}
    )
    assert response.status_code == 302
    config.refresh_from_db()
    assert (config.model, config.api_key) == ("m2", "sk-admin-must-not-see")


def _store_plaintext(org, api_key, apigw_api_key=""):
    """A row as the previous schema left it: the keys in the clear."""
    config = OrganizationAISettings.objects.create(organization=org, provider="openai")
    OrganizationAISettings.objects.filter(pk=config.pk).update(
        encrypted_api_key=api_key, encrypted_apigw_api_key=apigw_api_key
    )
    return config


def test_the_data_migration_encrypts_plaintext_rows_once(org, other_org):
    plain = _store_plaintext(org, "sk-plaintext-key", "apigw-plain")
    OrganizationAISettings.objects.create(organization=other_org, api_key="sk-encrypted")
    already_token = raw_columns(other_org)[0]

    migration.encrypt_plaintext_keys(django_apps, None)
    token, apigw_token = raw_columns(org)
    assert "sk-plaintext-key" not in token and "apigw-plain" not in apigw_token
    plain.refresh_from_db()
    assert (plain.api_key, plain.apigw_api_key) == ("sk-plaintext-key", "apigw-plain")
    assert raw_columns(other_org)[0] == already_token  # a token is left alone, not encrypted twice

    migration.encrypt_plaintext_keys(django_apps, None)
    assert raw_columns(org) == (token, apigw_token)

    migration.decrypt_keys(django_apps, None)
    assert raw_columns(org) == ("sk-plaintext-key", "apigw-plain")


@pytest.mark.django_db(transaction=True)
def test_the_migration_renames_widens_and_encrypts_on_this_database(org):
    executor = MigrationExecutor(connection)
    executor.migrate([("meetings", "0008_chat_reply_to")])
    old_state = executor.loader.project_state(("meetings", "0008_chat_reply_to")).apps
    OldSettings = old_state.get_model("meetings", "OrganizationAISettings")
    OldSettings.objects.create(organization_id=org.pk, api_key="sk-" + "k" * 497, apigw_api_key="gw")

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
    token, apigw_token = raw_columns(org)
    assert secrets_at_rest.looks_encrypted(token) and len(token) > 500 and secrets_at_rest.looks_encrypted(apigw_token)
    config = OrganizationAISettings.objects.get(organization=org)
    assert (config.api_key, config.apigw_api_key) == ("sk-" + "k" * 497, "gw")


# --- manage.py reencrypt_secrets: after a rotation, every stored key moves to the new first key --------


def test_reencrypt_secrets_moves_every_stored_key_to_the_new_first_key(org, other_org, owner, settings):
    settings.FIELD_ENCRYPTION_KEYS = [KEY_A]
    update_ai_settings(org, owner, provider="hyperclova", api_key="nv-key", apigw_api_key="gw-key")
    update_ai_settings(other_org, owner, provider="openai", model="m", api_key="sk-other")
    before = {config.pk: config.updated_at for config in OrganizationAISettings.objects.all()}
    settings.FIELD_ENCRYPTION_KEYS = [KEY_B, KEY_A]
    out = StringIO()
    call_command("reencrypt_secrets", stdout=out)
    assert "Re-encrypted 2 rows, 0 already current, 0 unreadable." in out.getvalue()

    for token in (*raw_columns(org), raw_columns(other_org)[0]):
        with pytest.raises(InvalidToken):
            Fernet(KEY_A).decrypt(token.encode())
    settings.FIELD_ENCRYPTION_KEYS = [KEY_A]  # the old key alone no longer reads them ...
    with pytest.raises(secrets_at_rest.UnreadableSecret):
        OrganizationAISettings.objects.get(organization=org).api_key  # noqa: B018
    settings.FIELD_ENCRYPTION_KEYS = [KEY_B]  # ... the new one does
    config = OrganizationAISettings.objects.get(organization=org)
    assert (config.api_key, config.apigw_api_key) == ("nv-key", "gw-key")
    assert OrganizationAISettings.objects.get(organization=other_org).api_key == "sk-other"
    assert {config.pk: config.updated_at for config in OrganizationAISettings.objects.all()} == before

    out = StringIO()
    call_command("reencrypt_secrets", stdout=out)
    assert "Re-encrypted 0 rows, 2 already current, 0 unreadable." in out.getvalue()


def test_reencrypt_secrets_dry_run_writes_nothing(org, other_org, owner, settings):
    settings.FIELD_ENCRYPTION_KEYS = [KEY_A]
    update_ai_settings(org, owner, provider="openai", model="m", api_key="sk-dry")
    OrganizationAISettings.objects.create(organization=other_org)  # no key stored: not counted
    tokens = raw_columns(org)
    settings.FIELD_ENCRYPTION_KEYS = [KEY_B, KEY_A]
    out = StringIO()
    call_command("reencrypt_secrets", "--dry-run", stdout=out)
    assert "Would re-encrypt 1 rows, 0 already current, 0 unreadable." in out.getvalue()
    assert raw_columns(org) == tokens
    assert Fernet(KEY_A).decrypt(tokens[0].encode()) == b"sk-dry"


def test_reencrypt_secrets_reports_unreadable_rows_and_leaves_them(org, other_org, owner, settings):
    settings.FIELD_ENCRYPTION_KEYS = [KEY_A]
    unreadable = update_ai_settings(org, owner, provider="openai", model="m", api_key="sk-lost")
    update_ai_settings(other_org, owner, provider="openai", model="m", api_key="sk-fine")
    lost_token = raw_columns(org)[0]
    OrganizationAISettings.objects.filter(organization=other_org).update(
        encrypted_api_key=Fernet(KEY_C).encrypt(b"sk-fine").decode()
    )
    settings.FIELD_ENCRYPTION_KEYS = [KEY_B, KEY_C]  # KEY_A, which made org's token, is gone
    out = StringIO()
    with pytest.raises(CommandError, match=rf"with id {unreadable.pk};"):
        call_command("reencrypt_secrets", stdout=out)
    assert "Re-encrypted 1 rows, 0 already current, 1 unreadable." in out.getvalue()
    assert raw_columns(org)[0] == lost_token
    settings.FIELD_ENCRYPTION_KEYS = [KEY_B]
    assert OrganizationAISettings.objects.get(organization=other_org).api_key == "sk-fine"
