"""LLM providers behind one interface (see base.py). Pick one with get_provider(); heavy or optional
libraries (httpx for the HTTP providers, torch/transformers for the local one) load only on use."""

from importlib import import_module

from .base import (
    AuthenticationError,
    BadRequestError,
    Completion,
    ConfigurationError,
    ContextLengthExceededError,
    InvalidOutputError,
    LLMError,
    LLMProvider,
    LLMTimeoutError,
    ModelInfo,
    ProviderUnavailableError,
    RateLimitError,
    RetryPolicy,
    ServerError,
    StreamInterruptedError,
    Usage,
    estimate_tokens,
    parse_json_text,
)

PROVIDERS = {
    "hyperclova": "ai_pipeline.llm.clova.ClovaProvider",
    "clova-openai": "ai_pipeline.llm.openai_compat.ClovaOpenAIProvider",
    "openai": "ai_pipeline.llm.openai_compat.OpenAICompatProvider",
    "local": "ai_pipeline.llm.local_hf.LocalHFProvider",
    "offline": "ai_pipeline.llm.offline.OfflineProvider",
}
ALIASES = {"clova": "hyperclova", "hcx": "hyperclova", "extractive": "offline", "hf": "local", "vllm": "openai"}


def provider_class(name):
    name = ALIASES.get(name, name)
    if name not in PROVIDERS:
        raise ConfigurationError(f"Unknown LLM provider {name!r}; choose one of {', '.join(PROVIDERS)}.")
    module_path, _, class_name = PROVIDERS[name].rpartition(".")
    return getattr(import_module(module_path), class_name)


def _canonical(name):
    return ALIASES.get(name, name)


def _settings_kwargs(name, configured):
    from django.conf import settings

    kwargs = {
        "timeout": getattr(settings, "LLM_TIMEOUT", 120),
        "retry": RetryPolicy(max_attempts=1 + max(0, getattr(settings, "LLM_MAX_RETRIES", 3))),
    }
    # Model, URL and keys describe the configured provider; asking for another one by name must
    # not send them along (an OpenAI key to CLOVA, or HCX-005 to a vLLM server).
    if name == configured:
        kwargs.update(
            model=getattr(settings, "LLM_MODEL", ""),
            base_url=getattr(settings, "LLM_BASE_URL", ""),
            api_key=getattr(settings, "LLM_API_KEY", ""),
            apigw_api_key=getattr(settings, "LLM_APIGW_API_KEY", ""),
            context_window=getattr(settings, "LLM_CONTEXT_WINDOW", 0),
            device=getattr(settings, "LLM_DEVICE", ""),
        )
    return kwargs


_ACCEPTS = {
    "hyperclova": {"model", "base_url", "api_key", "apigw_api_key", "context_window", "timeout", "retry"},
    "clova-openai": {"model", "base_url", "api_key", "context_window", "timeout", "retry"},
    "openai": {"model", "base_url", "api_key", "context_window", "timeout", "retry"},
    "local": {"model", "context_window", "timeout", "retry", "device"},
    "offline": {"model", "timeout", "retry"},
}


def get_provider(name=None, **overrides):
    """The provider named (default LLM_PROVIDER), configured from settings; keyword overrides win."""
    from django.conf import settings

    configured = _canonical(getattr(settings, "LLM_PROVIDER", "offline") if settings.configured else "offline")
    name = _canonical(name) if name else configured
    cls = provider_class(name)
    kwargs = _settings_kwargs(name, configured) if settings.configured else {}
    kwargs = {k: v for k, v in kwargs.items() if k in _ACCEPTS[name] and v not in (None, "", 0)}
    kwargs.update(overrides)
    return cls(**kwargs)


__all__ = [
    "PROVIDERS",
    "AuthenticationError",
    "BadRequestError",
    "Completion",
    "ConfigurationError",
    "ContextLengthExceededError",
    "InvalidOutputError",
    "LLMError",
    "LLMProvider",
    "LLMTimeoutError",
    "ModelInfo",
    "ProviderUnavailableError",
    "RateLimitError",
    "RetryPolicy",
    "ServerError",
    "StreamInterruptedError",
    "Usage",
    "estimate_tokens",
    "get_provider",
    "parse_json_text",
    "provider_class",
]
