"""The chatbot's answers on the dev set (../shared/eval corpus_dev + qa_dev, or EVAL_DIR).

    .venv/bin/python bench/chat.py [--meetings 60] [--no-import]

Imports the meetings the dev questions are about (plus others up to --meetings) into its own SQLite
file (var/bench/chat.sqlite3, reused on later runs) through the real importer and indexer, then asks
the chatbot (`meetings.chat.ask.answer`, the offline provider: no language model) each of the 40 dev
questions and each query of bench/data/offtopic_queries.txt, and prints:

- cited gold: the share of dev questions whose answer cites a gold turn (the segment position of one
  of the question's answer turns, in its meeting), within one turn of one, and every gold turn (the
  14 questions answered by two or three turns need an answer that combines them);
- answered: the share of dev questions answered at all (not "관련 내용을 찾을 수 없습니다");
- off-topic answered: the share of off-topic queries that wrongly got an answer.

Segment vectors bench/search.py has cached (var/bench/seg_emb*) are reused instead of running the
model again (same model, stored at the same float16 precision the index keeps), so importing takes
minutes, not an hour. Only public entry points are called, so the same script measures an older
checkout (copy it there). Never run this on the holdout files.
"""

import argparse
import hashlib
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
EVAL = Path(os.environ.get("EVAL_DIR") or ROOT.parent / "shared" / "eval")
CACHE = ROOT / "var" / "bench"
OFFTOPIC = Path(__file__).resolve().parent / "data" / "offtopic_queries.txt"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nexochat.settings")
os.environ.setdefault("SECRET_KEY", "bench-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz")
os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("SECURE_HTTPS", "false")
os.environ.setdefault("ALLOWED_HOSTS", "testserver")


def reuse_cached_vectors():
    """Let the embedding engine answer texts bench/search.py has embedded from its cache."""
    import numpy as np

    from ai_pipeline.search import embeddings

    keys_path, vecs_path = CACHE / "seg_emb_keys.txt", CACHE / "seg_emb.npy"
    if not (keys_path.exists() and vecs_path.exists()):
        return 0
    cached = dict(zip(keys_path.read_text().split("\n"), np.load(vecs_path).astype(np.float32), strict=True))
    engine = embeddings.get_engine()
    model_passage = engine.passage

    def passage(texts, bulk=False):
        texts = list(texts)
        keys = [hashlib.sha256(t.strip().encode("utf-8")).hexdigest() for t in texts]
        missing = [t for t, k in zip(texts, keys, strict=True) if k not in cached]
        fresh = dict(zip(missing, model_passage(missing, bulk=bulk), strict=True)) if missing else {}
        return np.vstack([cached[k] if k in cached else fresh[t] for t, k in zip(texts, keys, strict=True)])

    engine.passage = passage
    return len(cached)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--meetings", type=int, default=60)
    parser.add_argument("--no-import", action="store_true", help="use what is imported already")
    args = parser.parse_args()
    CACHE.mkdir(parents=True, exist_ok=True)
    os.environ["DATABASE_URL"] = f"sqlite:///{CACHE / 'chat.sqlite3'}"
    os.environ.setdefault("DATA_DIR", str(CACHE / "data"))
    import django

    django.setup()
    from django.core.management import call_command

    from ai_pipeline.chat import NOT_FOUND
    from ai_pipeline.llm import get_provider
    from ai_pipeline.models import MeetingSource
    from meetings.chat.ask import answer
    from meetings.search.importer import get_or_create_organization, import_meeting
    from meetings.search.indexing import index_meeting

    call_command("migrate", verbosity=0)
    with open(EVAL / "qa_dev.jsonl", encoding="utf-8") as handle:
        questions = [json.loads(line) for line in handle if line.strip()]
    offtopic = [
        line.strip() for line in OFFTOPIC.read_text(encoding="utf-8").splitlines() if line.strip() and line[0] != "#"
    ]
    wanted = {q["meeting_id"] for q in questions}
    organization = get_or_create_organization("chat-bench")
    have = set(MeetingSource.objects.filter(organization=organization).values_list("external_id", flat=True))
    if not args.no_import:
        print(f"reusing {reuse_cached_vectors()} cached segment vectors")
    started, imported = time.perf_counter(), 0
    with open(EVAL / "corpus_dev.jsonl", encoding="utf-8") as handle:
        for line in [] if args.no_import else handle:
            record = json.loads(line)
            if record["id"] in have or (record["id"] not in wanted and len(have) >= args.meetings):
                continue
            meeting, _created = import_meeting(organization, record)
            index_meeting(meeting)
            have.add(record["id"])
            imported += 1
    if imported:
        print(f"imported and indexed {imported} meetings in {time.perf_counter() - started:.0f}s")
    ids = dict(MeetingSource.objects.filter(organization=organization).values_list("meeting_id", "external_id"))
    questions = [q for q in questions if q["meeting_id"] in set(ids.values())]
    print(f"{len(ids)} meetings, {len(questions)} answerable questions, {len(offtopic)} off-topic queries")

    provider = get_provider("offline")
    found = exact = near = every = 0
    misses = []
    began = time.perf_counter()
    for q in questions:
        result = answer([organization.pk], q["question"], provider=provider)
        cited = [(ids.get(c["meeting_id"]), c["position"]) for c in result.citations]
        gold = set(q["turn_indices"])
        hit = any(m == q["meeting_id"] and p in gold for m, p in cited)
        close = any(m == q["meeting_id"] and any(abs(p - t) <= 1 for t in gold) for m, p in cited)
        found += result.found
        exact += hit
        near += close
        every += gold <= {p for m, p in cited if m == q["meeting_id"]}
        if not hit:
            misses.append((q["qid"], q["type"], result.found, len(cited)))
    answered_wrongly = sum(
        answer([organization.pk], query, provider=provider).found for query in offtopic
    )  # an off-topic query that gets an answer
    took = time.perf_counter() - began
    n = len(questions)
    print(f"cited gold turn: {exact}/{n} = {exact / n:.3f}   within one turn: {near}/{n} = {near / n:.3f}")
    print(f"cited every gold turn: {every}/{n} = {every / n:.3f}")
    print(f"answered: {found}/{n} = {found / n:.3f}   (the rest: {NOT_FOUND})")
    print(f"off-topic answered: {answered_wrongly}/{len(offtopic)} = {answered_wrongly / len(offtopic):.3f}")
    print(f"misses (qid, type, answered, citations): {misses}")
    print(f"{n + len(offtopic)} questions in {took:.0f}s")


if __name__ == "__main__":
    main()
