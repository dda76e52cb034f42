"""Large organizations keep searching their previous index while a background thread loads the
new version (settings.SEARCH_BACKGROUND_RELOAD_FROM): nothing deleted or withheld leaks through the
stale index, and the update is found once the reload is done. The threshold is lowered to 1 passage
so the small test archive counts as large."""

import pytest

from ai_pipeline.search import engine
from meetings.models import Meeting
from meetings.search import search
from meetings.search.indexing import index_meeting
from tests.support.search_archive import make_archive

pytestmark = pytest.mark.django_db(transaction=True)  # the reload thread reads committed rows


@pytest.fixture
def archive(org, other_org, member):
    return make_archive(org, other_org, budget_participants=[member])


@pytest.fixture
def background_reloads(settings):
    settings.SEARCH_BACKGROUND_RELOAD_FROM = 1
    yield
    engine.wait_for_reloads()


def edit_budget(archive):
    budget = archive["budget"]
    segment = budget.segments.get(position=2)
    segment.text = "사무실 이전은 6월로 결정했습니다."
    segment.save(update_fields=["text"])
    index_meeting(budget)  # bumps the organization's index version
    return budget


def hit_positions(hits):
    return [(hit.meeting_id, hit.position) for hit in hits]


def test_the_update_is_found_once_the_background_reload_is_done(archive, member, background_reloads):
    assert search(member, "사무실 이전", mode="lexical") == []  # loads the index in the foreground
    budget = edit_budget(archive)

    assert search(member, "사무실 이전", mode="lexical") == []  # answered from the previous version
    engine.wait_for_reloads()
    assert hit_positions(search(member, "사무실을 이전", mode="lexical"))[0] == (budget.pk, 2)


def test_without_the_threshold_the_update_is_found_at_once(archive, member, settings):
    settings.SEARCH_BACKGROUND_RELOAD_FROM = 0
    search(member, "예산")
    budget = edit_budget(archive)
    assert hit_positions(search(member, "사무실을 이전", mode="lexical"))[0] == (budget.pk, 2)


def test_a_deleted_meeting_never_comes_back_from_the_previous_index(archive, member, background_reloads):
    assert archive["launch"].pk in {hit.meeting_id for hit in search(member, "신제품 출시일")}
    launch_id = archive["launch"].pk
    archive["launch"].delete()
    edit_budget(archive)
    assert launch_id not in {hit.meeting_id for hit in search(member, "신제품 출시일")}


def test_a_meeting_withheld_since_is_hidden_from_the_previous_index(archive, member, owner, background_reloads):
    launch = archive["launch"]
    assert launch.pk in {hit.meeting_id for hit in search(member, "신제품 출시일")}
    Meeting.objects.filter(pk=launch.pk).update(visibility="selected")
    edit_budget(archive)
    assert launch.pk not in {hit.meeting_id for hit in search(member, "신제품 출시일")}
    assert launch.pk in {hit.meeting_id for hit in search(owner, "신제품 출시일")}
