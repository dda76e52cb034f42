"""Minutes without a language model: sentences chosen from the transcript itself.

Each transcript sentence is used at most once, in the first section that claims it: decisions, then
action items, then the overview (the meeting's own agenda sentence near the start, else its most
salient sentence), key points (the most salient sentence of each stretch of the meeting, then the most
salient of the rest, each with who said it), open questions; who spoke opens the overview when there is
room left. Topics are titled by the nouns
that set each stretch apart, not by a sentence. Provenance is not written into the text: the minutes
are marked `extractive` and the page labels them.

Length: everything the writer fills (item texts, who said them, owners, deadlines, topic titles) stays
within BUDGET_SHARE of the transcript's characters, with a floor (BUDGET_FLOOR) so that a very short
meeting still gets its decision and its task; items are taken in the order above and one that does not
fit is skipped for a shorter one. Minutes exist to be read instead of the transcript: a third of it is
the most a reader should have to read, and the count limits keep long meetings well under that.

Templates change the wording for real: "default" quotes sentences as said (spoken fillers trimmed),
"report" writes every item in the Korean report style (개조식: "~함", "~예정", "~필요", see style.py).
Any other template (an organization's own instructions) needs a language model and is written as
"default"."""

import math
import re
from collections import Counter

from ai_pipeline.llm.sentences import _EN_STOPWORDS, find_cues, rank_sentences, split_sentences

from .schema import empty_minutes
from .style import report_style, trim_fillers
from .turns import Turn

MAX_SENTENCE = 220
MAX_OVERVIEW = 160
BUDGET_SHARE = 0.3
BUDGET_FLOOR = 400 // 3  # a third of a 400-character transcript (about a minute of talk)
REPORT = "report"
UNTITLED = {"ko": "회의록", "en": "Meeting minutes"}
SPEAKERS = {"ko": "화자: ", "en": "Speakers: "}
_QUESTION = re.compile(r"\?\s*$|(?:습니까|ㅂ니까|나요|까요|는지요|을까|ㄹ까|니까)\??\s*$")
# A question is a task only when it asks someone to do something ("보내 주시겠어요?", "Can you ...?").
_REQUEST = re.compile(
    r"주(?:시겠어요|실래요|시겠습니까|실 수 있나요|시지요|시죠)\??\s*$|\b(?:can|could|would) you\b", re.I
)
_FIRST_PERSON = re.compile(
    r"^(?:제가|저희가|저희 쪽에서|제 쪽에서|내가|I'll|I will|we'll|we will)\b|\b(?:I'll|I will)\b", re.I
)
# A sentence near the start that says what the meeting is about ("오늘은 출시 일정을 논의하겠습니다").
_AGENDA_WHEN = re.compile(r"오늘|금일|안건|의사일정|의\s*건|agenda|today|this meeting|let'?s", re.I)
_AGENDA_WHAT = re.compile(
    r"논의|회의|보고|검토|심사|감사|상정|의결|다루|이야기|살펴|discuss|review|talk about|go over|cover|decide", re.I
)


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


def budget_for(turns):
    """How many characters the minutes may fill (see the module's docstring)."""
    return max(BUDGET_SHARE * sum(len(turn.text) for turn in turns), BUDGET_FLOOR)


class _Writer:
    """Words sentences in the template's style and keeps each one to a single section and the budget."""

    def __init__(self, sentences, style, budget):
        self.sentences = sentences
        self.report = style == REPORT
        self.left = budget
        self.used = set()
        self.texts = set()

    def text(self, index, *, task=False, limit=MAX_SENTENCE):
        sentence = self.sentences[index]
        worded = report_style(sentence, task=task) if self.report else trim_fillers(sentence)
        return _short(worded, limit)

    def free(self, index):
        return index not in self.used

    def take(self, index, text, *extra):
        """Claim a sentence for a section when its text (and owner, deadline...) still fits."""
        cost = len(text) + sum(len(part) for part in extra if part)
        key = re.sub(r"\W+", "", text)
        if index in self.used or key in self.texts or cost > self.left:
            return False
        self.used.add(index)
        self.texts.add(key)
        self.left -= cost
        return True

    def spend(self, text):
        if len(text) > self.left:
            return False
        self.left -= len(text)
        return True


