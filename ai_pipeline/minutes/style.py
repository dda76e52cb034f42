"""Sentence styles for the extractive writer, which has no model to rewrite anything: spoken fillers
trimmed from the front of a quotation, and the Korean report style (개조식) that turns a polite spoken ending
into the noun-like endings of a written report ("결정했습니다" -> "결정함", "작성하겠습니다" -> "작성 예정",
"검토해야 합니다" -> "검토 필요", "확인할까요?" -> "확인할지 검토 필요").

Only endings are rewritten, by rules on Hangul syllables; a sentence no rule fits keeps its words."""

import re

_BASE, _LAST = 0xAC00, 0xD7A3
_CHECK = " 확인 필요"
FINAL_NONE, FINAL_N, FINAL_L, FINAL_LM, FINAL_M, FINAL_B = 0, 4, 8, 10, 16, 17


def final(char):
    """The final consonant index of a Hangul syllable (0: none), None for anything else."""
    code = ord(char) if char else 0
    return (code - _BASE) % 28 if _BASE <= code <= _LAST else None


def with_final(char, index):
    code = ord(char)
    return chr(code - (code - _BASE) % 28 + index)


def noun_form(stem):
    """The ㅁ/음 noun form of a verb stem: 있 -> 있음, 하 -> 함, 만들 -> 만듦, 했 -> 했음."""
    if not stem:
        return stem
    last = final(stem[-1])
    if last == FINAL_NONE:
        return stem[:-1] + with_final(stem[-1], FINAL_M)
    if last == FINAL_L:
        return stem[:-1] + with_final(stem[-1], FINAL_LM)
    return stem + "음"


def future(stem):
    """The ㄹ/을 future form of a verb stem: 보내 -> 보낼, 받 -> 받을, 만들 -> 만들."""
    if not stem:
        return stem
    last = final(stem[-1])
    if last == FINAL_NONE:
        return stem[:-1] + with_final(stem[-1], FINAL_L)
    if last == FINAL_L:
        return stem
    return stem + "을"


def _b_to_m(match):
    """ㅂ니다 -> ㅁ: 합니다 -> 함, 입니다 -> 임, 드립니다 -> 드림 (None when the syllable has no ㅂ)."""
    syllable = match.group("b")
    if final(syllable) != FINAL_B:
        return None
    return match.group("s") + with_final(syllable, FINAL_M)


def _b_suggestion(match):
    """ㅂ시다 -> 기로 함: 합시다 -> 하기로 함, 진행합시다 -> 진행하기로 함."""
    syllable = match.group("b")
    if final(syllable) != FINAL_B:
        return None
    return match.group("s") + with_final(syllable, FINAL_NONE) + "기로 함"


def _b_question(match):
    """ㅂ니까 -> 는지: 합니까 -> 하는지, 입니까 -> 인지."""
    syllable = match.group("b")
    if final(syllable) != FINAL_B:
        return None
    bare = with_final(syllable, FINAL_NONE)
    return match.group("s") + ("인지" if bare == "이" else bare + "는지") + _CHECK


def _n_question(match):
    """ㄴ가요 -> ㄴ지: 인가요 -> 인지, 건가요 -> 건지, 하신가요 -> 하신지."""
    syllable = match.group("b")
    if final(syllable) != FINAL_N:
        return None
    return match.group("s") + syllable + "지" + _CHECK


def _l_thing_question(match):
    """ㄹ 거예요 -> ㄹ지: 할 거예요 -> 할지, 운영할 거지요 -> 운영할지 (None without the ㄹ)."""
    stem = match.group("s")
    if final(stem[-1]) != FINAL_L:
        return None
    return stem + "지" + _CHECK


def _l_question(match):
    """ㄹ까요 -> ㄹ지: 할까요 -> 할지, 좋을까요 -> 좋을지."""
    stem = match.group("s")
    if final(stem[-1]) != FINAL_L:
        return None
    return stem + "지 검토 필요"


_NOUN = r"(?P<n>[가-힣]{2,})"


# (pattern on the sentence end, replacement); the first that matches is used.
def _noun(match):
    return noun_form(match.group("s"))


