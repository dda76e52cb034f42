"""Reading the page views' request parameters, where a missing or malformed value means "none given"."""


def int_or_none(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
