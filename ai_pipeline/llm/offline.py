"""The offline provider: no language model at all. It cannot chat; it answers any request with an
extractive digest of the last user message, clearly labelled as such (Completion.extractive)."""

import json

from .base import Completion, LLMProvider, ModelInfo, Usage
from .sentences import extractive_digest

EXTRACTIVE_LABEL = "[Extractive summary: sentences selected from the text, no language model was used]"


class OfflineProvider(LLMProvider):
    name = "offline"
    default_model = "extractive"
    extractive = True

    def __init__(self, model=None, *, key_points=5, **kwargs):
        super().__init__(model, **kwargs)
        self.key_points = key_points
        # No model means no context limit beyond memory; the budget only has to be generous.
        self.info = ModelInfo(10_000_000, 10_000_000, 100_000)

    def _complete_once(self, messages, max_tokens, temperature, json_schema, options):
        source = next((m["content"] for m in reversed(messages) if m["role"] == "user"), "")
        digest = extractive_digest(source, key_points=self.key_points)
        if json_schema is not None:
            text = json.dumps(digest, ensure_ascii=False)
        else:
            lines = [EXTRACTIVE_LABEL, "", "Key points:"]
            lines += [f"- {s}" for s in digest["key_points"]] or ["- (none)"]
            lines += ["", "Decisions:"] + ([f"- {s}" for s in digest["decisions"]] or ["- (none)"])
            lines += ["", "Action items:"]
            lines += [
                "- "
                + item["text"]
                + "".join(
                    f" [{label}: {item[key]}]" for key, label in (("owner", "owner"), ("due", "due")) if item[key]
                )
                for item in digest["action_items"]
            ] or ["- (none)"]
            text = "\n".join(lines)
        return Completion(
            text=text,
            usage=Usage(self.count_message_tokens(messages), self.count_tokens(text), estimated=True),
            finish_reason="stop",
            model=self.model,
            extractive=True,
        )
