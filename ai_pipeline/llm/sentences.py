"""Sentences without a language model: splitting, centrality ranking, and decision / action-item /
due-date cues in Korean and English. Pure functions, shared by the offline provider (its extractive
digest) and the offline minutes writer (ai_pipeline/minutes/extractive.py)."""

import math
import re
from collections import Counter
from dataclasses import dataclass

_SENTENCE_END = re.compile(r"(?<=[.!?。？！])\s+|\n+")
_HANGUL = re.compile(r"[\uac00-\ud7a3]+")
_LATIN = re.compile(r"[A-Za-z][A-Za-z0-9'\-]*|\d+")
_FILLERS = {"네", "예", "음", "어", "아", "그", "저", "응", "yes", "ok", "okay", "yeah", "um", "uh", "right"}
_EN_STOPWORDS = frozenset(
    "a an the and or but if to of in on at for with is are was were be been it this that we you i they he she "  # noqa: SIM905
    "our your my their so do does did have has had will would can could should just not no".split()
)


def split_sentences(text):
    """Sentences of a transcript or document; line breaks always end a sentence."""
    return [s.strip() for s in _SENTENCE_END.split(text or "") if s and s.strip()]


def sentence_features(sentence):
    """Bag of features robust to Korean particles: Hangul character bigrams plus Latin words."""
    features = Counter()
    for word in _HANGUL.findall(sentence):
        if len(word) == 1:
            features[word] += 1
        for i in range(len(word) - 1):
            features[word[i : i + 2]] += 1
    for word in _LATIN.findall(sentence.lower()):
        if word not in _EN_STOPWORDS:
            features[word] += 1
    return features


# Greetings and meeting housekeeping are never key points.
_HOUSEKEEPING = re.compile(
    r"안녕하세요|수고하셨습니다|수고하세요|감사합니다|고맙습니다|여기까지|시작하겠습니다|마치겠습니다|"
    r"\b(?:hello|hi everyone|thank you|thanks|let'?s (?:get )?start|wrap (?:it )?up)\b",
    re.IGNORECASE,
)


def _is_filler(sentence):
    words = re.findall(r"\w+", sentence.lower())
    if not words or all(w in _FILLERS for w in words) or len(sentence.strip()) < 6:
        return True
    return bool(_HOUSEKEEPING.search(sentence)) and len(sentence) < 40


def rank_sentences(sentences):
    """(index, score) pairs, most central first.

    Centrality is the TF-IDF cosine similarity between a sentence and the rest of the document
    (its centroid minus the sentence itself), which is linear in the transcript length, unlike a
    full similarity graph. Fillers ("네", "음") score zero.
    """
    features = [sentence_features(s) for s in sentences]
    n = len(sentences)
    if n == 0:
        return []
    document_frequency = Counter()
    for feats in features:
        document_frequency.update(feats.keys())
    idf = {term: math.log((1 + n) / (1 + df)) + 1.0 for term, df in document_frequency.items()}
    vectors = [{t: (1 + math.log(c)) * idf[t] for t, c in feats.items()} for feats in features]
    centroid = Counter()
    for vector in vectors:
        centroid.update(vector)
    centroid_norm_sq = sum(w * w for w in centroid.values())
    scored = []
    for index, (sentence, vector) in enumerate(zip(sentences, vectors, strict=True)):
        if _is_filler(sentence) or not vector:
            scored.append((index, 0.0))
            continue
        # cosine(v, centroid - v), expanded so the rest-of-document vector is never built.
        cv = sum(w * centroid[t] for t, w in vector.items())
        vv = sum(w * w for w in vector.values())
        rest_norm_sq = centroid_norm_sq - 2 * cv + vv
        score = (cv - vv) / math.sqrt(vv * rest_norm_sq) if rest_norm_sq > 1e-12 else 0.0
        scored.append((index, score))
    return sorted(scored, key=lambda pair: (-pair[1], pair[0]))


def top_sentences(sentences, limit=5):
    """The `limit` most central sentences, in their original order."""
    ranked = [index for index, score in rank_sentences(sentences) if score > 0][:limit]
    return [sentences[i] for i in sorted(ranked)]


