"""Schemathesis (the outside fuzzer) against the API's live OpenAPI schema, as a member and as an owner.

The app runs as a real server on 127.0.0.1 (runserver, the test database); Schemathesis reads
/api/v1/schema/ from it and tries every operation with every check: no server error, responses that match
their schema, status codes and content types the schema declares, invalid requests refused, valid requests
accepted, and the authorization checks (a request without the token must be refused; what the role reads of
its own organization, asked again as the owner of another one, must be refused too): every check is on unless
schemathesis.toml turns one off. Every route's owner/member/outsider rule is also stated and tried, route by
route, in test_isolation_matrix.py. The seed is fixed and the examples per operation bounded, so a run
takes about a minute and repeats itself. The coverage phase (every boundary of every parameter, several
thousand requests, about three minutes a role here) is the longer run in bench/README.md. The few checks
that cannot apply to an operation are listed, each with its reason, in schemathesis.toml beside this file.
A failure prints Schemathesis's own report: each failing case with a curl line that repeats it."""

import os

import pytest
from rest_framework_simplejwt.tokens import RefreshToken

from accounts.models import Membership, Role
from tests.support import factories
from tests.support.fuzz import ST, running_app, schemathesis, write_identities
from tests.support.tools import missing_tool
from tests.support.worker import database_url_for_subprocess
from tests.support.world import build_world

SEED = 42
EXAMPLES = 10  # per operation and phase
OPERATIONS = 84  # every operation the schema lists today; a new one raises it

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.fuzz]


@pytest.fixture
def world(org, owner, admin_user, member, other_org, outsider):
    """An organization with one of everything (meetings, transcripts, minutes, conversations, ...)."""
    Membership.objects.filter(user=outsider).update(role=Role.OWNER)
    factories.meeting(other_org, "다른 조직 회의", creator=outsider)
    world = build_world(org, owner, admin_user, member)
    world.outsider = outsider
    return world


@pytest.fixture
def server(world, tmp_path):
    if not ST.exists():
        missing_tool("schemathesis is not installed in this environment (requirements-dev.txt)")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": database_url_for_subprocess(),
        "DATA_DIR": str(tmp_path / "data"),
        "MEDIA_ROOT": str(tmp_path / "media"),
        "LLM_PROVIDER": "offline",
        "Q_SYNC": "false",  # jobs wait in the broker: no worker runs models here
    }
    with running_app(env, tmp_path / "server.log") as url:
        yield url


def token(user):
    return str(RefreshToken.for_user(user).access_token)


@pytest.mark.parametrize("role", ["member", "owner"])
def test_every_operation_keeps_the_published_schema(server, world, role, tmp_path):
    identities = write_identities(tmp_path / "identities.json", token(getattr(world, role)), token(world.outsider))
    result, output = schemathesis(
        server,
        identities,
        tmp_path / "report.json",
        seed=SEED,
        examples=EXAMPLES,
        phases="examples,fuzzing",
        timeout=600,
    )
    operations, cases = result["operations"], result["test_cases"]
    failures = {failure["code"]: failure["operations"] for failure in result["failures"]}
    print(
        f"{role}: {operations['tested']} operations, {cases['generated']} cases, "
        f"failures by check: {failures or 'none'}"
    )
    assert operations["tested"] >= OPERATIONS and operations["errored"] == 0, output[-6000:]
    assert not failures and not result["errors"], output[-20000:]