def build_extractive_minutes(turns: list[Turn], *, title="", language="ko", style="default", key_points=None):
    """Minutes data (before enrichment with speakers' times and due dates; see generate.finish)."""
    minutes = empty_minutes()
    minutes["title"] = title or UNTITLED.get(language, UNTITLED["ko"])
    sentences, owners = _sentences(turns)
    if not sentences:
        return minutes
    ranked = rank_sentences(sentences)
    salience = {index: value * math.sqrt(len(sentences[index])) for index, value in ranked}
    writer = _Writer(sentences, style, budget_for(turns))
    cues = find_cues(sentences)

    decisions = sorted((c for c in cues if c.kind == "decision"), key=lambda c: -salience.get(c.index, 0))
    chosen = []
    for cue in decisions[:10]:
        speaker = owners[cue.index].speaker
        text = writer.text(cue.index)
        if writer.take(cue.index, text, speaker):
            chosen.append((cue.index, {"text": text, "speaker": speaker, "line": owners[cue.index].index}))
    minutes["decisions"] = [item for _i, item in sorted(chosen, key=lambda pair: pair[0])]

    # Tasks with a deadline or a named owner first, then the more central ones.
    actions = [
        c
        for c in cues
        if c.kind == "action_item"
        and writer.free(c.index)
        and (_REQUEST.search(c.sentence) or not _QUESTION.search(c.sentence))
    ]
    actions.sort(key=lambda c: (not (c.due_text or c.owner_hint), -salience.get(c.index, 0)))
    chosen = []
    for cue in actions[:10]:
        turn = owners[cue.index]
        owner = cue.owner_hint or (turn.speaker if _FIRST_PERSON.search(cue.sentence) else "")
        text = writer.text(cue.index, task=True)
        if writer.take(cue.index, text, owner, cue.due_text):
            chosen.append((cue.index, {"text": text, "owner": owner, "due": cue.due_text, "line": turn.index}))
    minutes["action_items"] = [item for _i, item in sorted(chosen, key=lambda pair: pair[0])]

    summary = _overview(turns, sentences, owners, salience, writer)

    order = key_point_order(turns, sentences, owners, ranked)
    chosen = []
    for index in order:
        if len(chosen) >= (key_points or key_point_count(turns)):
            break
        text = writer.text(index)
        speaker = owners[index].speaker
        if writer.take(index, text, speaker and speaker + ": "):
            chosen.append((index, f"{speaker}: {text}" if speaker else text))
    minutes["key_points"] = [text for _i, text in sorted(chosen)]

    questions = [i for i, s in enumerate(sentences) if _QUESTION.search(s) and len(s) >= 15 and writer.free(i)]
    questions.sort(key=lambda i: -salience.get(i, 0))
    chosen = []
    for index in questions[:5]:
        text = writer.text(index)
        if writer.take(index, text):
            chosen.append((index, text))
    minutes["open_questions"] = [text for _i, text in sorted(chosen)]

    # Who spoke opens the overview when there is room left for it.
    speakers = list(dict.fromkeys(t.speaker for t in turns if t.speaker))
    people = SPEAKERS.get(language, SPEAKERS["ko"]) + ", ".join(speakers[:12]) + ("…" if len(speakers) > 12 else "")
    if speakers and writer.spend(people + ". "):
        summary = f"{people}. {summary}".strip()
    minutes["overview"] = summary
    minutes["topics"] = [topic for topic in _topics(turns, owners, sentences, language) if writer.spend(topic["title"])]
    return minutes


def _usable(sentence):
    return len(sentence) >= 12 and not _QUESTION.search(sentence)


