"""The OpenAPI schema is valid and complete, and Swagger UI loads from our own static files."""

import re
import subprocess
import sys

from django.conf import settings
from django.contrib.staticfiles import finders
from drf_spectacular.validation import validate_schema

EXPECTED_PATHS = {
    "/api/v1/auth/token/",
    "/api/v1/auth/token/refresh/",
    "/api/v1/auth/token/verify/",
    "/api/v1/me/",
    "/api/v1/organizations/",
    "/api/v1/organizations/{id}/",
    "/api/v1/organizations/{id}/members/",
    "/api/v1/meetings/",
    "/api/v1/meetings/{id}/",
    "/api/v1/meetings/{id}/recording/",
    "/api/v1/meetings/{id}/recording/file/",
    "/api/v1/meetings/{id}/jobs/",
    "/api/v1/jobs/{id}/",
    "/api/v1/jobs/{id}/retry/",
}


def test_schema_is_valid_openapi_3_and_lists_every_route(client, db):
    response = client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    validate_schema(schema)
    assert set(schema["paths"]) >= EXPECTED_PATHS
    assert "jwtAuth" in schema["components"]["securitySchemes"]
    upload = schema["paths"]["/api/v1/meetings/{id}/recording/"]["post"]
    assert "multipart/form-data" in upload["requestBody"]["content"]
    assert {"201", "400", "409", "413"} <= set(upload["responses"])
    list_params = {p["name"] for p in schema["paths"]["/api/v1/meetings/"]["get"]["parameters"]}
    assert {"q", "tag", "status", "held_after", "held_before", "organization", "page", "page_size"} <= list_params


def test_schema_generates_without_warnings():
    result = subprocess.run(
        [sys.executable, "manage.py", "spectacular", "--validate", "--fail-on-warn", "--file", "/dev/null"],
        cwd=settings.BASE_DIR,
        env={"DEBUG": "1", "PATH": "/usr/bin:/bin", "DATABASE_URL": "sqlite:///:memory:"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Warning" not in result.stderr


def test_swagger_ui_loads_from_sidecar_static_files_only(client, db):
    response = client.get("/api/v1/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "SwaggerUIBundle" in html
    assert not re.search(r"https?://", html), "Swagger UI must not load anything from outside"
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert any(a.endswith("swagger-ui-bundle.js") for a in assets)
    assert any(a.endswith("swagger-ui.css") for a in assets)
    for asset in assets:
        assert asset.startswith("/" + settings.STATIC_URL.lstrip("/")), asset
        relative = asset.removeprefix("/" + settings.STATIC_URL.lstrip("/"))
        assert finders.find(relative), f"{relative} is not among the static files"
    assert '"/api/v1/schema/"' in html
