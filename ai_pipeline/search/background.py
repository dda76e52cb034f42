"""What an unrelated sentence scores against a query: the baseline the relevance floor measures dense
similarity against.

multilingual-e5 puts every pair of texts at a cosine of about 0.75-0.9, and where in that band a
query's neighbours fall depends on the query (its length, its language, how generic it is) more than
on whether they answer it: "xyzzy qwerty" is as close to an English meeting line (0.82) as a Korean
question is to the English line that answers it. So a segment's similarity is compared with what the
same query scores against these sentences, which are about nothing in particular: a segment no closer
to the query than small talk is not evidence of anything.

The comparison is made with the sentences in the segment's own language. Texts of two languages are
further apart than texts of one, so a Korean question scores lower against every English line, the
one that answers it included; measured against unrelated Korean lines, that English answer looked
like noise (bench/search.py quality --calibrate: English questions over the Korean dev meetings).

The sentences are embedded once per engine and kept in MODEL_CACHE_DIR (a few seconds on one thread);
each process then reads them from there."""

import functools
import hashlib
import os
import re
import tempfile
from pathlib import Path

import numpy as np

SENTENCES = (
    # meetings, Korean
    "회의를 시작하겠습니다.",
    "다음 안건으로 넘어가겠습니다.",
    "자료는 내일까지 보내 드리겠습니다.",
    "그 부분은 확인해 보고 말씀드리겠습니다.",
    "오늘 회의는 여기까지 하겠습니다.",
    "질문 있으신 분 계신가요?",
    "좋습니다, 그렇게 진행하죠.",
    "일정을 다시 조율해야 할 것 같습니다.",
    "담당자를 정해서 다음 주에 보고해 주세요.",
    "그 문제는 나중에 다시 논의합시다.",
    "보고서 초안을 검토해 주시기 바랍니다.",
    "위원님 말씀에 동의합니다.",
    "잠시 휴식하고 10분 뒤에 계속하겠습니다.",
    "화면 공유가 잘 보이시나요?",
    "지난번에 말씀드린 내용과 같습니다.",
    "이 건은 관련 부서와 협의하겠습니다.",
    "시간이 부족하니 간단히 말씀해 주세요.",
    "회의록은 제가 정리해서 공유하겠습니다.",
    "그 수치는 정확하지 않을 수 있습니다.",
    "의견이 있으시면 메일로 보내 주세요.",
    # general, Korean
    "오늘은 날씨가 맑고 따뜻합니다.",
    "주말에 가족과 함께 등산을 다녀왔습니다.",
    "새로 생긴 식당의 음식이 맛있었습니다.",
    "지하철이 지연되어 조금 늦었습니다.",
    "이번 여름휴가는 바닷가로 갈 계획입니다.",
    "아이들이 학교에서 운동회를 했습니다.",
    "스마트폰 배터리가 금방 닳습니다.",
    "요즘 감기가 유행하니 조심하세요.",
    "도서관에서 책을 몇 권 빌렸습니다.",
    "축구 경기가 연장전까지 갔습니다.",
    "집 근처에 공원이 새로 생겼습니다.",
    "커피를 너무 많이 마시면 잠이 안 옵니다.",
    "택배가 아직 도착하지 않았습니다.",
    "은행 대출 금리가 또 올랐습니다.",
    "고양이가 창가에서 낮잠을 잡니다.",
    "영화관에 사람이 많았습니다.",
    "김장을 하려고 배추를 샀습니다.",
    "자동차 정기 점검을 받아야 합니다.",
    "새 노트북을 사려고 알아보는 중입니다.",
    "봄이 되니 꽃이 많이 피었습니다.",
    "병원 예약을 다음 주로 미뤘습니다.",
    "환율이 많이 올라 해외여행이 부담됩니다.",
    "아파트 관리비가 지난달보다 늘었습니다.",
    "저녁에는 비가 올 수도 있다고 합니다.",
    "운동을 꾸준히 하는 것이 중요합니다.",
    "법원은 다음 달에 판결을 내릴 예정입니다.",
    "학생들의 시험 성적이 조금 올랐습니다.",
    "공장 생산 라인을 새로 설치했습니다.",
    "전시회에 관람객이 많이 몰렸습니다.",
    "이사 날짜를 아직 정하지 못했습니다.",
    # meetings, English
    "Let's get started.",
    "Can everyone hear me?",
    "I'll send the notes after the call.",
    "Let's move on to the next item.",
    "We need to decide this by Friday.",
    "I'll follow up with them and get back to you.",
    "Any questions before we wrap up?",
    "Please review the draft when you have a moment.",
    "I agree with that point.",
    "Let me share my screen.",
    "We're running out of time.",
    "Thanks everyone, see you next week.",
    "That's a good question, let me check.",
    "Can we take this offline?",
    "Sorry, you were on mute.",
    "Let's park that for now and come back to it.",
    "Who is taking notes today?",
    "I think we covered everything on the agenda.",
    "The numbers might not be exact.",
    "Send me an email if you have any comments.",
    # general, English
    "The weather is sunny and warm today.",
    "We went hiking with the family over the weekend.",
    "The new restaurant downtown has great food.",
    "The train was delayed, so I was a bit late.",
    "We are planning a beach trip this summer.",
    "The kids had a sports day at school.",
    "My phone battery drains very quickly.",
    "There is a cold going around, so take care.",
    "I borrowed a few books from the library.",
    "The football match went into extra time.",
    "A new park opened near our house.",
    "Too much coffee keeps me awake at night.",
    "The package has not arrived yet.",
    "Interest rates on loans went up again.",
    "The cat is napping by the window.",
    "The cinema was crowded.",
    "I need to take the car in for a service.",
    "I'm looking for a new laptop.",
    "The flowers are blooming now that it is spring.",
    "I moved my doctor's appointment to next week.",
    "The exchange rate makes travelling abroad expensive.",
    "It might rain this evening.",
    "Regular exercise is important.",
    "The court will give its ruling next month.",
    "Students' test scores went up a little.",
    "The factory installed a new production line.",
    "The exhibition drew a large crowd.",
    "We haven't set a moving date yet.",
    "The recipe needs two cups of flour.",
    "The museum is closed on Mondays.",
)


