"""The httpx transport for organization-set URLs: it connects to the addresses nexochat.outbound has just
checked, instead of letting the socket layer look the name up once more. Between a check and a second
lookup the DNS answer can change (DNS rebinding), and the request would go to an address nobody checked.

Only where the TCP connection goes changes. httpcore starts TLS on the connected socket with the URL's
host name, so the certificate is still verified for that name and SNI carries it; the Host header comes
from the URL as always. A host that LLM_ALLOWED_HOSTS lists by name is connected to as usual: the
operator trusts the name, whatever it resolves to.

httpx sends requests through a proxy from the environment (HTTPS_PROXY, ALL_PROXY) instead of this
transport; the proxy then looks the name up itself."""

import httpcore
import httpx

from nexochat import outbound

DEFAULT_LIMITS = httpx.Limits(max_connections=100, max_keepalive_connections=20)  # httpx's own


class CheckedAddressBackend(httpcore.NetworkBackend):
    """httpcore's synchronous backend, connecting to checked addresses rather than to host names."""

    def __init__(self):
        self._backend = httpcore.SyncBackend()

    def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):
        try:
            addresses = outbound.checked_addresses(host)
        except outbound.URLRefused as exc:
            raise httpcore.ConnectError(str(exc)) from exc
        if addresses is None:
            return self._backend.connect_tcp(host, port, timeout, local_address, socket_options)
        error = None
        for address in addresses:  # in the resolver's order, as socket.create_connection tries them
            try:
                return self._backend.connect_tcp(str(address), port, timeout, local_address, socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                error = exc
        raise error

    def connect_unix_socket(self, path, timeout=None, socket_options=None):
        return self._backend.connect_unix_socket(path, timeout, socket_options)

    def sleep(self, seconds):
        self._backend.sleep(seconds)


class CheckedAddressTransport(httpx.HTTPTransport):
    def __init__(self, verify=True, limits=DEFAULT_LIMITS):
        ssl_context = httpx.create_ssl_context(verify=verify)
        super().__init__(verify=ssl_context, limits=limits)
        # HTTPTransport takes no network backend but sends every request through self._pool: the same
        # pool, with the backend (httpx is pinned in requirements.txt; tests/platform/test_outbound_urls.py
        # fails if this stops taking effect).
        self._pool = httpcore.ConnectionPool(
            ssl_context=ssl_context,
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=CheckedAddressBackend(),
        )
