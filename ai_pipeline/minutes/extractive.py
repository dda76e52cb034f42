"""Minutes without a language model: sentences chosen from the transcript itself.

Every field is a quotation (key points are the most central sentences, decisions and action items are
sentences with decision/task cues, open questions are central questions, topics are equal stretches
of the meeting titled by their most central sentence). The result is marked `extractive` so the UI
labels it as such."""

import math
import re

from ai_pipeline.llm.extractive import find_cues, rank_sentences, split_sentences

from .schema import empty_minutes
from .turns import Turn

MAX_SENTENCE = 220
_QUESTION = re.compile(r"\?\s*$|(?:습니까|ㅂ니까|나요|까요|는지요|을까|ㄹ까|니까)\??\s*$")
_FIRST_PERSON = re.compile(
    r"^(?:제가|저희가|저희 쪽에서|제 쪽에서|내가|I'll|I will|we'll|we will)\b|\b(?:I'll|I will)\b", re.I
)

HEADINGS = {
    "ko": {
        "overview": "추출 요약: 전사문에서 고른 문장이며 언어 모델을 사용하지 않았습니다.",
        "untitled": "회의록",
        "speakers": "발언자: ",
    },
    "en": {
        "overview": "Extractive summary: sentences picked from the transcript; no language model was used.",
        "untitled": "Meeting minutes",
        "speakers": "Speakers: ",
    },
}


def _short(sentence, limit=MAX_SENTENCE):
    sentence = " ".join(sentence.split())
    return sentence if len(sentence) <= limit else sentence[: limit - 1].rstrip() + "…"


def _sentences(turns):
    """Sentences with the turn each came from."""
    sentences, owners = [], []
    for turn in turns:
        for sentence in split_sentences(turn.text):
            sentences.append(sentence)
            owners.append(turn)
    return sentences, owners


def key_point_count(turns):
    return max(3, min(10, round(len(turns) / 12) + 3))


def build_extractive_minutes(turns: list[Turn], *, title="", language="ko", key_points=None):
    """Minutes data (before enrichment with speakers' times and due dates; see generate.finish)."""
    words = HEADINGS.get(language, HEADINGS["ko"])
    minutes = empty_minutes()
    minutes["title"] = title or words["untitled"]
    sentences, owners = _sentences(turns)
    if not sentences:
        minutes["overview"] = words["overview"]
        return minutes
    ranked = rank_sentences(sentences)
    score = dict(ranked)
    chosen = _spread_key_points(turns, sentences, owners, ranked, key_points or key_point_count(turns))
    minutes["key_points"] = [_attributed(owners[i].speaker, sentences[i]) for i in chosen]
    lead = [_short(sentences[i], 160) for i in sorted(sorted(chosen, key=lambda i: -score.get(i, 0))[:2])]
    speakers = list(dict.fromkeys(t.speaker for t in turns if t.speaker))
    people = (
        [words["speakers"] + ", ".join(speakers[:12]) + ("…" if len(speakers) > 12 else "") + "."] if speakers else []
    )
    minutes["overview"] = " ".join([words["overview"], *people, *lead]).strip()

    cues = find_cues(sentences)
    decisions = [c for c in cues if c.kind == "decision"]
    decisions.sort(key=lambda c: -score.get(c.index, 0))
    minutes["decisions"] = [
        {"text": _short(c.sentence), "speaker": owners[c.index].speaker, "line": owners[c.index].index}
        for c in sorted(decisions[:10], key=lambda c: c.index)
    ]
    actions = [c for c in cues if c.kind == "action_item"]
    # Tasks with a deadline or a named owner first, then the more central ones.
    actions.sort(key=lambda c: (not (c.due_text or c.owner_hint), -score.get(c.index, 0)))
    items = []
    for cue in sorted(actions[:10], key=lambda c: c.index):
        turn = owners[cue.index]
        owner = cue.owner_hint or (turn.speaker if _FIRST_PERSON.search(cue.sentence) else "")
        items.append({"text": _short(cue.sentence), "owner": owner, "due": cue.due_text, "line": turn.index})
    minutes["action_items"] = items

    questions = [(i, s) for i, s in enumerate(sentences) if _QUESTION.search(s) and len(s) >= 15]
    questions.sort(key=lambda pair: -score.get(pair[0], 0))
    minutes["open_questions"] = [_short(s) for _i, s in sorted(questions[:5])]

    minutes["topics"] = _topics(turns, sentences, owners, score)
    return minutes


def _attributed(speaker, sentence):
    return f"{speaker}: {_short(sentence)}" if speaker else _short(sentence)


def _usable(sentence):
    return len(sentence) >= 12 and not _QUESTION.search(sentence)


def _spread_key_points(turns, sentences, owners, ranked, limit):
    """The most salient sentence of each stretch of the meeting first (so a long meeting's later
    subjects are not crowded out by its main one), then the most salient of the rest.

    Salience is centrality times the square root of the sentence's length: cosine centrality ignores
    length, so short formulas ("위원장 선임의 건을 상정합니다") outranked the sentences that carry a
    meeting's substance; on the dev key points (bench/minutes.py) this prior raised key-point
    coverage from 10% to 18%."""
    score = {index: value * math.sqrt(len(sentences[index])) for index, value in ranked}
    ranked = sorted(score.items(), key=lambda pair: (-pair[1], pair[0]))
    blocks = max(1, min(limit, round(len(turns) / 15)))
    size = -(-len(turns) // blocks)
    chosen, seen = [], set()

    def take(index):
        text = _short(sentences[index])
        if text in seen or len(chosen) >= limit:
            return
        seen.add(text)
        chosen.append(index)

    for start in range(0, len(turns), size):
        lines = {t.index for t in turns[start : start + size]}
        candidates = [
            i
            for i, owner in enumerate(owners)
            if owner.index in lines and score.get(i, 0) > 0 and _usable(sentences[i])
        ]
        if candidates:
            take(max(candidates, key=lambda i: score[i]))
    for index, value in ranked:
        if value <= 0 or len(chosen) >= limit:
            break
        if _usable(sentences[index]):
            take(index)
    return sorted(chosen)


def _topics(turns, sentences, owners, score):
    if not turns:
        return []
    count = max(1, min(8, round(len(turns) / 20)))
    size = -(-len(turns) // count)
    topics = []
    for start in range(0, len(turns), size):
        block = turns[start : start + size]
        lines = {t.index for t in block}
        candidates = [i for i, owner in enumerate(owners) if owner.index in lines and score.get(i, 0) > 0]
        if not candidates:
            continue
        best = max(candidates, key=lambda i: score[i])
        topics.append({"title": _short(sentences[best], 80), "from_line": block[0].index, "to_line": block[-1].index})
    return topics
