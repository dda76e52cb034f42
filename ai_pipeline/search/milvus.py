"""The search index in a Milvus server or cluster (SEARCH_BACKEND=milvus), through pymilvus.

One collection holds every organization's passages, the organization id as its partition key:
- `tokens`: the passage's Kiwi morphemes as the app stored them (space-separated), which Milvus's
  built-in BM25 function turns into the `sparse` field. The analyzer is "standard" (split on non-word
  characters, lower-cased), which on morphemes that are already separated changes nothing, and which
  Milvus and milvus-lite both have.
- `vector`: the passage's e5 vector (L2-normalised, so inner product is cosine) in an HNSW index.

A search runs under a filter expression built from the Scope the app resolved (organizations, meetings kept
to or left out, the speaker's passages), so nothing outside it is ever ranked: by default one BM25 and one
vector search whose lists the app fuses as the local engine does (retriever_scores), or, with
MILVUS_FUSION=server, one hybrid request that Milvus fuses itself (candidates). This module takes and returns plain
data; the database stays the source of truth (engine.hydrate re-reads every hit) and its writers are in
the app's indexer.
"""

import contextlib
import threading

import numpy as np
from django.conf import settings

from .embeddings import DIM

TOKENS_MAX = 65535
INSERT_BATCH = 500

_clients = {}
_ready = set()
_lock = threading.Lock()


class NotConfigured(RuntimeError):
    pass


def connection():
    """(client, collection name) for the configured server; the collection is made on first use."""
    uri = getattr(settings, "MILVUS_URI", "") or ""
    if not uri:
        raise NotConfigured("SEARCH_BACKEND=milvus needs MILVUS_URI (for example http://milvus:19530)")
    token = getattr(settings, "MILVUS_TOKEN", "") or ""
    name = getattr(settings, "MILVUS_COLLECTION", "") or "nexochat_passages"
    with _lock:
        client = _clients.get((uri, token))
        if client is None:
            from pymilvus import MilvusClient

            client = _clients[(uri, token)] = MilvusClient(
                uri=uri, token=token, timeout=float(getattr(settings, "MILVUS_TIMEOUT", 10))
            )
        if (uri, name) not in _ready:
            from .engine import fusion_params

            params = fusion_params()
            ensure_collection(client, name, params["k1"], params["b"])
            _ready.add((uri, name))
    return client, name


def forget_connections():
    """Drop cached clients and the collections known to exist (tests that start another server)."""
    with _lock:
        for client in _clients.values():
            with contextlib.suppress(Exception):  # a server already gone has nothing to close
                client.close()
        _clients.clear()
        _ready.clear()


def ensure_collection(client, name, k1=1.2, b=0.75):
    from pymilvus import DataType, Function, FunctionType

    if not client.has_collection(name):
        schema = client.create_schema(auto_id=False)
        schema.add_field("id", DataType.INT64, is_primary=True)
        schema.add_field("organization_id", DataType.INT64, is_partition_key=True)
        schema.add_field("meeting_id", DataType.INT64)
        schema.add_field("is_meta", DataType.BOOL)
        schema.add_field(
            "tokens",
            DataType.VARCHAR,
            max_length=TOKENS_MAX,
            enable_analyzer=True,
            analyzer_params={"tokenizer": "standard"},
        )
        schema.add_field("sparse", DataType.SPARSE_FLOAT_VECTOR)
        schema.add_field("vector", DataType.FLOAT_VECTOR, dim=DIM)
        schema.add_function(
            Function(
                name="tokens_bm25",
                function_type=FunctionType.BM25,
                input_field_names=["tokens"],
                output_field_names=["sparse"],
            )
        )
        index = client.prepare_index_params()
        index.add_index("vector", index_type="HNSW", metric_type="IP", params={"M": 16, "efConstruction": 200})
        index.add_index(
            "sparse",
            index_type="SPARSE_INVERTED_INDEX",
            metric_type="BM25",
            params={"bm25_k1": k1, "bm25_b": b},
        )
        client.create_collection(name, schema=schema, index_params=index)
    client.load_collection(name)


