"""Reading the page views' request parameters, where a missing or malformed value means "none given"."""

from nexochat.ids import MAX_ID


def int_or_none(value):
    """An id or count from a query string; a number no database column can hold counts as malformed."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if -MAX_ID - 1 <= number <= MAX_ID else None
