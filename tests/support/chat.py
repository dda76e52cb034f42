"""The chat tests' view of a language model: a CLOVA provider on the fake server (quick retries, no
sleeping), the prompt the fake received, and the (meeting, position) pairs an answer cites."""

from ai_pipeline.llm import RetryPolicy
from ai_pipeline.llm.clova import ClovaProvider


def clova_provider(fake):
    return ClovaProvider(
        "HCX-005",
        base_url=fake.url,
        api_key=fake.api_key,
        retry=RetryPolicy(max_attempts=2, base_delay=0.01, max_delay=0.02),
        sleep=lambda _s: None,
    )


def cited(result):
    return [(c["meeting_id"], c["position"]) for c in result.citations]


def prompt_of(request):
    """(system message, last user message) of a request the fake CLOVA server recorded."""
    messages = request.body["messages"]
    return messages[0]["content"], messages[-1]["content"]