# --- Cues ---------------------------------------------------------------------------------------
_WEEKDAYS_KO = "(?:월|화|수|목|금|토|일)(?:요일|욜)"
# A day (optionally with a time of day: "화요일 오후까지") or a time of day alone, then a deadline word.
_DAY_KO = (
    rf"(?:\d{{1,2}}\s*월\s*\d{{1,2}}\s*일|(?:이번|다음)\s*달\s*\d{{1,2}}\s*일|\d{{1,2}}\s*일|\d{{1,2}}/\d{{1,2}}|"
    rf"(?:이번|금|다음|차|담|다다음)\s*주\s*(?:{_WEEKDAYS_KO}|말)?|{_WEEKDAYS_KO}|오늘|내일|모레|글피|주말|주중|"
    rf"월말|월초|연말|이번\s*달\s*(?:말|안)?|다음\s*달\s*(?:초|말)?|분기\s*말)"
)
_TIME_KO = r"(?:오전|오후|아침|저녁|점심\s*전|점심|퇴근\s*전|\d{1,2}\s*시(?:\s*\d{1,2}\s*분)?)"
_DUE_KO = rf"(?:{_DAY_KO}(?:\s*{_TIME_KO})?|{_TIME_KO})"
_DUE_KO_RE = re.compile(rf"((?:{_DUE_KO})\s*(?:중|안|내|전)?\s*(?:까지|내로|중으로|전에|안에|안으로))")
_DUE_EN_RE = re.compile(
    r"\b((?:by|before|until|no later than|due)\s+(?:the\s+)?(?:end of (?:the )?(?:day|week|month|quarter)|eod|eow|"
    r"tomorrow|tonight|today|next\s+\w+|this\s+\w+|(?:mon|tues|wednes|thurs|fri|satur|sun)day|"
    r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+\d{1,2}(?:st|nd|rd|th)?|\d{1,2}/\d{1,2})"
    r"(?:\s+(?:morning|afternoon|evening|noon|night|eod|end of day))?)",
    re.IGNORECASE,
)

DECISION_PATTERNS = [
    (
        "ko",
        re.compile(
            r"(?:하|되|가|보내|쓰|사용하|진행하|미루|연기하)기로\s*(?:했|하였|결정|합의|정했|정하였|확정|됐|되었|하죠|해요|합시다|하겠)"
        ),
    ),
    ("ko", re.compile(r"(?:으로|로)\s*(?:결정|확정|합의|정했|정하였|정리했|가겠습니다|가기로|하겠습니다)")),
    (
        "ko",
        re.compile(
            r"결정(?:했|하였|됐|되었|합니다|하겠|사항|된)|합의(?:했|하였|됐|되었|합니다|된)|확정(?:했|하였|됐|되었|합니다|된)"
        ),
    ),
    ("ko", re.compile(r"승인(?:했|하였|됐|되었|합니다)|채택(?:했|하였|됐|되었)|통과(?:됐|되었|했)")),
    ("en", re.compile(r"\b(?:we|they|i|team)\s+(?:have\s+)?(?:decided|agreed|chose|settled on|approved)\b", re.I)),
    ("en", re.compile(r"\b(?:decided|agreed|approved|resolved|decision is|the decision|final call)\b", re.I)),
    ("en", re.compile(r"\b(?:let'?s|we(?:'ll| will))\s+go with\b", re.I)),
]

ACTION_PATTERNS = [
    ("ko", _DUE_KO_RE),
    ("ko", re.compile(r"담당(?:하|해|은|는|자|으로|:)|맡(?:아|기|겠|을게|기로)")),
    (
        "ko",
        re.compile(
            r"(?:해|줘|봐|내|드려|올려|보내|정리해|공유해|확인해|준비해|작성해|검토해)\s*주(?:세요|시겠어요|실래요|십시오|시면)"
        ),
    ),
    (
        "ko",
        re.compile(
            r"(?:제가|저희가|내가|우리가)\s.*"
            r"(?:하겠습니다|할게요|할께요|해 ?볼게요|해 ?놓겠습니다|드리겠습니다|준비하겠습니다)"
        ),
    ),
    ("ko", re.compile(r"부탁(?:드립니다|드려요|해요|합니다)|액션\s*아이템|할\s*일|To-?Do", re.I)),
    ("en", _DUE_EN_RE),
    (
        "en",
        re.compile(r"\b(?:i|we|you|he|she|they|[A-Z][a-z]+)(?:'ll|\s+will)\s+(?!be\s+(?:fine|good|great)\b)\w+", re.I),
    ),
    (
        "en",
        re.compile(
            r"\b(?:action item|assigned to|owner is|follow up|follow-up|to-?do|please\s+\w+|can you\s+\w+)\b", re.I
        ),
    ),
]

