"""Import throughput: `manage.py import_meetings` on the dev corpus, into a throwaway SQLite database.

    .venv/bin/python bench/import_speed.py                       # all 165 dev meetings
    .venv/bin/python bench/import_speed.py --meetings 20         # the first 20 (a quick comparison)
    .venv/bin/python bench/import_speed.py --checkout /tmp/old   # another checkout of the project, same data

Each run migrates a new database in a temporary folder (DATABASE_URL and DATA_DIR point there; the
development database is never touched), then times the command as a user runs it and prints turns per
second with the load averages before and after (other jobs on the machine change the numbers: compare
runs taken back to back). --profile writes a cProfile of the import to the given file; --keep keeps the
database (its SegmentEmbedding rows are the vectors the import made)."""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EVAL = Path(os.environ.get("EVAL_DIR") or ROOT.parent / "shared" / "eval")


def load_average():
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--meetings", type=int, default=0, help="only the first N meetings (0: all)")
    parser.add_argument("--checkout", type=Path, default=ROOT, help="the project folder whose manage.py runs")
    parser.add_argument("--profile", type=Path, help="write a cProfile of the import here")
    parser.add_argument("--keep", type=Path, help="copy the imported database here afterwards")
    args = parser.parse_args()

    with open(EVAL / "corpus_dev.jsonl", encoding="utf-8") as handle:
        lines = [line for line in handle if line.strip()]
    if args.meetings:
        lines = lines[: args.meetings]
    turns = sum(len(json.loads(line)["turns"]) for line in lines)
    with tempfile.TemporaryDirectory(prefix="nexochat-import-") as folder:
        corpus = Path(folder) / "corpus.jsonl"
        corpus.write_text("".join(lines), encoding="utf-8")
        env = {
            **os.environ,
            "DATABASE_URL": f"sqlite:///{folder}/db.sqlite3",
            "DATA_DIR": f"{folder}/data",
            "SECRET_KEY": "bench-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
            "DEBUG": "false",
            "SECURE_HTTPS": "false",
            "ALLOWED_HOSTS": "testserver",
        }
        manage = [sys.executable, str(args.checkout / "manage.py")]
        subprocess.run([*manage, "migrate", "-v", "0"], env=env, cwd=args.checkout, check=True)
        command = [*manage, "import_meetings", str(corpus), "--org", "bench-import", "--json", "-v", "0"]
        if args.profile:
            command = [sys.executable, "-m", "cProfile", "-o", str(args.profile), *command[1:]]
        before = load_average()
        began = time.monotonic()
        done = subprocess.run(command, env=env, cwd=args.checkout, check=True, capture_output=True, text=True)
        seconds = time.monotonic() - began
        report = json.loads(done.stdout)
        if args.keep:
            shutil.copyfile(f"{folder}/db.sqlite3", args.keep)
    passages = sum(m["passages"] for m in report["meetings"])
    print(
        f"{len(lines)} meetings, {turns} turns, {passages} passages in {seconds:.1f} s: "
        f"{turns / seconds:.1f} turns/s (load average before {before}, after {load_average()}; "
        f"{os.cpu_count()} CPUs; {args.checkout})"
    )


if __name__ == "__main__":
    main()
