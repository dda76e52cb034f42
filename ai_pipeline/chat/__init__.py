"""The archive chatbot's answers, from passages the caller retrieved (the app: meetings/chat/ask.py, which
keeps retrieval to what the asker may see), and spoken questions transcribed.

from ai_pipeline.chat import answer, sources_from_hits, NOT_FOUND
result = answer("예산은 얼마로 정했나요?", retrieve)  # retrieve(question) -> (sources, search outcome)
result.text, result.citations  # "... [1]", [{"n": 1, "meeting_id", "position", "start", "passage_id"}]
"""

from .core import Answer, Source, answer, sources_from_hits, stream_answer
from .prompts import NOT_FOUND
from .voice import transcribe_question

__all__ = ["NOT_FOUND", "Answer", "Source", "answer", "sources_from_hits", "stream_answer", "transcribe_question"]
