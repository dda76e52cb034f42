"""A local Hugging Face causal LM (a path or a hub id), for fully on-premise teams.

Loaded once per process and cached, on CUDA when present. torch and transformers are imported
only here, and only when the provider is first used."""

import logging
import threading

from .base import (
    BadRequestError,
    Completion,
    ConfigurationError,
    ContextLengthExceededError,
    LLMError,
    LLMProvider,
    ModelInfo,
    Usage,
    with_json_instruction,
)

logger = logging.getLogger(__name__)

_CACHE = {}
_CACHE_LOCK = threading.Lock()


def _resolve_device(device):
    import torch

    if device in (None, "", "auto"):
        return "cuda" if torch.cuda.is_available() else "cpu"
    return device


def load_model(model_id, device="auto"):
    """(tokenizer, model, device), loaded once per process for each model and device."""
    device = _resolve_device(device)
    key = (str(model_id), device)
    with _CACHE_LOCK:
        if key not in _CACHE:
            import torch
            from transformers import AutoModelForCausalLM, AutoTokenizer

            logger.info("Loading local LLM %s on %s", model_id, device)
            try:
                tokenizer = AutoTokenizer.from_pretrained(model_id)
                dtype = torch.bfloat16 if device.startswith("cuda") else torch.float32
                model = AutoModelForCausalLM.from_pretrained(model_id, dtype=dtype).to(device)
            except OSError as exc:
                raise ConfigurationError(f"Cannot load the local model {model_id!r}: {exc}") from exc
            model.eval()
            _CACHE[key] = (tokenizer, model, device)
        return _CACHE[key]


class LocalHFProvider(LLMProvider):
    name = "local"

    def __init__(self, model=None, *, device="auto", context_window=None, max_output_tokens=None, **kwargs):
        if not model:
            raise ConfigurationError("The local provider needs a model path or id (LLM_MODEL).", missing="model")
        super().__init__(model, **kwargs)
        self.device_name = device
        self._context_override = context_window
        self._max_output_override = max_output_tokens
        self._loaded = None

    # Budgeting uses the real tokenizer and the model's own position limit.
    @property
    def loaded(self):
        if self._loaded is None:
            self._loaded = load_model(self.model, self.device_name)
            tokenizer, model, _device = self._loaded
            window = self._context_override or _model_window(model, tokenizer)
            self.info = ModelInfo(window, window, self._max_output_override or min(4096, window))
        return self._loaded

    @property
    def context_window(self):
        return self.loaded and self.info.context_window

    @property
    def max_output_tokens(self):
        return self.loaded and self.info.max_output_tokens

    def count_tokens(self, text):
        tokenizer = self.loaded[0]
        return len(tokenizer(text, add_special_tokens=False)["input_ids"])

    def _prompt_ids(self, messages, json_schema):
        tokenizer, _model, device = self.loaded
        if json_schema is not None:
            messages = with_json_instruction(messages, json_schema)
        if getattr(tokenizer, "chat_template", None):
            ids = tokenizer.apply_chat_template(messages, add_generation_prompt=True, return_tensors="pt")
            if not hasattr(ids, "shape"):  # some versions return a BatchEncoding
                ids = ids["input_ids"]
        else:
            # Base models without a template get a plain transcript-style prompt.
            prompt = "".join(f"{m['role'].capitalize()}: {m['content']}\n" for m in messages) + "Assistant:"
            ids = tokenizer(prompt, return_tensors="pt")["input_ids"]
        return ids.to(device)

    def _generate_kwargs(self, ids, max_tokens, temperature, options):
        tokenizer, _model, _device = self.loaded
        prompt_tokens = ids.shape[-1]
        if prompt_tokens + max_tokens > self.info.context_window:
            raise ContextLengthExceededError(
                f"local: the prompt has {prompt_tokens} tokens; with {max_tokens} for the answer it exceeds "
                f"the model's {self.info.context_window}."
            )
        import torch

        kwargs = {
            "input_ids": ids,
            "attention_mask": torch.ones_like(ids),
            "max_new_tokens": max_tokens,
            "pad_token_id": tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id,
        }
        if temperature and temperature > 0:
            kwargs.update(do_sample=True, temperature=float(temperature), top_p=options.get("top_p") or 1.0)
        else:
            kwargs["do_sample"] = False
        if options.get("seed"):
            torch.manual_seed(int(options["seed"]))
        return kwargs

    def _finish(self, new_ids, max_tokens):
        eos = self.loaded[0].eos_token_id
        ended = eos is not None and len(new_ids) and int(new_ids[-1]) == eos
        return "length" if len(new_ids) >= max_tokens and not ended else "stop"

    def _complete_once(self, messages, max_tokens, temperature, json_schema, options):
        tokenizer, model, _device = self.loaded
        ids = self._prompt_ids(messages, json_schema)
        kwargs = self._generate_kwargs(ids, max_tokens, temperature, options)
        import torch

        try:
            with torch.inference_mode():
                output = model.generate(**kwargs)
        except torch.OutOfMemoryError as exc:
            raise LLMError("local: the GPU ran out of memory; send less text or use a smaller model.") from exc
        new_ids = output[0, ids.shape[-1] :]
        text = tokenizer.decode(new_ids, skip_special_tokens=True)
        return Completion(
            text=text,
            usage=Usage(int(ids.shape[-1]), int(len(new_ids))),
            finish_reason=self._finish(new_ids, max_tokens),
            model=str(self.model),
        )

    def _stream_once(self, messages, max_tokens, temperature, json_schema, options):
        from transformers import TextIteratorStreamer

        tokenizer, model, _device = self.loaded
        ids = self._prompt_ids(messages, json_schema)
        kwargs = self._generate_kwargs(ids, max_tokens, temperature, options)
        streamer = TextIteratorStreamer(tokenizer, skip_prompt=True, skip_special_tokens=True, timeout=self.timeout)
        result = {}

        def run():
            import torch

            try:
                with torch.inference_mode():
                    result["output"] = model.generate(**kwargs, streamer=streamer)
            except Exception as exc:  # handed to the consuming thread below
                result["error"] = exc
                streamer.end()

        worker = threading.Thread(target=run, name="local-llm-generate", daemon=True)
        worker.start()
        parts = []
        for delta in streamer:
            if delta:
                parts.append(delta)
                yield delta
        worker.join()
        if "error" in result:
            raise LLMError(f"local: generation failed: {result['error']}") from result["error"]
        new_ids = result["output"][0, ids.shape[-1] :]
        yield Completion(
            text="".join(parts),
            usage=Usage(int(ids.shape[-1]), int(len(new_ids))),
            finish_reason=self._finish(new_ids, max_tokens),
            model=str(self.model),
        )

    def input_budget(self, max_tokens):
        self.loaded  # noqa: B018 - the context window is only known once the model is loaded
        return super().input_budget(max_tokens)

    def _clamp_max_tokens(self, max_tokens):
        self.loaded  # noqa: B018
        if max_tokens is None or max_tokens < 1:
            raise BadRequestError("max_tokens must be a positive integer.")
        return super()._clamp_max_tokens(max_tokens)


def _model_window(model, tokenizer):
    config = model.config
    for attribute in ("max_position_embeddings", "n_positions", "seq_length", "max_sequence_length"):
        value = getattr(config, attribute, None)
        if isinstance(value, int) and value > 0:
            return value
    limit = getattr(tokenizer, "model_max_length", 0)
    return limit if 0 < limit < 10_000_000 else 2048
