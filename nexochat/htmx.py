"""HTMX requests that want only a part of a page."""


def wants_fragment(request):
    """An HTMX swap asks for the page's fragment; a history restore (back button after the cache
    was dropped) asks for the whole page, so it renders with its layout."""
    return bool(request.htmx) and not request.htmx.history_restore_request
