"""The in-process search index keeps each organization it searched in memory, within SEARCH_CACHE_MB: the least
recently searched organizations are evicted, and an evicted one is loaded again, whole, when it is searched."""

import pytest

from accounts.models import Organization
from ai_pipeline.search import engine
from tests.support.search_archive import make_meeting

pytestmark = pytest.mark.django_db


def organization_with_passages(number):
    organization = Organization.objects.create(name=f"조직 {number}", slug=f"org-{number}")
    turns = [
        (f"위원 {number}", f"{number}번 조직의 안건 {i}: 급식 예산과 학교 시설 점검을 보고합니다.") for i in range(30)
    ]
    make_meeting(organization, f"{number}번 조직 회의", turns)
    return organization


def load(organization):
    versions = engine.current_versions([organization.pk])
    return engine.get_org_index(organization.pk, versions[organization.pk], engine.fusion_params())


def test_memory_stays_within_the_budget_while_many_organizations_are_searched(settings):
    organizations = [organization_with_passages(n) for n in range(8)]
    engine.clear_cache()
    first = load(organizations[0])
    one = engine.index_bytes(first)
    assert one > first.matrix.nbytes > 0  # the vectors, and the words' index besides
    engine.clear_cache()
    settings.SEARCH_CACHE_MB = 3.5 * one / (1024 * 1024)  # room for three organizations, not four
    budget = settings.SEARCH_CACHE_MB * 1024 * 1024
    for organization in organizations:
        index = load(organization)
        assert len(index) > 0
        assert engine.cached_bytes() <= budget
    with engine._cache_lock:
        kept = list(engine._cache)
    assert kept == [o.pk for o in organizations[-3:]]  # the three searched last, oldest first

    # Searching an older one again brings it back (whole) and sends the least recently searched away.
    again = load(organizations[0])
    assert len(again) == len(load(organizations[0]))
    with engine._cache_lock:
        kept = list(engine._cache)
    assert kept == [organizations[6].pk, organizations[7].pk, organizations[0].pk]
    assert engine.cached_bytes() <= budget


def test_the_index_just_loaded_stays_even_when_it_alone_is_over_the_budget(settings):
    organization = organization_with_passages(1)
    engine.clear_cache()
    settings.SEARCH_CACHE_MB = 0.001
    assert len(load(organization)) > 0
    with engine._cache_lock:
        assert list(engine._cache) == [organization.pk]


def test_no_budget_keeps_every_organization(settings):
    organizations = [organization_with_passages(n) for n in range(3)]
    engine.clear_cache()
    settings.SEARCH_CACHE_MB = 0
    for organization in organizations:
        load(organization)
    with engine._cache_lock:
        assert len(engine._cache) == 3
