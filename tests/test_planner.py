"""The scoring planner: the token trie of next-token queries equals teacher forcing."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from constc.label import Request
from constc.label.planner import PlannedLabeler, Query, answers_from_options, combine, plan

# ---- pure: the trie itself --------------------------------------------------------


@st.composite
def option_sets(draw):
    n = draw(st.integers(2, 6))
    opts = draw(st.lists(st.lists(st.integers(0, 5), min_size=1, max_size=5), min_size=n, max_size=n,
                         unique_by=tuple))
    return opts


def fake_logprob(ids, tok):
    """A deterministic 'model': any function of the context and the token will do."""
    return -((hash((tuple(ids), tok)) % 1000) / 100.0) - 0.01


@given(option_sets(), st.lists(st.integers(0, 5), min_size=1, max_size=4), st.booleans())
@settings(max_examples=200, deadline=None)
def test_trie_equals_teacher_forcing_on_any_option_set(options, prompt, raw):
    p = plan(prompt, options, raw)
    answers = [{t: fake_logprob(q.ids, t) for t in q.kids} for q in p.queries]
    got = combine(p, answers)
    forced = [sum(fake_logprob(prompt + o[:j], o[j]) for j in range(len(o))) for o in options]
    if raw:
        assert got == pytest.approx(forced, abs=1e-9)
    else:
        import math

        z = max(forced)
        total = sum(math.exp(x - z) for x in forced)
        assert got == pytest.approx([math.exp(x - z) / total for x in forced], abs=1e-9)
    # one query per internal trie node below the fold, never more
    fold = len(p.base) - len(prompt)
    internal = {tuple(o[fold:][:j]) for o in options for j in range(len(o) - fold)}
    assert len(p.queries) == len(internal)


def test_an_option_that_is_a_token_prefix_of_another():
    # "S1" and "S10": the shorter option ends at an internal node of the longer one
    p = plan([7], [[1, 2], [1, 2, 0], [3]])
    assert [q.kids for q in p.queries] == [(1, 3), (2,), (0,)]
    assert p.paths[0] == [(0, 1), (1, 2)] and p.paths[1] == [(0, 1), (1, 2), (2, 0)]


def test_common_prefix_folds_for_normalised_and_stays_for_raw():
    options = [[5, 6, 1], [5, 6, 2]]
    assert plan([9], options).queries == [Query((9, 5, 6), (1, 2))]
    assert len(plan([9], options, raw=True).queries) == 3


def test_fallback_route_fills_the_same_answers():
    p = plan([4], [[1, 2], [1, 3], [5]])
    per_option = [[fake_logprob([4] + o[:j], o[j]) for j in range(len(o))] for o in ([1, 2], [1, 3], [5])]
    direct = [{t: fake_logprob(q.ids, t) for t in q.kids} for q in p.queries]
    assert combine(p, answers_from_options(p, per_option)) == pytest.approx(combine(p, direct))


# ---- against the real transformers engine -----------------------------------------

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")


class ForwardQueries(PlannedLabeler):
    """Answers each query with one plain forward pass of the tiny model: no batching, no KV
    sharing, nothing clever, so it is an independent check of the engine."""

    engine_name = "test-forward"

    def __init__(self, model, tok, chat):
        from constc.label.tokens import Encoder

        super().__init__(Encoder(tok, chat))
        self.model = model

    def answer(self, queries, plans):
        out = []
        for q in queries:
            with torch.no_grad():
                logits = self.model(input_ids=torch.tensor([list(q.ids)])).logits[0, -1].float()
            logp = torch.log_softmax(logits, -1)
            out.append({t: logp[t].item() for t in q.kids})
        return out


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    from tiny_model import make_tiny_model

    return make_tiny_model(tmp_path_factory.mktemp("tiny") / "model")


GUARD = ("safe",) + tuple(f"unsafe\nS{i}" for i in (1, 2, 10, 11))


@pytest.mark.model
@pytest.mark.parametrize("chat", [True, False])
@pytest.mark.parametrize("options, raw", [((" Yes", " No"), False), ((" (A)", " (B)"), False), (GUARD, False),
                                          ((" Yes", " No"), True)])
def test_trie_route_equals_the_transformers_engine(tiny, chat, options, raw):
    from constc.label.engine import TransformersLabeler
    from constc.label.models import load, resolve_source

    src = resolve_source(str(tiny))
    model, tok = load(src, torch.float32)
    engine = TransformersLabeler(model, tok, src.model_id, src.revision, chat_template=chat)
    planned = ForwardQueries(model, tok, chat)
    requests = [Request(f"Principle {i % 2}: case {i}. Does it violate?", options, f"g{i % 2}", raw)
                for i in range(5)]
    want = engine.score(requests)
    got = planned.score(requests)
    for a, b in zip(got, want):
        assert a == pytest.approx(b, abs=1e-5)
    assert planned.queries_sent > len(requests)  # byte-level tokens: several queries per request
