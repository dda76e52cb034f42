"""Archive search: Korean-aware hybrid retrieval (BM25 over Kiwi morphemes + e5 embeddings, fused),
scoped to the caller's organizations before ranking. The index lives in the database.

    from ai_pipeline.search import search, index_meeting, remove_meeting
    hits = search(request.user, "예산 확정", filters={"date_from": "2024-01-01"}, limit=10)
"""


def search(*args, **kwargs):
    from .engine import search as _search

    return _search(*args, **kwargs)


def explain_search(*args, **kwargs):
    """search(), explained: a SearchOutcome with the hits, what was searched and near misses."""
    from .engine import explain_search as _explain_search

    return _explain_search(*args, **kwargs)


def index_meeting(*args, **kwargs):
    from meetings.search.indexing import index_meeting as _index_meeting

    return _index_meeting(*args, **kwargs)


def remove_meeting(*args, **kwargs):
    from meetings.search.indexing import remove_meeting as _remove_meeting

    return _remove_meeting(*args, **kwargs)


def external_ids(meeting_ids):
    """{meeting id: external id} for imported meetings (others are left out)."""
    from ..models import MeetingSource

    return dict(MeetingSource.objects.filter(meeting_id__in=list(meeting_ids)).values_list("meeting_id", "external_id"))
