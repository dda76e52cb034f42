"""Korean morphology for lexical search: Kiwi content morphemes, and highlights on the original text.

Kiwi is loaded once per process, on first use (about a second)."""

import threading

# Nouns, verb/adjective stems, roots, foreign words, numbers, hanja: particles and endings are dropped,
# so "예산을" and "예산은" both become "예산".
CONTENT_TAGS = frozenset({"NNG", "NNP", "NR", "VV", "VA", "XR", "SL", "SN", "SH", "MAG"})

_kiwi = None
_lock = threading.Lock()


def get_kiwi():
    global _kiwi
    if _kiwi is None:
        with _lock:
            if _kiwi is None:
                from kiwipiepy import Kiwi

                _kiwi = Kiwi()
    return _kiwi


def _content(tokens):
    for token in tokens:
        if token.tag.split("-")[0] in CONTENT_TAGS:
            form = token.form.lower()
            if form.strip():
                yield token, form


def morphemes(text):
    """The content morphemes of one text, in order."""
    if not text or not text.strip():
        return []
    return [form for _token, form in _content(get_kiwi().tokenize(text))]


def morphemes_many(texts):
    """Content morphemes for many texts at once (Kiwi batches them)."""
    texts = list(texts)
    if not texts:
        return []
    results = get_kiwi().tokenize([t if t.strip() else " " for t in texts])
    return [[form for _token, form in _content(tokens)] for tokens in results]


def highlight_spans(text, terms):
    """(start, length) of each place in `text` where one of the query's morphemes occurs.

    Content morphemes are substrings of the words they came from ("예산" in "예산은"), so a plain
    search finds them without running Kiwi again; one-letter Hangul terms are skipped because they
    would light up inside unrelated words."""
    if not text or not terms:
        return []
    lowered = text.lower()
    found = []
    for term in sorted(terms, key=len, reverse=True):
        if len(term) < 2 and not term.isascii():
            continue
        start = lowered.find(term)
        while start != -1:
            found.append((start, len(term)))
            start = lowered.find(term, start + len(term))
    spans, end = [], -1
    for start, length in sorted(found):
        if start >= end:
            spans.append((start, length))
            end = start + length
    return spans


def snippet(text, spans, width=160):
    """A window of about `width` characters around the first highlight, and the highlights inside it
    (offsets relative to the snippet)."""
    if len(text) <= width:
        return text, list(spans)
    first = spans[0][0] if spans else 0
    begin = max(0, min(first - width // 3, len(text) - width))
    end = begin + width
    prefix = "…" if begin > 0 else ""
    suffix = "…" if end < len(text) else ""
    shifted = [(s - begin + len(prefix), n) for s, n in spans if s >= begin and s + n <= end]
    return prefix + text[begin:end] + suffix, shifted


def highlight_html(text, spans):
    """`text` escaped for HTML, with each span wrapped in <mark>."""
    from django.utils.html import escape

    out, pos = [], 0
    for start, length in sorted(spans):
        if start < pos:
            continue
        out.append(escape(text[pos:start]))
        out.append("<mark>" + escape(text[start : start + length]) + "</mark>")
        pos = start + length
    out.append(escape(text[pos:]))
    return "".join(out)
