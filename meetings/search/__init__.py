"""Archive search and its index: the search page and API (views.py), the app's entry to the search
engine (scope.py: what the caller may see, decided on every search), the indexer (indexing.py), the
corpus importer (importer.py) and the index task (tasks.py).

    from meetings.search import search, explain_search
"""

from .scope import explain_search, search

__all__ = ["explain_search", "search"]
