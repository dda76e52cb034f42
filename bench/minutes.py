"""Minutes benchmark on the dev key points: coverage, decisions/action items found, time per meeting.

    .venv/bin/python bench/minutes.py                      # offline (extractive) provider
    .venv/bin/python bench/minutes.py --provider openai    # whatever LLM_* points at (a real model only;
                                                            # numbers against a fake server mean nothing)

Coverage uses the shared scorer (../shared/tools/score.py, or SCORE_PY=path): a reference key point
counts as covered when `score.covered(point, text)` holds, i.e. at least half of the point's character
bigrams (after normalisation) appear in ONE line of `text`. Two texts are scored:
  - key points: only the minutes' key_points, one per line (the strict number);
  - whole minutes: the rendered Markdown (overview, key points, decisions, action items, questions, topics),
    which is longer, so it covers more by construction.
A lead baseline (the meeting's first N sentences, N = the number of key points produced) shows what the
same amount of text covers without any selection.

Repeats: items that say again what an item of another section says (80% of the shorter one's character
pairs in the other), e.g. a decision that is also an action item, or a key point quoted in the overview.

Length: minutes chars / transcript chars, where the transcript is the turns' text and the minutes are
  - text: every field the writer filled (overview, key points, decisions with who said them, action items
    with owner and due, open questions, topic titles), without headings, labels or layout;
  - markdown: the whole rendered Markdown (title, headings, "none" lines included), as exported.
It is reported for the 10 key-point meetings, for all 165 dev meetings, and for short meetings: excerpts
of the dev meetings of 400-900 characters (the turns from the start, and from the middle, of each meeting,
up to the last turn that keeps the excerpt under 900 characters; excerpts under 400 are skipped)."""

import argparse
import importlib.util
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nexochat.settings")
os.environ.setdefault("DEBUG", "1")
EVAL = Path(os.environ.get("EVAL_DIR") or ROOT.parent / "shared" / "eval")


