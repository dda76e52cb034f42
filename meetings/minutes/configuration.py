"""An organization's minutes configuration: which LLM providers exist and which are set up, the client for
one (with the organization's own model, base URL and encrypted API key), the allowed base URLs, key
re-encryption after a key rotation, and the organization's own minutes templates."""

import dataclasses
import logging
import re

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from meetings.model_choices import check_local_llm_model, check_stt_model, local_llm_models
from meetings.models import (
    MinutesTemplate,
    OrganizationAISettings,
)
from nexochat.errors import ServiceError

logger = logging.getLogger(__name__)

PROVIDER_NAMES = ("hyperclova", "clova-openai", "openai", "local", "offline")
MAX_PROMPT = 8000


def ai_settings(organization):
    return OrganizationAISettings.objects.filter(organization=organization).first()


def templates_for(organization):
    """[(key, name)]: the built-in templates, then the organization's own."""
    choices = [("default", _("Default")), ("report", _("Korean report style (개조식)"))]
    choices += [(t.key, t.name) for t in MinutesTemplate.objects.filter(organization=organization)]
    return choices


def resolve_template(organization, key):
    from ai_pipeline.minutes.prompts import BUILTIN_TEMPLATES, Template

    key = (key or "").strip()
    if not key:
        config = ai_settings(organization)
        key = config.default_template if config else "default"
    if key in BUILTIN_TEMPLATES:
        return BUILTIN_TEMPLATES[key]
    match = re.fullmatch(r"org:(\d+)", key)
    template = match and MinutesTemplate.objects.filter(organization=organization, pk=int(match.group(1))).first()
    if not template:
        if key == (getattr(ai_settings(organization), "default_template", "") or ""):
            return BUILTIN_TEMPLATES["default"]  # the organization's default template was deleted
        raise ServiceError(_("No such minutes template."), "unknown_template")
    return Template(template.key, template.name, template.prompt)


def provider_label(name):
    from ai_pipeline.llm import ALIASES

    name = ALIASES.get(name, name)
    return dict(OrganizationAISettings.PROVIDERS).get(name, name)


_MISSING = {
    "api_key": gettext_lazy("no API key is set"),
    "api_key_unreadable": gettext_lazy("the stored API key cannot be read; enter it again"),
    "base_url": gettext_lazy("no server address is set"),
    "model": gettext_lazy("no model is chosen"),
}


def provider_problem(organization, name=None):
    """Why the provider (None: the organization's default) cannot write minutes now, in the reader's
    language, or "" when it can. Only configuration is checked (a key, an address, a model); nothing is
    sent anywhere."""
    from ai_pipeline.llm import ConfigurationError

    try:
        provider = provider_for(organization, name or None)
    except ConfigurationError as exc:
        logger.debug("provider %s for organization %s: %s", name or "(default)", organization.pk, exc)
        return str(_MISSING.get(exc.missing, _("it is not set up")))
    provider.close()
    return ""


def provider_options(organization, *, admin):
    """The providers to offer on the minutes panel: [{key, label, problem}]. Owners and admins also see the
    ones that are not set up, with the reason (shown disabled); members see only the ones that work."""
    options = []
    for key, label in OrganizationAISettings.PROVIDERS:
        if not key:
            continue
        problem = provider_problem(organization, key)
        if admin or not problem:
            options.append({"key": key, "label": label, "problem": problem})
    return options


def configured_provider_name(organization):
    config = ai_settings(organization)
    return (config.provider if config and config.provider else settings.LLM_PROVIDER) or "offline"


