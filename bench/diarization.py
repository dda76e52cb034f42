"""Diarization benchmark: DER (collar 0 and 0.25 s) and real-time factor per engine and file.

    .venv/bin/python bench/diarization.py --engine senko                 # CPU default, main .venv
    .venv-pyannote/bin/python bench/diarization.py --engine pyannote     # offline bundled pipeline

Files: pyannote's real-speech sample.wav (+ sample.rttm, from the pyannote.audio wheel, found in this
environment or in .venv-pyannote) and ../shared/eval/audio/dev/*.flac (+ .rttm); or paths given on the
command line (NAME.rttm beside each). DER is the shared frame-based definition (../shared/tools/score.py,
best 1:1 speaker mapping) computed with a linear assignment so that many hypothesis speakers stay fast.
Models are loaded before timing; RTF is diarization seconds / audio seconds. One heavy job at a time."""

import argparse
import glob
import importlib.util
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nexochat.settings")
os.environ.setdefault("DEBUG", "1")
os.environ.setdefault("PYANNOTE_METRICS_ENABLED", "false")


def read_rttm(path):
    turns = []
    for line in Path(path).read_text().splitlines():
        parts = line.split()
        if parts and parts[0] == "SPEAKER":
            turns.append((float(parts[3]), float(parts[3]) + float(parts[4]), parts[7]))
    return turns


def der(ref, hyp, collar=0.25, step=0.01):
    """score.der (frame-based, no-score collar around reference boundaries, best 1:1 mapping),
    with the mapping found by linear assignment instead of trying every permutation."""
    from scipy.optimize import linear_sum_assignment

    end = max([e for _, e, _ in ref] + [e for _, e, _ in hyp] + [0])
    n = int(end / step) + 1
    keep = np.ones(n, dtype=bool)
    for s, e, _ in ref:
        for t in (s, e):
            keep[max(0, int((t - collar) / step)) : min(n, int((t + collar) / step) + 1)] = False

    def matrix(turns):
        labels = sorted({x for *_, x in turns})
        m = np.zeros((len(labels), n), dtype=bool)
        for s, e, x in turns:
            m[labels.index(x), int(s / step) : min(n, int(e / step))] = True
        return m[:, keep]

    r, h = matrix(ref), matrix(hyp)
    total = r.sum()
    if not total:
        return 0.0
    overlap = r.astype(np.int64) @ h.T.astype(np.int64)
    rows, cols = linear_sum_assignment(-overlap) if overlap.size else ([], [])
    correct = overlap[rows, cols].sum() if len(rows) else 0
    return float((np.maximum(r.sum(0), h.sum(0)).sum() - correct) / total)


def default_files():
    files = []
    spec = importlib.util.find_spec("pyannote.audio") if importlib.util.find_spec("pyannote") else None
    if spec is not None:
        files.append(Path(next(iter(spec.submodule_search_locations))) / "sample" / "sample.wav")
    else:
        found = glob.glob(str(ROOT / ".venv-pyannote/lib/python*/site-packages/pyannote/audio/sample/sample.wav"))
        files += [Path(p) for p in found[:1]]
    files += sorted((ROOT.parent / "shared" / "eval" / "audio" / "dev").glob("*.flac"))
    return files


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("files", nargs="*", type=Path)
    parser.add_argument("--engine", default="senko")
    parser.add_argument("--model", default="")
    parser.add_argument("--device", default="auto")
    parser.add_argument("--num-speakers", type=int, default=None)
    parser.add_argument("--oracle-speakers", action="store_true", help="give each file its reference speaker count")
    args = parser.parse_args()

    import django

    django.setup()
    from ai_pipeline.audio import decode_audio
    from ai_pipeline.diarization import get_diarizer

    began = time.perf_counter()
    diarizer = get_diarizer(args.engine, args.model, args.device)
    print(f"# {args.engine} on {diarizer.device}: loaded in {time.perf_counter() - began:.1f} s", file=sys.stderr)
    rows = []
    for path in args.files or default_files():
        audio = decode_audio(path)
        duration = len(audio) / 16000
        rttm = path.with_suffix(".rttm")
        reference = read_rttm(rttm) if rttm.exists() else None
        speakers = args.num_speakers
        if args.oracle_speakers and reference:
            speakers = len({x for *_, x in reference})
        began = time.perf_counter()
        turns = diarizer.diarize(audio, num_speakers=speakers)
        seconds = time.perf_counter() - began
        row = {
            "engine": args.engine,
            "file": path.name,
            "duration": round(duration, 1),
            "rtf": round(seconds / duration, 3),
            "speakers": len({t[2] for t in turns}),
        }
        if reference:
            row["ref_speakers"] = len({x for *_, x in reference})
            row["der_collar0"] = round(der(reference, turns, collar=0.0), 4)
            row["der_collar025"] = round(der(reference, turns, collar=0.25), 4)
        rows.append(row)
        print(json.dumps(row, ensure_ascii=False), flush=True)
    scored = [r for r in rows if "der_collar0" in r]
    if scored:
        total = sum(r["duration"] for r in rows)
        summary = {
            "engine": args.engine,
            "files": len(rows),
            "mean_der_collar0": round(sum(r["der_collar0"] for r in scored) / len(scored), 4),
            "mean_der_collar025": round(sum(r["der_collar025"] for r in scored) / len(scored), 4),
            "rtf_overall": round(sum(r["rtf"] * r["duration"] for r in rows) / total, 3),
        }
        print(json.dumps(summary), flush=True)


if __name__ == "__main__":
    main()