def load_score():
    path = Path(os.environ.get("SCORE_PY") or ROOT.parent / "shared" / "tools" / "score.py")
    spec = importlib.util.spec_from_file_location("score", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def read_jsonl(path):
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


SHORT_MIN, SHORT_MAX = 400, 900


def short_excerpts(records):
    """(id, record) excerpts of 400-900 transcript characters: from each meeting's start and middle."""
    out = []
    for record in records:
        turns = record["turns"]
        for label, first in (("start", 0), ("middle", len(turns) // 2)):
            chosen, size = [], 0
            for turn in turns[first:]:
                if size + len(turn["text"]) > SHORT_MAX:
                    break
                chosen.append(turn)
                size += len(turn["text"])
            if size >= SHORT_MIN:
                out.append((f"{record['id']}@{label}", {**record, "turns": chosen}))
    return out


def minutes_text(data):
    """The text the writer produced, without headings, labels or layout."""
    parts = [data.get("overview", ""), *data.get("key_points", []), *data.get("open_questions", [])]
    for item in data.get("decisions", []):
        parts += [item["text"], item.get("speaker") or ""]
    for item in data.get("action_items", []):
        parts += [item["text"], item.get("owner") or "", item.get("due") or ""]
    parts += [topic["title"] for topic in data.get("topics", [])]
    return "\n".join(part for part in parts if part)


def _pairs(text):
    text = "".join(ch for ch in text.lower() if ch.isalnum())
    return {text[i : i + 2] for i in range(len(text) - 1)}


def sections(data):
    """(section, text) of every sentence-bearing item, with the "speaker: " of a quoted key point left out.
    Topics are left out when they are not sentences (three nouns drawn from their stretch of the meeting
    share their words with it by design); a sentence used as a topic title counts."""
    yield "overview", data.get("overview", "")
    for point in data.get("key_points", []):
        yield "key_points", point.partition(": ")[2] or point
    for key in ("decisions", "action_items"):
        yield from ((key, item["text"]) for item in data.get(key, []))
    yield from (("open_questions", text) for text in data.get("open_questions", []))
    yield from (("topics", topic["title"]) for topic in data.get("topics", []) if " · " not in topic["title"])


def repeats(data):
    """Items that say again what an item of another section says: at least 80% of the shorter one's
    character pairs are in the other (a quoted sentence repeated, whole or cut)."""
    items = [(section, _pairs(text)) for section, text in sections(data) if len(text) >= 8]
    count = 0
    for i, (section, pairs) in enumerate(items):
        for j, (other, other_pairs) in enumerate(items):
            small, large = (pairs, other_pairs) if len(pairs) <= len(other_pairs) else (other_pairs, pairs)
            if i != j and section != other and small and len(small & large) >= 0.8 * len(small):
                count += 1
                break
    return count


def length_ratios(generate, records, to_markdown):
    """Per meeting: (minutes text / transcript, minutes Markdown / transcript, items repeating another section)."""
    from ai_pipeline.minutes import turns_from_json

    ratios = []
    for _key, record in records:
        turns, title, date = turns_from_json(record)
        data = generate(turns, title, date).data
        transcript = sum(len(turn.text) for turn in turns)
        text, markdown = len(minutes_text(data)) / transcript, len(to_markdown(data, date=date)) / transcript
        ratios.append((text, markdown, repeats(data)))
    return ratios


def describe(name, ratios):
    text = sorted(r[0] for r in ratios)
    markdown = sorted(r[1] for r in ratios)
    over = sum(1 for r in text if r > 1 / 3)
    print(
        f"{name:34}: text mean {statistics.mean(text):.2f} median {statistics.median(text):.2f} "
        f"max {text[-1]:.2f} ({over}/{len(text)} over 1/3) | markdown mean {statistics.mean(markdown):.2f} "
        f"median {statistics.median(markdown):.2f} max {markdown[-1]:.2f}"
    )
    if len(ratios[0]) > 2:
        repeated = [r[2] for r in ratios]
        print(
            f"{'':34}  items repeating another section: {sum(repeated)} in "
            f"{sum(1 for n in repeated if n)}/{len(repeated)} meetings"
        )


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--provider", default="offline")
    parser.add_argument("--template", default="default")
    parser.add_argument("--json", action="store_true", help="print per-meeting rows as JSON too")
    parser.add_argument("--no-length", action="store_true", help="skip the length ratios over the dev corpus")
    args = parser.parse_args()

    import django

    django.setup()
    from ai_pipeline.llm import get_provider
    from ai_pipeline.llm.sentences import split_sentences
    from ai_pipeline.minutes import BUILTIN_TEMPLATES, generate_minutes, to_markdown, turns_from_json

    score = load_score()
    corpus = {record["id"]: record for record in read_jsonl(EVAL / "corpus_dev.jsonl")}
    references = read_jsonl(EVAL / "keypoints_dev.jsonl")
    provider = get_provider(args.provider)
    rows = []
    for reference in references:
        record = corpus[reference["meeting_id"]]
        turns, title, date = turns_from_json(record)
        began = time.perf_counter()
        result = generate_minutes(
            turns, provider=provider, template=BUILTIN_TEMPLATES[args.template], title=title, date=date
        )
        seconds = time.perf_counter() - began
        data = result.data
        transcript_chars = sum(len(turn.text) for turn in turns)
        points_text = "\n".join(data["key_points"])
        whole_text = to_markdown(data, date=date)
        sentences = [s for t in turns for s in split_sentences(t.text)]
        lead_text = "\n".join(sentences[: len(data["key_points"])])
        points = reference["key_points"]
        rows.append(
            {
                "meeting": reference["meeting_id"],
                "turns": len(turns),
                "reference_points": len(points),
                "key_points": len(data["key_points"]),
                "covered_key_points": sum(score.covered(p, points_text) for p in points),
                "covered_whole": sum(score.covered(p, whole_text) for p in points),
                "covered_lead": sum(score.covered(p, lead_text) for p in points),
                "decisions": len(data["decisions"]),
                "action_items": len(data["action_items"]),
                "action_items_with_due_date": sum(1 for a in data["action_items"] if a.get("due_date")),
                "open_questions": len(data["open_questions"]),
                "topics": len(data["topics"]),
                "length_text": round(len(minutes_text(data)) / transcript_chars, 3),
                "length_markdown": round(len(whole_text) / transcript_chars, 3),
                "seconds": round(seconds, 3),
                "calls": result.calls,
            }
        )
    total = sum(r["reference_points"] for r in rows)

    def pct(key):
        return 100.0 * sum(r[key] for r in rows) / total

    print(f"provider={provider.name} model={provider.model} template={args.template} meetings={len(rows)}")
    print(f"{'meeting':32} turns ref  kp cov_kp cov_all lead  dec act due  sec")
    for r in rows:
        print(
            f"{r['meeting']:32} {r['turns']:5} {r['reference_points']:3} {r['key_points']:3} "
            f"{r['covered_key_points']:6} "
            f"{r['covered_whole']:7} {r['covered_lead']:4} {r['decisions']:4} {r['action_items']:3} "
            f"{r['action_items_with_due_date']:3} {r['seconds']:5.2f}"
        )
    print()
    print(f"key-point coverage, key points only : {pct('covered_key_points'):.1f}% of {total} reference points")
    print(f"key-point coverage, whole minutes   : {pct('covered_whole'):.1f}%")
    print(f"lead baseline (same number of sents): {pct('covered_lead'):.1f}%")
    print(f"key points per meeting (mean)       : {statistics.mean(r['key_points'] for r in rows):.1f}")
    print(f"decisions per meeting (mean)        : {statistics.mean(r['decisions'] for r in rows):.1f}")
    print(
        f"action items per meeting (mean)     : {statistics.mean(r['action_items'] for r in rows):.1f}"
        f" ({sum(r['action_items_with_due_date'] for r in rows)} with a resolved due date in all)"
    )
    print(
        f"seconds per meeting (mean / max)    : {statistics.mean(r['seconds'] for r in rows):.3f}"
        f" / {max(r['seconds'] for r in rows):.3f}"
    )
    describe("length, key-point meetings", [(r["length_text"], r["length_markdown"]) for r in rows])
    if not args.no_length:

        def generate(turns, title, date):
            template = BUILTIN_TEMPLATES[args.template]
            return generate_minutes(turns, provider=provider, template=template, title=title, date=date)

        records = list(corpus.items())
        describe(f"length, all dev meetings ({len(records)})", length_ratios(generate, records, to_markdown))
        short = short_excerpts(corpus.values())
        describe(f"length, short excerpts ({len(short)})", length_ratios(generate, short, to_markdown))
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
