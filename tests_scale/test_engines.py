"""vLLM in-process against the transformers engine: the same numbers, and a prefix cache used."""

import pytest

from constc.label import Request

GUARD = ("safe",) + tuple(f"unsafe\nS{i}" for i in (1, 2, 10, 11))
OPTION_SETS = {"judge": (" Yes", " No"), "preference": (" (A)", " (B)"), "guard": GUARD}


@pytest.fixture(scope="module")
def engines(tiny):
    import torch

    from constc.label.engine import TransformersLabeler
    from constc.label.models import load, resolve_source
    from constc.label.vllm_backend import VLLMLabeler

    src = resolve_source(str(tiny))
    model, tok = load(src, torch.float32)
    reference = TransformersLabeler(model, tok, src.model_id, src.revision)
    vllm = VLLMLabeler(str(tiny), dtype="float32", enforce_eager=True, max_model_len=1024,
                       disable_log_stats=False)
    return reference, vllm


@pytest.mark.parametrize("target", sorted(OPTION_SETS))
@pytest.mark.parametrize("raw", [False, True])
def test_vllm_equals_transformers(engines, target, raw):
    reference, vllm = engines
    assert vllm.route == "trie"
    requests = [Request(f"A shared constitution prefix for {target}. Case {i}: does it violate?",
                        OPTION_SETS[target], target, raw) for i in range(6)]
    want, got = reference.score(requests), vllm.score(requests)
    for a, b in zip(got, want):
        assert a == pytest.approx(b, abs=1e-5)


def test_prefix_cache_serves_most_prompt_tokens(engines):
    _, vllm = engines
    prefix = "You judge whether a reply breaks the principle below. " * 12
    before = vllm.prefix_cache_hit_rate() or 0.0
    vllm.score([Request(prefix + f"Case {i}: is it allowed?", (" Yes", " No"), "g") for i in range(16)])
    rate = vllm.prefix_cache_hit_rate()
    assert rate is not None and rate > 0.5 and rate >= before, rate


def test_the_fallback_route_gives_the_same_numbers(engines):
    reference, vllm = engines
    requests = [Request(f"Fallback case {i}.", GUARD, "f") for i in range(3)]
    vllm.route = "options"
    try:
        got = vllm.score(requests)
    finally:
        vllm.route = "trie"
    for a, b in zip(got, reference.score(requests)):
        assert a == pytest.approx(b, abs=1e-5)
