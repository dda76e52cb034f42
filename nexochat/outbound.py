"""Which addresses the server may call on an organization's behalf (its LLM base URL).

An organization admin is a tenant, not the operator: a base URL on an internal address (the cloud
metadata service at 169.254.169.254, the database host, loopback) would make the workers send requests
inside the operator's network. Hosts that resolve to such an address are refused unless the operator
lists them in LLM_ALLOWED_HOSTS (host names, IP addresses or CIDR networks); public addresses are fine.
The check runs when the URL is saved and again before each request, since DNS answers can change; the
HTTP client then connects only to addresses it has just checked (nexochat/outbound_transport.py)."""

import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings


class URLRefused(Exception):
    """The URL's host is an internal address that LLM_ALLOWED_HOSTS does not list."""

    def __init__(self, host, address):
        super().__init__(
            f"{host} is an internal address ({address}); the server operator must list it in LLM_ALLOWED_HOSTS"
        )
        self.host = host
        self.address = address


class HostUnresolvable(URLRefused):
    def __init__(self, host, reason):
        Exception.__init__(self, f"{host} cannot be resolved ({reason})")
        self.host = host
        self.address = None


def check_url(url, allowed_hosts=None):
    """Raise URLRefused unless every address of the URL's host is public or allowed by LLM_ALLOWED_HOSTS."""
    checked_addresses(urlsplit(url).hostname or "", allowed_hosts)


def checked_addresses(host, allowed_hosts=None):
    """The host's addresses, each public or allowed (URLRefused otherwise), for connecting to exactly
    what was checked. None for a host LLM_ALLOWED_HOSTS lists by name: it is not resolved here."""
    allowed_hosts = settings.LLM_ALLOWED_HOSTS if allowed_hosts is None else allowed_hosts
    host = host.rstrip(".").lower()
    names, networks = _parse_allowed(allowed_hosts)
    if host in names:
        return None
    addresses = resolve(host)
    for address in addresses:
        if is_internal(address) and not any(address in network for network in networks):
            raise URLRefused(host, address)
    return addresses


def resolve(host):
    """The host's IP addresses (an IP literal is its own), IPv4-mapped IPv6 addresses as IPv4."""
    try:
        addresses = [ipaddress.ip_address(host)]
    except ValueError:
        try:
            infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
        except (OSError, UnicodeError) as exc:
            raise HostUnresolvable(host, exc) from exc
        addresses = [ipaddress.ip_address(info[4][0].partition("%")[0]) for info in infos]
    return [getattr(address, "ipv4_mapped", None) or address for address in addresses]


def is_internal(address):
    """Anything but a global unicast address. Loopback, private, link-local, unspecified, the shared
    address space (100.64.0.0/10) and the other special ranges are all not `is_global`; IPv6's reserved
    ranges (4000::/2 and others) and deprecated site-local addresses count as global, so they are named."""
    return (
        address.is_multicast or address.is_reserved or getattr(address, "is_site_local", False) or not address.is_global
    )


def _parse_allowed(entries):
    names, networks = set(), []
    for entry in entries:
        entry = entry.strip().rstrip(".").lower()
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            names.add(entry)
    return names, networks
