"""Korean morphology for lexical search: Kiwi content morphemes, and highlights on the original text.

Kiwi is loaded once per process, on first use (about a second)."""

import re
import threading

# Nouns, verb/adjective stems, roots, numbers, hanja: particles and endings are dropped, so "예산을" and
# "예산은" both become "예산".
CONTENT_TAGS = frozenset({"NNG", "NNP", "NR", "VV", "VA", "XR", "SN", "SH", "MAG"})
# Latin-script words are read from the text itself: Kiwi keeps a sentence's last period on its word
# ("kit.") and cuts some words in two ("Thurs" + "day."), so English never matched itself.
_LATIN_WORD = re.compile(r"[A-Za-z]{2,}")

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


def _content(tokens, text):
    """The content morphemes in order: Kiwi's (Latin-script words left out) and the text's Latin words."""
    found = [
        (token.start, token.form.lower())
        for token in tokens
        if token.tag.split("-")[0] in CONTENT_TAGS and token.form.strip()
    ]
    found += [(match.start(), match.group().lower()) for match in _LATIN_WORD.finditer(text)]
    return [form for _start, form in sorted(found, key=lambda pair: pair[0])]


def morphemes(text):
    """The content morphemes of one text, in order."""
    if not text or not text.strip():
        return []
    return _content(get_kiwi().tokenize(text), text)


def morphemes_many(texts):
    """Content morphemes for many texts at once (Kiwi batches them)."""
    texts = [t if t.strip() else " " for t in texts]
    if not texts:
        return []
    return [_content(tokens, text) for tokens, text in zip(get_kiwi().tokenize(texts), texts, strict=True)]


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


# Words every question has: they say nothing about whether a passage is on topic. Kiwi keeps Latin
# words whole (tagged SL), so English function words would otherwise count as matches.
QUESTION_STOPWORDS = frozenset(
    "하 되 있 없 않 이 그 저 것 수 때 좀 더 잘 언제 어디 누구 무엇 뭐 얼마 어떻 왜 몇 "  # noqa: SIM905
    "a an the and or but if to of in on at for with is are was were be been it this that we you i they he she "
    "our your my their so do does did have has had will would can could should just not no what when where who "
    "whom why how which about any there am me us them its from by as into than then also"
    "".split()
)


def stem(word):
    """English words with their commonest endings cut ("decided" and "decide" meet); Kiwi leaves Latin
    words whole. Korean morphemes pass unchanged."""
    if word.isascii() and word.isalpha():
        for suffix in ("ing", "ed", "es", "s", "e"):
            if word.endswith(suffix) and len(word) - len(suffix) >= 3:
                return word[: -len(suffix)]
    return word


# Words that name the meeting itself ("회의에서 정한 것", "in the meeting"): what a question is about is
# in its other words, unless it has no others.
MEETING_WORDS = frozenset({"회의", "미팅", "회의록", "meet"})


def relevance_terms(tokens):
    """The query morphemes that say what it is about: question words, English function words and
    words for the meeting itself dropped, English endings cut."""
    terms = {stem(t) for t in tokens if t not in QUESTION_STOPWORDS}
    return (terms - MEETING_WORDS) or terms


# --- near misses: words one or two edits away ---------------------------------------------------------

_HANGUL_BASE, _HANGUL_LAST = 0xAC00, 0xD7A3
_LEADS = "ㄱㄲㄴㄷㄸㄹㅁㅂㅃㅅㅆㅇㅈㅉㅊㅋㅌㅍㅎ"
_VOWELS = "ㅏㅐㅑㅒㅓㅔㅕㅖㅗㅘㅙㅚㅛㅜㅝㅞㅟㅠㅡㅢㅣ"
_TAILS = " ㄱㄲㄳㄴㄵㄶㄷㄹㄺㄻㄼㄽㄾㄿㅀㅁㅂㅄㅅㅆㅇㅈㅊㅋㅌㅍㅎ"


def jamo(word):
    """Hangul syllables split into their letters ("예산" -> "ㅇㅖㅅㅏㄴ"), so that a misheard final
    consonant ("예상") is one edit away, as a misheard English letter is."""
    out = []
    for char in word:
        code = ord(char)
        if _HANGUL_BASE <= code <= _HANGUL_LAST:
            index = code - _HANGUL_BASE
            out.append(_LEADS[index // 588])
            out.append(_VOWELS[index % 588 // 28])
            if index % 28:
                out.append(_TAILS[index % 28])
        else:
            out.append(char)
    return "".join(out)


def edit_distance(a, b, limit):
    """Levenshtein distance (transpositions count one), or limit + 1 once it is surely above `limit`."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2, previous = None, list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, start=1):
            cost = ca != cb
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return previous[-1]


def max_edits(word):
    """One edit for short words, two for longer ones (counted in letters; a Hangul syllable is 2-3)."""
    return 1 if len(jamo(word)) <= 5 else 2


MAX_NEAR_CHARS = 20  # longer "words" are not misspellings of anything (and their variants add up)


class NeighbourIndex:
    """Finds the words of a vocabulary within one or two edits of a word, without comparing it with
    every word: each word is filed under its spellings with one letter deleted, so two words within an
    edit (and most pairs within two) share a key; the candidates are then measured exactly."""

    def __init__(self, words):
        self._keys = {}
        for word in words:
            if not 2 <= len(word) <= MAX_NEAR_CHARS or word.isdigit():
                continue
            letters = jamo(word)
            for key in {letters, *_deletes(letters)}:
                self._keys.setdefault(key, []).append(word)

    def near(self, word, limit=None):
        """[(distance, word)] of the vocabulary's words within `limit` edits (default max_edits), nearest
        first; the word itself is left out."""
        if not 2 <= len(word) <= MAX_NEAR_CHARS:
            return []
        letters = jamo(word)
        limit = max_edits(word) if limit is None else limit
        seen = set()
        for key in {letters, *_deletes(letters)}:
            seen.update(self._keys.get(key, ()))
        seen.discard(word)
        found = []
        for candidate in seen:
            distance = edit_distance(letters, jamo(candidate), limit)
            if distance <= limit:
                found.append((distance, candidate))
        return sorted(found, key=lambda pair: (pair[0], abs(len(pair[1]) - len(word)), pair[1]))


def _deletes(letters):
    return {letters[:i] + letters[i + 1 :] for i in range(len(letters))}