_HANGUL = re.compile(r"[\uac00-\ud7a3\u3131-\u318e]")
_LATIN = re.compile(r"[A-Za-z]")


def language(text):
    """ "ko", "en" (Latin letters) or "any": which of the sentences a text is compared with."""
    hangul, latin = len(_HANGUL.findall(text)), len(_LATIN.findall(text))
    if hangul + latin == 0:
        return "any"
    return "ko" if hangul >= 0.3 * (hangul + latin) else "en"


LANGUAGES = np.array([language(s) for s in SENTENCES])


@functools.lru_cache(maxsize=4)
def background_vectors(engine_name):
    from django.conf import settings

    from .embeddings import get_engine

    engine = get_engine(engine_name)
    key = hashlib.sha256("\n".join([engine.name, *SENTENCES]).encode("utf-8")).hexdigest()[:16]
    path = Path(settings.MODEL_CACHE_DIR) / f"search-background-{key}.npy"
    try:
        vectors = np.load(path)
    except (OSError, ValueError):
        vectors = engine.passage(list(SENTENCES)).astype(np.float32)
        _save(path, vectors)
    vectors.setflags(write=False)
    return vectors


def _save(path, vectors):
    """Written whole, then renamed: another process never reads half a file. A cache folder that
    cannot be written only costs the next process the embedding again."""
    handle = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".npy", delete=False) as handle:
            np.save(handle, vectors)
        os.replace(handle.name, path)
    except OSError:
        if handle is not None:
            Path(handle.name).unlink(missing_ok=True)


def baselines(query_vector, engine_name, quantile=0.9):
    """{language: the `quantile` of the query's cosines to the unrelated sentences in that language}
    ("any": all of them)."""
    scores = background_vectors(engine_name) @ query_vector
    found = {"any": float(np.quantile(scores, quantile))}
    for name in ("ko", "en"):
        found[name] = float(np.quantile(scores[np.equal(LANGUAGES, name)], quantile))
    return found