_TITLES_KO = r"(?:님|씨|팀장님|팀장|매니저님|대리님|과장님|부장님|책임님|선임님|수석님)"
_OWNER_KO_PATTERNS = [
    re.compile(r"담당(?:자)?\s*[:：은는]\s*([가-힣]{2,4})"),
    re.compile(rf"([가-힣]{{2,4}})\s*{_TITLES_KO}(?:이|가|께서|에게|한테|은|는)?[,\s]"),
    re.compile(r"([가-힣]{2,3})(?:이|가|께서)\s+(?:.*\s)?(?:담당|맡)"),
]
_OWNER_EN = re.compile(
    r"\b([A-Z][a-z]+)(?:'ll|\s+will|\s+is going to|,\s+(?:please|can you))\b|\bassigned to\s+([A-Z][a-z]+)"
)
_NOT_NAMES_KO = {
    "제가",
    "저희",
    "우리",
    "그럼",
    "그러면",
    "이번",
    "다음",
    "오늘",
    "내일",
    "모두",
    "각자",
    "여러분",
    "과장",
    "팀장",
    "대리",
    "부장",
    "책임",
    "선임",
    "수석",
    "매니저",
}


@dataclass(frozen=True)
class Cue:
    kind: str  # "decision" or "action_item"
    index: int  # sentence index
    sentence: str
    language: str  # which pattern family matched: "ko" or "en"
    due_text: str = ""  # the due expression as spoken ("금요일까지", "by Friday"); parse it with the meeting date
    owner_hint: str = ""  # a name the sentence assigns the task to, when it says one


def _first(patterns, sentence):
    for language, pattern in patterns:
        if pattern.search(sentence):
            return language
    return None


def due_text(sentence):
    match = _DUE_KO_RE.search(sentence) or _DUE_EN_RE.search(sentence)
    return match.group(1).strip() if match else ""


def owner_hint(sentence):
    for pattern in _OWNER_KO_PATTERNS:
        for match in pattern.finditer(sentence):
            if match.group(1) not in _NOT_NAMES_KO:
                return match.group(1)
    match = _OWNER_EN.search(sentence)
    if match:
        name = match.group(1) or match.group(2)
        if name and name.lower() not in {"we", "i", "you", "they", "he", "she", "it", "this", "that"}:
            return name
    return ""


def is_decision(sentence):
    return _first(DECISION_PATTERNS, sentence) is not None


def is_action_item(sentence):
    return _first(ACTION_PATTERNS, sentence) is not None


def find_cues(sentences):
    """Decision and action-item cues, in transcript order. A sentence may be both (a decision with a deadline)."""
    cues = []
    for index, sentence in enumerate(sentences):
        language = _first(DECISION_PATTERNS, sentence)
        if language:
            cues.append(Cue("decision", index, sentence, language))
        language = _first(ACTION_PATTERNS, sentence)
        if language:
            cues.append(Cue("action_item", index, sentence, language, due_text(sentence), owner_hint(sentence)))
    return cues


def extractive_digest(text, *, key_points=5):
    """Key points, decisions and action items chosen from the text itself, with no model."""
    sentences = split_sentences(text)
    cues = find_cues(sentences)
    return {
        "extractive": True,
        "key_points": top_sentences(sentences, key_points),
        "decisions": [c.sentence for c in cues if c.kind == "decision"],
        "action_items": [
            {"text": c.sentence, "owner": c.owner_hint, "due": c.due_text} for c in cues if c.kind == "action_item"
        ],
    }
