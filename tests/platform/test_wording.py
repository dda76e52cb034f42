"""The Korean glossary (docs/GLOSSARY.md) holds: one word per concept in the catalogue, the drafts, the
templates, the emails, the scripts and the minutes' Korean headings; and no particle right after a name,
an address or a number, whose last sound a translation cannot know."""

import re
from pathlib import Path

import polib
import pytest
from django.test import Client

from ai_pipeline.minutes.extractive import SPEAKERS
from ai_pipeline.minutes.render import HEADINGS
from tests.support import factories

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = ROOT / "locale" / "ko" / "LC_MESSAGES" / "django.po"

# concept -> (the glossary's word, variants that must not be used for it)
GLOSSARY = {
    "transcript": ("녹취록", ["대화록", "전사본", "전사문", "전사", "스크립트"]),
    "transcription": ("음성 인식", ["받아쓰", "받아 적"]),
    "minutes": ("회의록", ["의사록", "회의 요약본"]),
    "decision": ("결정 사항", ["결정사항", "의사결정"]),
    "action item": ("할 일", ["실행 항목", "액션 아이템", "작업 항목"]),
    "speaker": ("화자", ["발언자", "발화자"]),
    "attendee": ("참석자", ["참여자", "참가자"]),
    "guest": ("외부 참석자", ["게스트", "기타 참석자"]),
    "member": ("멤버", ["구성원", re.compile(r"회원(?!가입)")]),
    "meeting": ("회의", ["미팅"]),
    "series": ("시리즈", ["반복 회의"]),
    "agenda": ("안건", ["의제"]),
    "recap": ("요약 이메일", ["요약 메일", "리캡"]),
    "chatbot": ("챗봇", ["채팅"]),
    "language model": ("언어 모델", ["AI 모델"]),
    "organization": ("조직", ["워크스페이스"]),
}

# A particle whose form depends on the last sound of the word before it, and the "(으)로"-style fallback.
VARIABLE_PARTICLES = ("으로", "로", "이", "가", "은", "는", "을", "를", "과", "와", "(으)", "(이)", "(은)", "(을)")
PLACEHOLDER_THEN_WORD = re.compile(r"(%\(\w+\)[sd]|\{\w*\})[”\"’)]?(\s?)([가-힣()]+)")


def forbidden_in(text):
    found = []
    for concept, (word, variants) in GLOSSARY.items():
        for variant in variants:
            pattern = variant if isinstance(variant, re.Pattern) else re.compile(re.escape(variant))
            if pattern.search(text):
                found.append(f"{pattern.pattern!r} (say {word!r} for {concept})")
    return found


def catalogue_texts():
    for entry in polib.pofile(str(CATALOGUE)):
        for text in [entry.msgstr, *entry.msgstr_plural.values()]:
            if text:
                yield entry.msgid, text


def particle_after_placeholder(text):
    """The placeholders followed by a particle whose form depends on what the placeholder holds."""
    bad = []
    for match in PLACEHOLDER_THEN_WORD.finditer(text):
        _placeholder, space, word = match.groups()
        leads = word in VARIABLE_PARTICLES or word.startswith(("(으)", "(이)", "(은)", "(을)", "(과)", "(와)"))
        if not space:
            leads = leads or word.startswith(VARIABLE_PARTICLES)
        if leads:
            bad.append(match.group(0))
    return bad


def test_the_glossary_document_names_every_concept_and_its_word():
    glossary = (ROOT / "docs" / "GLOSSARY.md").read_text(encoding="utf-8")
    for word, _variants in GLOSSARY.values():
        assert f"| {word}" in glossary, word


def test_catalogue_uses_only_the_glossary_words():
    wrong = [f"{msgid[:60]!r}: {found}" for msgid, text in catalogue_texts() if (found := forbidden_in(text))]
    assert not wrong, "\n".join(wrong)


def test_drafts_use_only_the_glossary_words():
    """scripts/translate.py fills new entries from the drafts: a wrong word there would come back."""
    wrong = []
    for path in sorted((ROOT / "locale_drafts").glob("*.tsv")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if "\t" in line and not line.startswith("#") and (found := forbidden_in(line.split("\t", 1)[1])):
                wrong.append(f"{path.name}:{number}: {found}")
    assert not wrong, "\n".join(wrong)


def test_templates_scripts_and_code_use_only_the_glossary_words():
    files = [
        *(ROOT / "templates").rglob("*.html"),
        *(ROOT / "templates").rglob("*.txt"),
        *(ROOT / "static" / "js").rglob("*.js"),
        *(path for folder in ("meetings", "accounts", "nexochat") for path in (ROOT / folder).rglob("*.py")),
    ]
    wrong = [f"{path.relative_to(ROOT)}: {found}" for path in files if (found := forbidden_in(path.read_text("utf-8")))]
    assert not wrong, "\n".join(wrong)


def test_minutes_headings_and_the_offline_writer_use_the_glossary_words():
    korean = " ".join([*HEADINGS["ko"].values(), SPEAKERS["ko"]])
    assert not forbidden_in(korean)
    assert HEADINGS["ko"]["action_items"] == "할 일" and HEADINGS["ko"]["decisions"] == "결정 사항"


def test_no_particle_follows_a_name_or_a_number():
    wrong = [f"{msgid[:60]!r}: {bad}" for msgid, text in catalogue_texts() if (bad := particle_after_placeholder(text))]
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize(
    "text, flagged",
    [
        ("%(name)s 으로 로그인 되었습니다.", ["%(name)s 으로"]),
        ("%(role)s(으)로 바뀌었습니다", ["%(role)s(으)로"]),
        ("회의 “%(title)s”을(를) 삭제했습니다.", ["%(title)s”을(를)"]),
        ("%(provider)s이(가) 설정되지 않았습니다", ["%(provider)s이(가)"]),
        ("%(percent)s가 변환되었습니다", ["%(percent)s가"]),
        ("%(name)s 계정으로 로그인했습니다.", []),
        ("%(user)s님의 역할을 바꿨습니다: %(role)s", []),
        ("%(period)s에 열린 회의", []),
        ("%(n)s일 사이", []),
        ("%(name)s 이동", []),
    ],
)
def test_the_particle_rule_itself(text, flagged):
    assert particle_after_placeholder(text) == flagged


@pytest.mark.django_db
def test_signing_in_names_the_account_without_a_particle_after_the_name(settings):
    settings.LANGUAGE_CODE = "ko"
    user = factories.user("demo@example.com", factories.organization(), name="데모 사용자")
    response = Client().post("/accounts/login/", {"login": user.email, "password": factories.PASSWORD}, follow=True)
    assert response.status_code == 200
    assert "데모 사용자 계정으로 로그인했습니다." in response.content.decode()