def provider_for(organization, name=None):
    """The LLM provider to use: the organization's configuration when it names this provider (or none
    is asked for), otherwise the server's settings for that provider."""
    from ai_pipeline.llm import _ACCEPTS, ConfigurationError, _canonical, get_provider  # the layer's own filter

    config = ai_settings(organization)
    configured = _canonical(config.provider) if config and config.provider else None
    name = _canonical(name) if name else (configured or None)
    if name and name not in PROVIDER_NAMES:
        raise ServiceError(_("Unknown provider."), "unknown_provider")
    overrides = {}
    if config and configured and name == configured:
        overrides = {
            "model": config.model,
            "base_url": config.base_url,
            "api_key": _stored_key(config, "api_key"),
            "apigw_api_key": _stored_key(config, "apigw_api_key"),
            "context_window": config.context_window,
        }
        overrides = {k: v for k, v in overrides.items() if k in _ACCEPTS[name] and v not in (None, "", 0)}
        if name == "local" and overrides.get("model") not in (None, *local_llm_models()):
            raise ConfigurationError(
                f"The organization's local model {overrides['model']!r} is not in LLM_LOCAL_MODELS.",
                missing="model_not_allowed",
            )
        if "base_url" in overrides:  # the organization's URL, not the operator's
            from nexochat.outbound_transport import CheckedAddressTransport

            overrides["url_guard"] = _organization_url_guard
            overrides["transport"] = CheckedAddressTransport()
    return get_provider(name, **overrides)


def _stored_key(config, field):
    from ai_pipeline.llm import ConfigurationError
    from nexochat.secrets_at_rest import UnreadableSecret

    try:
        return getattr(config, field)
    except UnreadableSecret as exc:
        raise ConfigurationError(str(exc), missing="api_key_unreadable") from None


def _organization_url_guard(url):
    """Run by the provider right before each request to an organization-set base URL."""
    from ai_pipeline.llm import ConfigurationError, ProviderUnavailableError
    from nexochat import outbound

    try:
        outbound.check_url(url)
    except outbound.HostUnresolvable as exc:
        raise ProviderUnavailableError(f"cannot reach the organization's base URL: {exc}") from None
    except outbound.URLRefused as exc:
        raise ConfigurationError(f"the organization's base URL is not allowed: {exc}") from None


def clean_base_url(value):
    """http(s) URLs, including bare host names ("http://gpu:8000/v1"), which self-hosted servers use.
    Internal addresses only when the operator allows them (LLM_ALLOWED_HOSTS, nexochat/outbound.py)."""
    from urllib.parse import urlsplit

    from nexochat import outbound

    value = (value or "").strip()
    if not value:
        return ""
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname or len(value) > 300:
        raise ServiceError(_("Enter an http:// or https:// address."), "invalid_url")
    try:
        outbound.check_url(value)
    except outbound.HostUnresolvable as exc:
        message = _(
            "%(host)s cannot be resolved. A host on the server's own network can be used once the server "
            "operator lists it in LLM_ALLOWED_HOSTS."
        )
        raise ServiceError(message % {"host": exc.host}, "url_not_allowed") from None
    except outbound.URLRefused as exc:
        message = _(
            "%(host)s is an internal address (%(address)s). The server operator must list it in "
            "LLM_ALLOWED_HOSTS before an organization can use it."
        )
        raise ServiceError(message % {"host": exc.host, "address": exc.address}, "url_not_allowed") from None
    return value


