"""Every URL pattern the project answers, for the tests that try each one (isolation, bad input)."""

from django.urls import URLPattern, URLResolver, get_resolver


def _walk(resolver, prefix="", namespace=None, kwargs=()):
    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern)
        groups = tuple(entry.pattern.regex.groupindex)
        if isinstance(entry, URLResolver):
            ns = entry.namespace
            full_ns = ":".join(filter(None, [namespace, ns])) if ns else namespace
            yield from _walk(entry, route, full_ns, kwargs + groups)
        elif isinstance(entry, URLPattern):
            name = f"{namespace}:{entry.name}" if namespace and entry.name else entry.name
            yield route, name, kwargs + groups


def url_routes(skip=()):
    """[(view name, URL kwargs, route)], one per name and set of kwargs, leaving out routes under `skip`."""
    seen = {}
    for route, name, kwargs in _walk(get_resolver()):
        if route.startswith(tuple(skip)):
            continue
        seen.setdefault((name, tuple(sorted(set(kwargs)))), route)
    return [(name, kwargs, route) for (name, kwargs), route in seen.items()]
