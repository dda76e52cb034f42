"""An organization's choice of LLM provider and speech-to-text engine."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization
from nexochat import secrets_at_rest


class OrganizationAISettings(models.Model):
    """An organization's choice of LLM provider. Empty fields fall back to the server's LLM_* settings.
    The API keys are stored encrypted (nexochat/secrets_at_rest.py) for the worker to use and never
    rendered back to anyone: `api_key` and `apigw_api_key` read and write the plaintext."""

    PROVIDERS = [
        ("", _("Server default")),
        ("hyperclova", "HyperCLOVA X (CLOVA Studio)"),
        ("clova-openai", _("HyperCLOVA X (OpenAI-compatible endpoint)")),
        ("openai", _("OpenAI-compatible server (vLLM, Ollama, OpenAI)")),
        ("local", _("Local model on the GPU worker")),
        ("offline", _("Offline (extractive, no language model)")),
    ]
    STT_ENGINES = [
        ("", _("Server default")),
        ("faster-whisper", "faster-whisper (CTranslate2)"),
        ("transformers", "Transformers Whisper"),
    ]

    organization = models.OneToOneField(Organization, on_delete=models.CASCADE, related_name="ai_settings")
    provider = models.CharField(_("provider"), max_length=32, choices=PROVIDERS, blank=True)
    model = models.CharField(_("model"), max_length=200, blank=True)
    base_url = models.URLField(_("base URL"), max_length=300, blank=True)
    encrypted_api_key = models.TextField(_("API key"), blank=True, editable=False)
    encrypted_apigw_api_key = models.TextField(_("API gateway key (legacy CLOVA keys)"), blank=True, editable=False)
    context_window = models.PositiveIntegerField(_("context window (tokens)"), null=True, blank=True)
    default_template = models.CharField(_("default template"), max_length=120, default="default")
    stt_engine = models.CharField(_("speech-to-text engine"), max_length=32, choices=STT_ENGINES, blank=True)
    stt_model = models.CharField(
        _("speech-to-text model"), max_length=300, blank=True, help_text=_("A model id or a folder on the worker.")
    )
    glossary = models.TextField(
        _("glossary"), blank=True, help_text=_("Names and terms the transcript should spell correctly, one per line.")
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("AI settings")
        verbose_name_plural = _("AI settings")

    def __str__(self):
        return f"{self.organization}: {self.provider or 'default'}"

    @property
    def has_api_key(self):
        return bool(self.encrypted_api_key)

    # Reading raises secrets_at_rest.UnreadableSecret when no configured key decrypts the stored value.
    api_key = secrets_at_rest.encrypted_property("encrypted_api_key")
    apigw_api_key = secrets_at_rest.encrypted_property("encrypted_apigw_api_key")

    @property
    def glossary_terms(self):
        return [term.strip() for term in self.glossary.splitlines() if term.strip()]
