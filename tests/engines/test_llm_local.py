"""The local Hugging Face provider, with a tiny randomly initialised model built here (plumbing only)."""

import json
import subprocess
import sys

import pytest

from ai_pipeline.llm import Completion, ContextLengthExceededError, get_provider
from ai_pipeline.llm.local_hf import LocalHFProvider

WORDS = ["회의", "결정", "담당", "금요일", "까지", "요약", "meeting", "summary", "yes", "no"]


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory):
    import torch
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import GPT2Config, GPT2LMHeadModel, PreTrainedTokenizerFast

    path = tmp_path_factory.mktemp("tiny-llm")
    special = ["<unk>", "<pad>", "<eos>"]
    vocab = {token: index for index, token in enumerate(special + WORDS + ["System:", "User:", "Assistant:"])}
    tokenizer = Tokenizer(models.WordLevel(vocab=vocab, unk_token="<unk>"))
    tokenizer.pre_tokenizer = pre_tokenizers.Whitespace()
    fast = PreTrainedTokenizerFast(tokenizer_object=tokenizer, unk_token="<unk>", pad_token="<pad>", eos_token="<eos>")
    fast.chat_template = (
        "{% for m in messages %}{{ m['role'] }}: {{ m['content'] }} {% endfor %}{% if add_generation_prompt %}"
        "Assistant:{% endif %}"
    )
    fast.save_pretrained(path)
    torch.manual_seed(0)
    config = GPT2Config(vocab_size=len(vocab), n_positions=64, n_embd=16, n_layer=1, n_head=2, eos_token_id=2)
    model = GPT2LMHeadModel(config)
    # Only ever emit real words, and never <eos>, so generation always runs to max_tokens with visible text.
    model.generation_config.eos_token_id = None
    model.generation_config.suppress_tokens = [0, 1, 2]
    model.save_pretrained(path)
    return path


def test_complete_returns_text_and_respects_max_tokens(tiny_model):
    provider = LocalHFProvider(str(tiny_model), device="cpu")
    completion = provider.complete([{"role": "user", "content": "회의 요약"}], max_tokens=5, temperature=0)

    assert isinstance(completion.text, str) and completion.text.strip()
    assert completion.usage.completion_tokens == 5
    assert completion.finish_reason == "length"
    assert completion.usage.prompt_tokens > 2
    assert provider.context_window == 64


def test_stream_yields_deltas_then_completion(tiny_model):
    provider = LocalHFProvider(str(tiny_model), device="cpu")
    items = list(provider.stream([{"role": "user", "content": "meeting summary"}], max_tokens=6, temperature=0))
    deltas, final = items[:-1], items[-1]
    assert isinstance(final, Completion) and all(isinstance(d, str) for d in deltas)
    assert "".join(deltas) == final.text and final.usage.completion_tokens == 6
    # Greedy decoding is deterministic: streaming and not streaming agree.
    same = provider.complete([{"role": "user", "content": "meeting summary"}], max_tokens=6, temperature=0)
    assert same.text == final.text


def test_model_is_loaded_once_per_process(tiny_model):
    first = LocalHFProvider(str(tiny_model), device="cpu")
    second = LocalHFProvider(str(tiny_model), device="cpu")
    assert first.loaded[1] is second.loaded[1]


def test_prompt_longer_than_the_context_is_refused(tiny_model):
    provider = LocalHFProvider(str(tiny_model), device="cpu")
    assert provider.count_tokens("회의 결정 담당") == 3
    with pytest.raises(ContextLengthExceededError):
        provider.complete([{"role": "user", "content": "회의 " * 80}], max_tokens=5)


def test_get_provider_local_uses_settings(tiny_model, settings):
    settings.LLM_PROVIDER = "local"
    settings.LLM_MODEL = str(tiny_model)
    settings.LLM_DEVICE = "cpu"
    provider = get_provider()
    assert isinstance(provider, LocalHFProvider) and provider.model == str(tiny_model)
    assert provider.complete("회의", max_tokens=2, temperature=0).usage.completion_tokens == 2


def test_importing_the_llm_package_loads_no_torch():
    code = (
        "import sys, json; import ai_pipeline.llm, ai_pipeline.llm.clova, ai_pipeline.llm.openai_compat, "
        "ai_pipeline.llm.offline, ai_pipeline.llm.local_hf; "
        "print(json.dumps([m for m in ('torch', 'transformers') if m in sys.modules]))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert json.loads(result.stdout) == []