def drop_collection():
    client, name = connection()
    client.drop_collection(name)
    with _lock:
        _ready.discard((settings.MILVUS_URI, name))


# --- writes -------------------------------------------------------------------------------------


def _fit(tokens):
    """The token text within the field's size (bytes), cut at a space."""
    data = tokens.encode("utf-8")
    if len(data) <= TOKENS_MAX:
        return tokens
    return data[:TOKENS_MAX].decode("utf-8", "ignore").rsplit(" ", 1)[0]


def replace_meeting(meeting_id, rows):
    """Make the index hold exactly `rows` for the meeting: dicts with id, organization_id, is_meta,
    tokens (space-separated morphemes) and vector (DIM floats). A passage's id changes whenever its
    content does (the indexer replaces changed passages), so rows already there are kept as they are.
    The new rows go in before the old ones go: a search meanwhile still finds the meeting (hydrate drops
    whichever passages the database no longer has)."""
    client, name = connection()
    meeting_id = int(meeting_id)
    present = {row["id"] for row in client.query(name, filter=f"meeting_id == {meeting_id}", output_fields=["id"])}
    new = [row for row in rows if int(row["id"]) not in present]
    for begin in range(0, len(new), INSERT_BATCH):
        client.insert(
            name,
            [
                {
                    "id": int(row["id"]),
                    "organization_id": int(row["organization_id"]),
                    "meeting_id": meeting_id,
                    "is_meta": bool(row["is_meta"]),
                    "tokens": _fit(row["tokens"] or ""),
                    "vector": np.asarray(row["vector"], dtype=np.float32).tolist(),
                }
                for row in new[begin : begin + INSERT_BATCH]
            ],
        )
    kept = [int(row["id"]) for row in rows]
    if present - set(kept):
        stale = f"meeting_id == {meeting_id}"
        if kept:
            stale += f" and id not in {_int_list(kept)}"
        client.delete(name, filter=stale)


def remove_meeting(meeting_id):
    client, name = connection()
    client.delete(name, filter=f"meeting_id == {int(meeting_id)}")


def meeting_row_counts(meeting_ids):
    """{meeting id: rows in the index} (tests and rebuild_index's check)."""
    client, name = connection()
    rows = client.query(name, filter=f"meeting_id in {_int_list(meeting_ids)}", output_fields=["meeting_id"])
    counts = {}
    for row in rows:
        counts[row["meeting_id"]] = counts.get(row["meeting_id"], 0) + 1
    return counts


# --- reads --------------------------------------------------------------------------------------


def _int_list(values):
    return "[" + ",".join(str(int(v)) for v in values) + "]"


def scope_filter(organization_ids, meeting_ids=None, hidden_meeting_ids=None, passage_ids=None):
    """The filter expression of a scope, or None when it can match nothing."""
    if not organization_ids:
        return None
    parts = [f"organization_id in {_int_list(organization_ids)}"]
    for values, expression in ((meeting_ids, "meeting_id in {}"), (passage_ids, "id in {}")):
        if values is not None:
            if not len(values):
                return None
            parts.append(expression.format(_int_list(values)))
    if hidden_meeting_ids is not None and len(hidden_meeting_ids):
        parts.append(f"meeting_id not in {_int_list(hidden_meeting_ids)}")
    return " and ".join(parts)


