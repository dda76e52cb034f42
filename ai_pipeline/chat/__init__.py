"""The archive chatbot: cited, permission-scoped answers from the meeting archive.

from ai_pipeline.chat import answer, stream_answer, NOT_FOUND
result = answer(request.user, "예산은 얼마로 정했나요?", filters={"meeting": [meeting.pk]})
result.text, result.citations  # "... [1]", [{"n": 1, "meeting_id", "position", "start", "passage_id"}]
"""

from .prompts import NOT_FOUND


def answer(*args, **kwargs):
    from .core import answer as _answer

    return _answer(*args, **kwargs)


def stream_answer(*args, **kwargs):
    from .core import stream_answer as _stream_answer

    return _stream_answer(*args, **kwargs)


def transcribe_question(*args, **kwargs):
    from .voice import transcribe_question as _transcribe_question

    return _transcribe_question(*args, **kwargs)


__all__ = ["NOT_FOUND", "answer", "stream_answer", "transcribe_question"]