# Spoken endings after a verb stem that a report drops: ~고요, ~거든요, ~는데요, ~잖아요, ~네요, ~지요.
_TRAILING = r"(?:고요|거든요|는데요|잖아요|네요|지요|죠|니까요|더라고요)"
# (pattern on the sentence end, replacement); the first that matches and applies is used.
_RULES = [
    # obligations and needs -> 필요
    (
        re.compile(rf"{_NOUN}(?:하여야|해야)\s*(?:합니다|하겠습니다|할 것입니다|됩니다|돼요|해요|한다|함|지요|죠)$"),
        r"\g<n> 필요",
    ),
    (re.compile(rf"{_NOUN}할\s*필요(?:가|성이)?\s*(?:있습니다|있어요|있다|있고요|있지요)$"), r"\g<n> 필요"),
    (re.compile(r"필요(?:합니다|해요|하다|할 것 같습니다|하고요|하지요)$"), "필요"),
    # plans and intentions -> 예정
    (re.compile(r"예정(?:입니다|이에요|이다|이고요)$"), "예정"),
    (re.compile(rf"{_NOUN}하(?:도록 하)?겠습니다$"), r"\g<n> 예정"),
    (re.compile(rf"{_NOUN}할\s*(?:예정|계획)(?:입니다|이에요|이다)$"), r"\g<n> 예정"),
    (re.compile(rf"{_NOUN}할(?:게요|께요)$"), r"\g<n> 예정"),
    (re.compile(r"것\s*같(?:습니다|아요|다|고요|은데요)$"), "것으로 보임"),
    (re.compile(r"좋겠습니다$"), "좋겠음"),
    # requests -> 요청
    (
        re.compile(rf"{_NOUN}해\s*주(?:세요|십시오|시기 바랍니다|시면 좋겠습니다|시길 바랍니다|시지요|시죠)$"),
        r"\g<n> 요청",
    ),
    (re.compile(rf"{_NOUN}하(?:세요|십시오|시기 바랍니다)$"), r"\g<n> 요청"),
    (re.compile(r"(?P<s>\S+?)겠습니다$"), lambda m: future(m.group("s")) + " 예정"),
    (re.compile(r"(?P<s>\S+?)(?:게요|께요)$"), lambda m: future(m.group("s")) + " 예정"),
    (re.compile(r"(?P<s>\S*?)(?P<b>[가-힣])시다$"), _b_suggestion),
    # done, became, is -> 함, 됨, 음/ㅁ
    (re.compile(rf"(?P<s>\S*?)(?:했|하였)(?:습니다|어요|다|{_TRAILING})$"), r"\g<s>함"),
    (re.compile(rf"(?:되었|됐)(?:습니다|어요|다|{_TRAILING})$"), "됨"),
    (re.compile(r"(?P<s>\S+?)습니다$"), _noun),
    (re.compile(r"(?P<s>\S*?)(?P<b>[가-힣])니다$"), _b_to_m),
    (re.compile(r"아니(?:에요|예요|고요|지요|죠)$"), "아님"),
    (re.compile(rf"(?:거|것)(?:예요|에요|이에요|입니다|이다|이고요|이지요|{_TRAILING})$"), "것임"),
    (re.compile(r"(?:이에요|예요|이고요|이지요|이죠|이거든요|인데요|이잖아요|이네요)$"), "임"),
    (re.compile(r"(?P<s>.*?)봐요$"), lambda m: m.group("s") + "봄"),  # 된다고 봐요 -> 된다고 봄
    (re.compile(r"(?P<s>\S+?)여요$"), lambda m: noun_form(m.group("s") + "이")),  # 보여요 -> 보임
    (re.compile(r"(?P<s>\S+?)대요$"), lambda m: m.group("s") + "다고 함"),  # 없대요 -> 없다고 함
    (re.compile(r"(?P<s>\S+?(?:라|다|냐))고요$"), lambda m: m.group("s") + "고 함"),
    (re.compile(r"그래요$"), "그러함"),
    (re.compile(r"(?P<s>\S+?)\s*주(?:세요|십시오)$"), lambda m: m.group("s") + " 주기 바람"),
    (re.compile(r"(?P<s>\S+?)(?:은|는)데요$"), _noun),  # 같은데요 -> 같음, 있는데요 -> 있음
    (re.compile(rf"(?P<s>\S+?){_TRAILING}$"), _noun),  # 있고요 -> 있음, 느끼거든요 -> 느낌
    (re.compile(r"(?P<s>\S+?)(?:으)?세요$"), lambda m: noun_form(m.group("s") + "시")),  # 계세요 -> 계심
    (re.compile(r"해요$"), "함"),
    (re.compile(r"돼요$"), "됨"),
    (re.compile(r"(?P<s>\S+?)(?:어|아)요$"), _noun),  # 있어요 -> 있음
    (re.compile(r"(?P<s>\S+?)는다$"), _noun),  # 먹는다 -> 먹음
    (re.compile(r"한다$"), "함"),
    (re.compile(r"된다$"), "됨"),
    (re.compile(r"이다$"), "임"),
    (re.compile(r"(?P<s>\S+?[었았였있없같겠])다$"), _noun),
]
_QUESTION_RULES = [
    (
        re.compile(rf"{_NOUN}해\s*주(?:시지요|시죠|시겠어요|시겠습니까|실래요|실 수 있나요|실 수 있습니까)$"),
        r"\g<n> 요청",
    ),
    (re.compile(r"(?P<s>\S*[가-힣])까요$"), _l_question),
    (re.compile(r"(?P<s>\S+?)습니까$"), lambda m: m.group("s") + "는지" + _CHECK),
    (re.compile(r"(?P<s>\S*?)(?P<b>[가-힣])니까$"), _b_question),
    (re.compile(r"(?P<s>\S*?)(?P<b>[가-힣])가요$"), _n_question),  # 인가요 -> 인지, 건가요 -> 건지
    # 할 거예요 -> 할지
    (re.compile(r"(?P<s>\S+)\s+(?:거|것)(?:예요|에요|지요|죠|니|냐|야|인가요)$"), _l_thing_question),
    (re.compile(r"아닙니까$"), "아닌지" + _CHECK),
    (re.compile(r"(?:거|것)(?:이)?(?:지요|죠|예요|에요|잖아요|아니에요)$"), "것인지" + _CHECK),
    (re.compile(r"아니(?:에요|예요|잖아요|지요|죠)$"), "아닌지" + _CHECK),
    (re.compile(r"(?:이시|이)(?:지요|죠|잖아요|에요|예요)$"), "인지" + _CHECK),
    (re.compile(r"어때요$"), "어떤지" + _CHECK),
    (re.compile(r"돼요$"), "되는지" + _CHECK),
    (re.compile(r"(?P<s>\S+?)(?:나요|는가요|는지요|느냐|냐)$"), lambda m: m.group("s") + "는지" + _CHECK),
    (re.compile(r"(?P<s>\S+?)(?:지요|죠|잖아요|지 않아요|어요|아요)$"), lambda m: m.group("s") + "는지" + _CHECK),
    # what a dropped tag leaves: "보고를 했고" -> "보고를 했는지"
    (re.compile(r"인데$"), "인지" + _CHECK),
    (re.compile(r"(?P<s>\S+?)(?:고|는데)$"), lambda m: m.group("s") + "는지" + _CHECK),
]
# A confirming tag after the question itself ("발표를 하셨어요, 그렇지요?") is dropped first.
_TAG = re.compile(r",?\s*(?:그렇지요|그렇죠|그렇지 않습니까|그렇습니까|맞지요|맞죠|맞습니까)$")
_FILLER = re.compile(
    r"^(?:(?:네|예|음|어|아|자|저기|그|뭐|아니)[,.…]+\s*|(?:그러면|그럼|그래서|그리고|그런데|근데|그러니까|일단|아무튼|"
    r"so|well|okay|ok|um|uh|yeah|right)[,\s]+)",
    re.IGNORECASE,
)
_FIRST_PERSON_SUBJECT = re.compile(r"^(?:제가|저희가|저희 쪽에서|제 쪽에서|내가|우리가)\s+")
_HANGUL = re.compile(r"[가-힣]")
_END = re.compile(r"[\s.!?。？！~…]+$")