def candidates(expression, lexical_text, query_vector, params, mode="hybrid", only_meta=False):
    """The best passages under `expression` (scope_filter), best first, as (ids, meeting ids, is_meta,
    scores) arrays: BM25 over `lexical_text` (morphemes joined by spaces) and the vector's nearest
    neighbours, fused by Milvus; params: engine.fusion_params()."""
    from pymilvus import AnnSearchRequest, RRFRanker, WeightedRanker

    empty = (np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, bool), np.zeros(0, np.float64))
    if expression is None:
        return empty
    if only_meta:
        expression = f"({expression}) and is_meta == true"
    depth = int(params["depth"])
    lexical = bool(lexical_text.strip()) and mode != "dense"
    dense = query_vector is not None and mode != "lexical"
    client, name = connection()
    fields = ["meeting_id", "is_meta"]
    requests = []
    if lexical:
        requests.append(
            AnnSearchRequest(data=[lexical_text], anns_field="sparse", param={}, limit=depth, expr=expression)
        )
    if dense:
        vector = np.asarray(query_vector, dtype=np.float32).tolist()
        requests.append(
            AnnSearchRequest(
                data=[vector], anns_field="vector", param={"ef": max(64, depth)}, limit=depth, expr=expression
            )
        )
    if not requests:
        return empty
    if len(requests) == 2:
        if params["method"] == "rrf":
            ranker = RRFRanker(int(params["rrf_k"]))
        else:
            ranker = WeightedRanker(float(params["lexical_weight"]), float(params["dense_weight"]))
        found = client.hybrid_search(name, requests, ranker=ranker, limit=depth, output_fields=fields)[0]
    else:
        request = requests[0]
        found = client.search(
            name,
            data=request.data,
            anns_field=request.anns_field,
            filter=expression,
            limit=depth,
            search_params={"params": request.param},
            output_fields=fields,
        )[0]
    hits = list(found)
    ids = np.asarray([hit["id"] for hit in hits], np.int64)
    meetings = np.asarray([hit["entity"]["meeting_id"] for hit in hits], np.int64)
    is_meta = np.asarray([bool(hit["entity"]["is_meta"]) for hit in hits], bool)
    # One retriever alone: its own score, where some servers report BM25 as a negative distance.
    scores = np.asarray([hit["distance"] for hit in hits], np.float64)
    if len(requests) == 1 and lexical:
        scores = np.abs(scores)
    return ids, meetings, is_meta, scores


def retriever_scores(expression, lexical_text, query_vector, params, mode="hybrid"):
    """The best passages of each retriever under `expression`, searched one after the other in Milvus and
    not fused there, so that the app can fuse them as the local engine does (MILVUS_FUSION=app). Returns
    (ids, meeting ids, is_meta, lexical scores, dense scores) over the union of both lists; a passage one
    retriever did not return has -inf from it."""
    empty = (np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, bool), np.zeros(0), np.zeros(0))
    if expression is None:
        return empty
    depth = int(params["depth"])
    client, name = connection()
    fields = ["meeting_id", "is_meta"]
    found = {}  # passage id -> [meeting id, is_meta, lexical, dense]
    searches = []
    if lexical_text.strip() and mode != "dense":
        searches.append((2, [lexical_text], "sparse", {}))
    if query_vector is not None and mode != "lexical":
        vector = np.asarray(query_vector, dtype=np.float32).tolist()
        searches.append((3, [vector], "vector", {"ef": max(64, depth)}))
    for slot, data, field, search_params in searches:
        hits = client.search(
            name,
            data=data,
            anns_field=field,
            filter=expression,
            limit=depth,
            search_params={"params": search_params},
            output_fields=fields,
        )[0]
        for hit in hits:
            row = found.setdefault(
                hit["id"], [hit["entity"]["meeting_id"], bool(hit["entity"]["is_meta"]), -np.inf, -np.inf]
            )
            # Some servers report BM25 as a negative distance; its size is the score.
            row[slot] = abs(hit["distance"]) if field == "sparse" else hit["distance"]
    if not found:
        return empty
    ids = np.fromiter(found.keys(), np.int64, len(found))
    rows = list(found.values())
    return (
        ids,
        np.asarray([r[0] for r in rows], np.int64),
        np.asarray([r[1] for r in rows], bool),
        np.asarray([r[2] for r in rows], np.float64),
        np.asarray([r[3] for r in rows], np.float64),
    )