def update_ai_settings(
    organization,
    user,
    *,
    provider="",
    model="",
    base_url="",
    api_key=None,
    apigw_api_key=None,
    clear_api_key=False,
    context_window=None,
    default_template="default",
    stt_engine=None,
    stt_model=None,
    glossary=None,
):
    """Save the organization's provider choice. A blank key keeps the stored one; clear_api_key removes it.
    The speech settings (stt_engine, stt_model, glossary) are left as they are when None."""
    if provider and provider not in PROVIDER_NAMES:
        raise ServiceError(_("Unknown provider."), "unknown_provider")
    resolve_template(organization, default_template)
    if (provider or settings.LLM_PROVIDER) == "local":
        check_local_llm_model(model)
    if stt_model is not None:
        stt_model = check_stt_model(stt_model)
    base_url = clean_base_url(base_url)  # before get_or_create: a refused change must not leave a row
    config, _created = OrganizationAISettings.objects.get_or_create(organization=organization)
    config.provider = provider or ""
    config.model = (model or "").strip()[:200]
    config.base_url = base_url
    if clear_api_key:
        config.api_key = config.apigw_api_key = ""
    else:
        if api_key:
            config.api_key = api_key.strip()[:500]
        if apigw_api_key:
            config.apigw_api_key = apigw_api_key.strip()[:500]
    config.context_window = context_window or None
    config.default_template = default_template or "default"
    if stt_engine is not None:
        config.stt_engine = stt_engine
    if stt_model is not None:
        config.stt_model = stt_model
    if glossary is not None:
        config.glossary = "\n".join(term.strip() for term in glossary.splitlines() if term.strip())
    config.updated_by = user
    config.save()
    from accounts import audit

    # Never the key itself: only whether one was set or cleared.
    audit.record(
        user,
        organization,
        "ai_settings.update",
        config,
        provider=config.provider,
        model=config.model,
        base_url=config.base_url,
        api_key_changed=bool(api_key or apigw_api_key or clear_api_key),
    )
    return config


@dataclasses.dataclass
class Reencryption:
    """Ids of the organization AI settings rows with stored keys, by what re-encrypting did to them."""

    rewritten: list = dataclasses.field(default_factory=list)
    current: list = dataclasses.field(default_factory=list)  # already encrypted with the first key
    unreadable: list = dataclasses.field(default_factory=list)  # no configured key decrypts them: left as they are


ENCRYPTED_KEY_FIELDS = ("encrypted_api_key", "encrypted_apigw_api_key")


def reencrypt_api_keys(*, dry_run=False):
    """Encrypt every stored API key with the first of FIELD_ENCRYPTION_KEYS, so that the keys after it
    can be removed from the list. A dry run only sorts the rows."""
    from nexochat import secrets_at_rest

    result = Reencryption()
    with_keys = OrganizationAISettings.objects.exclude(encrypted_api_key="", encrypted_apigw_api_key="")
    for pk in with_keys.order_by("pk").values_list("pk", flat=True):
        with transaction.atomic():  # a key saved meanwhile from the settings page is not overwritten
            row = OrganizationAISettings.objects.select_for_update().filter(pk=pk).values(*ENCRYPTED_KEY_FIELDS).first()
            if row is None:  # deleted meanwhile
                continue
            tokens = {name: token for name, token in row.items() if token}
            try:
                rotated = {
                    name: secrets_at_rest.rotate(token)
                    for name, token in tokens.items()
                    if not secrets_at_rest.is_current(token)
                }
            except secrets_at_rest.UnreadableSecret:
                result.unreadable.append(pk)
                continue
            if not rotated:
                result.current.append(pk)
                continue
            result.rewritten.append(pk)
            if not dry_run:  # update(), not save(): updated_at/updated_by are for people's changes
                OrganizationAISettings.objects.filter(pk=pk).update(**rotated)
    return result


def save_template(organization, *, name, prompt, template=None):
    name, prompt = (name or "").strip()[:100], (prompt or "").strip()
    if not name or not prompt:
        raise ServiceError(_("A template needs a name and instructions."), "invalid")
    if len(prompt) > MAX_PROMPT:
        raise ServiceError(_("The instructions are too long."), "too_long")
    clash = MinutesTemplate.objects.filter(organization=organization, name=name)
    if template is not None:
        clash = clash.exclude(pk=template.pk)
    if clash.exists():
        raise ServiceError(_("A template with this name already exists."), "duplicate")
    if template is None:
        return MinutesTemplate.objects.create(organization=organization, name=name, prompt=prompt)
    template.name, template.prompt = name, prompt
    template.save(update_fields=["name", "prompt", "updated_at"])
    return template


def delete_template(template):
    template.delete()
