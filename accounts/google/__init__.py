"""Google login with endpoints taken from settings.GOOGLE_OAUTH_ENDPOINTS.

allauth's Google adapter reads its URLs once, at import. This package swaps in, through
SOCIALACCOUNT_PROVIDERS["google"]["provider_class"], a provider whose adapter reads them per
request, so a proxy (or the tests' local fake of Google) can stand in for Google."""
