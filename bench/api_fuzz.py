"""The long Schemathesis run: every operation, every check, all three generating phases (examples, the
coverage phase's boundaries of every parameter, fuzzing), as a member and as an owner, each with the owner of
another organization as its peer for the object-level authorization check.

    .venv/bin/python bench/api_fuzz.py                    # seed 42, 20 examples per operation and phase
    .venv/bin/python bench/api_fuzz.py --examples 5 --roles member

Builds a throwaway SQLite database with one organization holding one of everything (tests/support/world.py)
and a second organization, starts the app under runserver on 127.0.0.1 (DEBUG off, rate limits raised: the
fuzzer asks faster than people do), runs `st run` with tests/platform/schemathesis.toml (its exceptions, each
with its reason) and prints, per role, the operations tested, the cases generated and the failures by check.
The suite's own fuzz test (tests/platform/test_api_fuzz.py) runs the examples and fuzzing phases only, to
stay near a minute a role; this adds the coverage phase (several thousand more requests)."""

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.fuzz import running_app, schemathesis, write_identities  # noqa: E402

SEED = """
import django; django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from accounts.models import Membership, Organization, Role
from rest_framework_simplejwt.tokens import RefreshToken
from tests.support import factories
from tests.support.world import build_world
org, other = Organization.objects.create(name="A팀"), Organization.objects.create(name="B팀")
owner = factories.user("owner@example.com", org, Role.OWNER)
admin = factories.user("admin@example.com", org, Role.ADMIN)
member = factories.user("member@example.com", org, Role.MEMBER)
outsider = factories.user("outsider@example.com", other, Role.OWNER)
factories.meeting(other, "다른 조직 회의", creator=outsider)
build_world(org, owner, admin, member)
for role, user in (("member", member), ("owner", owner), ("outsider", outsider)):
    print(role, RefreshToken.for_user(user).access_token)
"""


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=20)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--roles", default="member,owner")
    args = parser.parse_args()
    data = Path(tempfile.mkdtemp(prefix="nexochat-fuzz-"))
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "nexochat.settings",
        "DATA_DIR": str(data),
        "DATABASE_URL": f"sqlite:///{data / 'fuzz.sqlite3'}",
        "DEBUG": "false",
        "SECRET_KEY": "bench-api-fuzz-0123456789abcdef0123456789abcdef",
        "SECURE_HTTPS": "false",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "JWT_ACCESS_MINUTES": "600",
        "LLM_PROVIDER": "offline",
        "Q_SYNC": "false",
    }
    seeded = subprocess.run([sys.executable, "-c", SEED], cwd=ROOT, env=env, capture_output=True, text=True)
    if seeded.returncode:
        sys.exit(seeded.stderr)
    tokens = dict(line.split(" ", 1) for line in seeded.stdout.strip().splitlines())
    with running_app(env, data / "server.log") as url:
        for role in args.roles.split(","):
            identities = write_identities(data / f"{role}-identities.json", tokens[role], tokens["outsider"])
            started = time.monotonic()
            result, _printed = schemathesis(
                url,
                identities,
                data / f"{role}.json",
                seed=args.seed,
                examples=args.examples,
                phases="examples,coverage,fuzzing",
                output=data / f"{role}.txt",
            )
            failures = {f["code"] + " " + f["title"]: f["count"] for f in result["failures"]}
            print(
                f"{role}: {result['operations']['tested']} operations, {result['test_cases']['generated']} cases, "
                f"{time.monotonic() - started:.0f} s; failures by check: {failures or 'none'}, "
                f"errors: {result['errors'] or 'none'} (details: {data / (role + '.txt')})"
            )


if __name__ == "__main__":
    main()
