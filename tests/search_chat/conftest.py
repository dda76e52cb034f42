"""Search and chat: the models (Kiwi, the embedding engine) load once per session before the first of these
tests, and every test starts and ends with an empty search-index cache. Meetings to search are made with
tests/support/search_archive.py."""

import pytest

from ai_pipeline.llm import get_provider
from ai_pipeline.search import engine
from tests.support.fakes.clova import FakeClova
from tests.support.milvus import milvus_backend, milvus_server  # noqa: F401 (fixtures: the Milvus backend's tests)


@pytest.fixture(scope="session", autouse=True)
def warm_models():
    from ai_pipeline.search.embeddings import get_engine
    from ai_pipeline.search.text import get_kiwi

    get_kiwi()
    get_engine()


@pytest.fixture(autouse=True)
def fresh_search_index():
    engine.clear_cache()
    yield
    engine.clear_cache()


@pytest.fixture
def offline():
    return get_provider("offline")


@pytest.fixture
def clova():
    with FakeClova() as fake:
        yield fake
