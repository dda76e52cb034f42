"""The models users may choose. A speech-to-text model named by a re-transcription or an organization's
speech settings, and the model of the local LLM provider, are loaded on a worker (`from_pretrained`), so a
free id would let any member make a worker download or load whatever they name. Operators decide which
exist: STT_MODELS and LLM_LOCAL_MODELS list them; the server's own STT_MODEL (and LLM_MODEL when the
server's provider is local) are always among them, and blank always means the server's default (the
bundled models on the embedded default). Remote providers' model names are not listed: they load nothing
here."""

from django.conf import settings
from django.utils.translation import gettext as _

from nexochat.errors import ServiceError


def stt_models():
    return list(dict.fromkeys(name for name in (settings.STT_MODEL, *settings.STT_MODELS) if name))


def local_llm_models():
    server = settings.LLM_MODEL if settings.LLM_PROVIDER == "local" else ""
    return list(dict.fromkeys(name for name in (server, *settings.LLM_LOCAL_MODELS) if name))


def _refuse(model, allowed):
    listed = ", ".join([_("the server default (leave it blank)"), *allowed])
    raise ServiceError(
        _("The model “%(model)s” is not offered on this server. Choose one of: %(allowed)s.")
        % {"model": model, "allowed": listed},
        "model_not_allowed",
        allowed=["", *allowed],
    )


def check_stt_model(model):
    """`model` (stripped) when this server offers it, or blank; otherwise ServiceError with the list."""
    model = (model or "").strip()
    if model and model not in stt_models():
        _refuse(model, stt_models())
    return model


def check_local_llm_model(model):
    model = (model or "").strip()
    if model and model not in local_llm_models():
        _refuse(model, local_llm_models())
    return model
