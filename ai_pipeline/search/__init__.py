"""The archive search engine: Korean-aware hybrid retrieval (BM25 over Kiwi morphemes + e5 embeddings,
fused) with a relevance floor and near misses, over the index tables of ai_pipeline/models.py.

- engine.py: per-organization in-memory indexes, ranking, the relevance floor, hits re-read from the
  database (explain_search/search take a Scope: plain organization and meeting ids).
- chunking.py, text.py, embeddings.py, background.py: passages, morphemes, vectors, the floor's baselines.
- when.py: dates and periods in a query; suggest.py: near misses; present.py: an outcome in words.

The app searches through meetings.search (search, explain_search), which decides on every search what
the caller may see; meetings/search/indexing.py writes the index.
"""
