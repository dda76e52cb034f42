"""A local stand-in for Google's OAuth 2.0 endpoints, speaking the real protocol over HTTP.

    with FakeGoogle(client_id="...", client_secret="...") as google:
        google.add_user(sub="1", email="a@example.com", name="Kim")
        settings.GOOGLE_OAUTH_ENDPOINTS = google.endpoints

/authorize plays the consent screen: it checks the request the app sent the browser to and
redirects back with a one-time code for the current user. /token exchanges that code (checking
client credentials, redirect_uri and the PKCE verifier) for an access token and, optionally, an
id_token. /userinfo answers the v2 userinfo request for a bearer token.
"""

import base64
import hashlib
import json
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

import jwt


class FakeGoogle:
    issuer = "https://accounts.google.com"

    def __init__(self, client_id, client_secret, *, issue_id_token=False):
        self.client_id = client_id
        self.client_secret = client_secret
        self.issue_id_token = issue_id_token
        self.users = {}
        self.current_user = None
        self.codes = {}
        self.tokens = {}
        self.requests = []  # (method, path, params) for assertions
        self._server = None
        self._thread = None

    # --- test API -------------------------------------------------------------------------
    def add_user(self, *, sub, email, name="", email_verified=True):
        given, _, family = name.partition(" ")
        self.users[sub] = {
            "sub": sub,
            "email": email,
            "email_verified": email_verified,
            "name": name,
            "given_name": given,
            "family_name": family,
            "picture": f"https://lh3.googleusercontent.com/a/{sub}",
        }
        self.current_user = sub
        return self.users[sub]

    @property
    def base_url(self):
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def endpoints(self):
        return {
            "authorize": f"{self.base_url}/o/oauth2/v2/auth",
            "token": f"{self.base_url}/token",
            "userinfo": f"{self.base_url}/oauth2/v2/userinfo",
        }

    def __enter__(self):
        fake = self

        class Handler(_Handler):
            google = fake

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    # --- protocol -------------------------------------------------------------------------
    def authorize(self, params):
        if params.get("client_id") != self.client_id:
            return 400, {"error": "invalid_client"}
        if params.get("response_type") != "code":
            return 400, {"error": "unsupported_response_type"}
        if params.get("code_challenge_method") != "S256" or not params.get("code_challenge"):
            return 400, {"error": "invalid_request", "error_description": "PKCE S256 required"}
        code = secrets.token_urlsafe(16)
        self.codes[code] = {
            "sub": self.current_user,
            "redirect_uri": params["redirect_uri"],
            "code_challenge": params["code_challenge"],
            "scope": params.get("scope", ""),
        }
        query = urlencode({"code": code, "state": params.get("state", ""), "scope": params.get("scope", "")})
        return 302, f"{params['redirect_uri']}?{query}"

    def token(self, form):
        if form.get("client_id") != self.client_id or form.get("client_secret") != self.client_secret:
            return 401, {"error": "invalid_client"}
        if form.get("grant_type") != "authorization_code":
            return 400, {"error": "unsupported_grant_type"}
        grant = self.codes.pop(form.get("code", ""), None)
        if grant is None or grant["redirect_uri"] != form.get("redirect_uri"):
            return 400, {"error": "invalid_grant"}
        verifier = form.get("code_verifier", "")
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        if challenge != grant["code_challenge"]:
            return 400, {"error": "invalid_grant", "error_description": "code_verifier does not match"}
        access_token = secrets.token_urlsafe(24)
        self.tokens[access_token] = grant["sub"]
        body = {"access_token": access_token, "expires_in": 3599, "token_type": "Bearer", "scope": grant["scope"]}
        if self.issue_id_token:
            user = self.users[grant["sub"]]
            now = int(time.time())
            claims = {"iss": self.issuer, "aud": self.client_id, "azp": self.client_id, "iat": now, "exp": now + 3600}
            claims.update({k: user[k] for k in ("sub", "email", "email_verified", "name", "given_name", "family_name")})
            # Google signs with RS256; the app does not check the signature of an id_token it fetched
            # itself over TLS (OpenID Connect Core 3.1.3.7), so any key serves here.
            body["id_token"] = jwt.encode(claims, "fake-google-signing-key-0123456789abcdef", algorithm="HS256")
        return 200, body

    def userinfo(self, authorization):
        scheme, _, token = (authorization or "").partition(" ")
        sub = self.tokens.get(token) if scheme == "Bearer" else None
        if sub is None:
            return 401, {"error": {"code": 401, "message": "Request is missing required authentication credential."}}
        user = self.users[sub]
        return 200, {
            "id": user["sub"],
            "email": user["email"],
            "verified_email": user["email_verified"],
            "name": user["name"],
            "given_name": user["given_name"],
            "family_name": user["family_name"],
            "picture": user["picture"],
        }


class _Handler(BaseHTTPRequestHandler):
    google: FakeGoogle

    def log_message(self, format, *args):
        pass

    def _reply(self, status, body):
        if status == 302:
            self.send_response(302)
            self.send_header("Location", body)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        url = urlsplit(self.path)
        params = {k: v[0] for k, v in parse_qs(url.query).items()}
        self.google.requests.append(("GET", url.path, params))
        if url.path == "/o/oauth2/v2/auth":
            self._reply(*self.google.authorize(params))
        elif url.path == "/oauth2/v2/userinfo":
            self._reply(*self.google.userinfo(self.headers.get("Authorization")))
        else:
            self._reply(404, {"error": "not_found"})

    def do_POST(self):
        url = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
        self.google.requests.append(("POST", url.path, form))
        if url.path == "/token":
            self._reply(*self.google.token(form))
        else:
            self._reply(404, {"error": "not_found"})