def trim_fillers(sentence):
    """A quotation without the spoken fillers and linking words at its start ("네, 그러면 ...")."""
    previous = None
    sentence = sentence.strip()
    while previous != sentence:
        previous = sentence
        sentence = _FILLER.sub("", sentence, count=1).strip()
    return sentence or previous


def _apply(rules, body):
    for pattern, replacement in rules:
        match = pattern.search(body)
        if not match:
            continue
        ending = replacement(match) if callable(replacement) else match.expand(replacement)
        if ending is not None:
            return body[: match.start()] + ending
    return None


def report_style(sentence, *, task=False):
    """The sentence in 개조식 (Korean report style): a noun-like ending, no polite ending, no final period.
    `task`: an action item, whose first-person subject ("제가") the owner column already says."""
    sentence = trim_fillers(sentence)
    if not _HANGUL.search(sentence):
        return sentence
    question = sentence.rstrip().endswith(("?", "？"))
    body = _END.sub("", sentence)
    if task:
        body = _FIRST_PERSON_SUBJECT.sub("", body)
    rules = _QUESTION_RULES if question else _RULES
    untagged = _TAG.sub("", body).rstrip(" ,") if question else body
    converted = (untagged and _apply(rules, untagged)) or _apply(rules, body)
    if converted is None:
        return body + ("?" if question else "")
    return converted