def _overview(turns, sentences, owners, salience, writer):
    """The agenda sentence of the meeting's opening when it has one, else its most salient sentence."""
    opening = {turn.index for turn in turns[: max(3, len(turns) // 5)]}
    agenda = [
        i
        for i, sentence in enumerate(sentences)
        if owners[i].index in opening
        and salience.get(i, 0) > 0
        and _AGENDA_WHEN.search(sentence)
        and _AGENDA_WHAT.search(sentence)
        and _usable(sentence)
    ]
    rest = sorted(
        (i for i, value in salience.items() if value > 0 and _usable(sentences[i])), key=lambda i: -salience[i]
    )
    for index in [*agenda[:1], *rest[:5]]:
        text = writer.text(index, limit=MAX_OVERVIEW)
        if writer.take(index, text):
            return text
    return ""


def key_point_order(turns, sentences, owners, ranked, allowed=lambda index: True):
    """Key-point candidates, best first: the most salient sentence of each stretch of the meeting (so a
    long meeting's later subjects are not crowded out by its main one), then the most salient of the rest.

    Salience is centrality times the square root of the sentence's length: cosine centrality ignores
    length, so short formulas ("위원장 선임의 건을 상정합니다") outranked the sentences that carry a
    meeting's substance; on the dev key points (bench/minutes.py) this prior raised key-point
    coverage from 10% to 18%."""
    score = {index: value * math.sqrt(len(sentences[index])) for index, value in ranked}
    ordered = sorted(score.items(), key=lambda pair: (-pair[1], pair[0]))
    blocks = max(1, min(key_point_count(turns), round(len(turns) / 15)))
    size = -(-len(turns) // blocks)
    order = []
    for start in range(0, len(turns), size):
        lines = {t.index for t in turns[start : start + size]}
        candidates = [
            i
            for i, owner in enumerate(owners)
            if owner.index in lines and score.get(i, 0) > 0 and _usable(sentences[i]) and allowed(i)
        ]
        if candidates:
            order.append(max(candidates, key=lambda i: score[i]))
    firsts = set(order)
    order += [
        index
        for index, value in ordered
        if value > 0 and index not in firsts and _usable(sentences[index]) and allowed(index)
    ]
    return order


# --- topics: the nouns that set a stretch of the meeting apart --------------------------------
_TOPIC_TAGS = frozenset({"NNG", "NNP", "SL"})
# Nouns every meeting uses say nothing about what a stretch of it was about.
_COMMON_NOUNS = frozenset(
    "위원 위원장 의원 교육감 국장 과장 실장 청장 장관 차관 처장 위원회 말씀 질의 답변 부분 생각 문제 내용 경우 관련 "  # noqa: SIM905
    "정도 때문 이번 다음 오늘 내일 어제 올해 작년 내년 지금 여기 확인 검토 진행 필요 얘기 이야기 질문 의견 회의 자료 "
    "사항 방안 상황 입장 기관 지적 사실 이유 결과 계획 추진 요청 대답 감사 보고 존경 일부 대표 공식 "
    "meeting today thing things".split()
)


def _nouns(sentences):
    """Each sentence's nouns (and foreign words), by Kiwi, the morphology the search index uses; nouns
    written together make one compound ("인권법" + "연구회" -> "인권법연구회")."""
    from ai_pipeline.search.text import get_kiwi

    out = []
    for tokens in get_kiwi().tokenize([s if s.strip() else " " for s in sentences]):
        words, end = [], None
        for token in tokens:
            if token.tag.split("-")[0] not in _TOPIC_TAGS:
                end = None
                continue
            if end == token.start and words:
                words[-1] += token.form
            else:
                words.append(token.form)
            end = token.start + token.len
        out.append(
            [
                word.lower()
                for word in words
                if len(word) >= 2
                and word.lower() not in _COMMON_NOUNS
                and word.lower() not in _EN_STOPWORDS
                and not (word.isascii() and len(word) < 3)
            ]
        )
    return out


def _topics(turns, owners, sentences, language):
    """Equal stretches of a longer meeting (about 20 turns each), titled by their three most distinctive
    nouns (frequent in the stretch, rare in the others). A short meeting is one stretch: no topics."""
    count = max(1, min(8, round(len(turns) / 20)))
    if count < 2:
        return []
    size = -(-len(turns) // count)
    blocks = [turns[start : start + size] for start in range(0, len(turns), size)]
    block_of = {turn.index: number for number, block in enumerate(blocks) for turn in block}
    counts = [Counter() for _block in blocks]
    for index, nouns in enumerate(_nouns(sentences)):
        counts[block_of[owners[index].index]].update(nouns)
    spread = Counter(noun for block_counts in counts for noun in block_counts)
    separator = ", " if language == "en" else " · "
    topics = []
    for block, block_counts in zip(blocks, counts, strict=True):
        weights = {noun: n * math.log(1 + len(blocks) / spread[noun]) for noun, n in block_counts.items() if n >= 2}
        words = sorted(weights, key=lambda noun: (-weights[noun], noun))[:3]
        if words:
            topics.append({"title": separator.join(words), "from_line": block[0].index, "to_line": block[-1].index})
    return topics
