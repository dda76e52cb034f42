"""Structured meeting minutes: schema and validation, prompts and templates, map-reduce over long
transcripts, due-date parsing, the extractive (no-LLM) builder, Markdown/DOCX rendering and Markdown read
back after an edit, and speakers shown by their current names. Turns, names and dates come in as plain
data; the app reads them from the database and saves what comes back (meetings/minutes/generation.py)."""

from .duedates import parse_due
from .generate import MinutesResult, finish, generate_minutes
from .names import with_names
from .prompts import BUILTIN_TEMPLATES, Template
from .render import MarkdownError, markdown_to_docx, parse_markdown, to_markdown
from .schema import MODEL_SCHEMA, normalize, parse_minutes
from .turns import Turn, turns_from_json

__all__ = [
    "BUILTIN_TEMPLATES",
    "MODEL_SCHEMA",
    "MarkdownError",
    "MinutesResult",
    "Template",
    "Turn",
    "finish",
    "generate_minutes",
    "markdown_to_docx",
    "normalize",
    "parse_due",
    "parse_markdown",
    "parse_minutes",
    "to_markdown",
    "turns_from_json",
    "with_names",
]
