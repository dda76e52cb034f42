"""Security headers, the client address for the audit log, and per-user rate limits.

Content-Security-Policy: scripts only from our own origin, never inline (templates use
static/js files and data- attributes instead of onclick=...). Styles keep 'unsafe-inline':
templates set widths and speaker colours in style attributes, and a style cannot run code.
A view that sets its own Content-Security-Policy (recordings are served with "sandbox") keeps it.

Rate limits use Django's cache rather than django-ratelimit: one small decorator covers both the
function views and the DRF views, keys on the user (uploads and chat are per-person costs) and
shares the cache that allauth's login limits already use. With several web processes the cache
must be shared (REDIS_URL), or each process counts on its own."""

import base64
import functools
import hashlib
import re
import time
from urllib.parse import urlsplit

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse, JsonResponse
from django.urls import Resolver404, resolve
from django.utils.translation import gettext as _

from accounts.audit import reset_client_ip, set_client_ip

PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), "
    "payment=(), usb=(), interest-cohort=()"
)
# Pages that render a fixed inline bootstrap script of a third-party app and no user data: their
# own inline scripts are allowed by hash, nothing else is.
INLINE_SCRIPT_ROUTES = {"api:docs"}
_INLINE_SCRIPT = re.compile(rb"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", re.S | re.I)


def _origin(url):
    parts = urlsplit(url or "")
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


def content_security_policy(script_hashes=()):
    # Google sign-in posts a form to us that redirects to Google; browsers check form-action on redirects.
    google = _origin(getattr(settings, "GOOGLE_OAUTH_ENDPOINTS", {}).get("authorize", ""))
    form_action = " ".join(filter(None, ["'self'", google if getattr(settings, "GOOGLE_LOGIN_ENABLED", False) else ""]))
    scripts = " ".join(["'self'", *(f"'sha256-{h}'" for h in script_hashes)])
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src {scripts}",
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data: blob:",
            "media-src 'self' blob:",
            "font-src 'self' data:",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            f"form-action {form_action}",
            "frame-ancestors 'none'",
        ]
    )


def client_ip(request):
    """The peer address; X-Forwarded-For only when we sit behind our own proxy (BEHIND_PROXY)."""
    if getattr(settings, "SECURE_PROXY_SSL_HEADER", None):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[-1].strip() or None
    return request.META.get("REMOTE_ADDR") or None


def _route_name(request):
    match = getattr(request, "resolver_match", None)
    if match is None:
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return ""
    return match.view_name


def _inline_script_hashes(response):
    if getattr(response, "streaming", False):
        return []
    return [
        base64.b64encode(hashlib.sha256(body).digest()).decode() for body in _INLINE_SCRIPT.findall(response.content)
    ]


class SecurityHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = set_client_ip(client_ip(request))
        try:
            response = self.get_response(request)
        finally:
            reset_client_ip(token)
        if "Content-Security-Policy" not in response:
            hashes = _inline_script_hashes(response) if _route_name(request) in INLINE_SCRIPT_ROUTES else ()
            response["Content-Security-Policy"] = content_security_policy(hashes)
        response.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        response.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        response.setdefault("X-Content-Type-Options", "nosniff")
        return response


# --- rate limits ------------------------------------------------------------------------------

_PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_rate(rate):
    """ "20/h" -> (20, 3600); "5/30s" -> (5, 30)."""
    count, _slash, period = rate.partition("/")
    match = re.fullmatch(r"(\d*)([smhd])", period.strip())
    if not count.strip().isdigit() or match is None:
        raise ValueError(f"Bad rate {rate!r}: use N/s, N/m, N/h, N/d or N/<k><unit>")
    return int(count), int(match.group(1) or 1) * _PERIODS[match.group(2)]


def hit(scope, key, rate):
    """Count one use of `scope` by `key`; True while within `rate`. Fixed windows, atomic in the cache."""
    limit, window = parse_rate(rate)
    bucket = int(time.time() // window)
    cache_key = f"rl:{scope}:{key}:{bucket}"
    cache.add(cache_key, 0, timeout=window + 1)
    try:
        used = cache.incr(cache_key)
    except ValueError:  # expired between add and incr
        cache.set(cache_key, 1, timeout=window + 1)
        used = 1
    return used <= limit, window - int(time.time() % window)


def _find_request(args):
    for arg in args:
        if hasattr(arg, "META") and hasattr(arg, "user"):
            return arg
    raise TypeError("rate_limit needs a view that receives the request")


def _wants_json(request):
    return (
        request.path.startswith("/api/")
        or "json" in request.headers.get("accept", "")
        or request.headers.get("x-requested-with") == "XMLHttpRequest"
    )


def over_limit(request, scope):
    """Count one use of `scope` by the request's user (or, signed out, its address): 0 while within
    settings.RATE_LIMITS[scope] (or with no limit set), else the seconds until the window resets."""
    rate = getattr(settings, "RATE_LIMITS", {}).get(scope)
    if not rate:
        return 0
    user = getattr(request, "user", None)
    key = f"u{user.pk}" if user is not None and user.is_authenticated else f"ip{client_ip(request)}"
    allowed, retry_after = hit(scope, key, rate)
    return 0 if allowed else max(1, retry_after)


def too_many_requests(request, retry_after):
    """The 429 every rate limit answers: the API's error body (code "rate_limited") for the API and scripts,
    plain text for pages."""
    message = _("Too many requests. Try again in a little while.")
    if _wants_json(request):
        response = JsonResponse({"code": "rate_limited", "detail": message, "error": message}, status=429)
    else:
        response = HttpResponse(message, content_type="text/plain; charset=utf-8", status=429)
    response["Retry-After"] = str(retry_after)
    return response


def rate_limited(request, scope):
    """The 429 response once the request passes settings.RATE_LIMITS[scope] (counting it), else None. For
    views that count only some of their requests (an answer is counted when it is written, not when a
    saved one is read again)."""
    retry_after = over_limit(request, scope)
    return too_many_requests(request, retry_after) if retry_after else None


def rate_limit(scope, methods=("POST",)):
    """Refuse with 429 once a user (or, signed out, an address) passes settings.RATE_LIMITS[scope].

    Works on function views and on DRF view methods (the request is found among the arguments)."""

    def decorator(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            request = _find_request(args)
            if request.method in methods:
                refused = rate_limited(request, scope)
                if refused is not None:
                    return refused
            return view(*args, **kwargs)

        return wrapper

    return decorator
