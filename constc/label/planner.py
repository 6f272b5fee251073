"""The scoring planner every engine backend shares: options as a token trie of next-token
queries, answered exactly by any engine that returns log-probabilities for chosen tokens.

An option's log-probability under teacher forcing is the sum, over its tokens, of
log P(token | prompt + the option's earlier tokens). Options that share their first tokens
share those terms, so the options become a trie: each internal node is one query
(the prompt plus the path to the node, and the node's children), and an option's sum is
read off its path. The result equals teacher forcing exactly (tests compare it with the
transformers engine to 1e-5). A token prefix common to *all* options adds the same amount
to each and cancels when they are normalised, so for normalised requests it is folded into
the prompt and never asked about; raw requests (summed log-probabilities) keep it.

An engine then only answers `Query`s: vLLM with `max_tokens=1` and `logprob_token_ids`,
which keeps its automatic prefix cache (a prompt-log-prob request would switch cache reads
off), or any engine by teacher forcing each option (`Query.option`, the fallback route).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Sequence

from constc.label import Request
from constc.label.tokens import Encoder


@dataclass(frozen=True)
class Query:
    """log P(t | ids) for each t in kids."""

    ids: tuple[int, ...]
    kids: tuple[int, ...]


@dataclass
class Plan:
    queries: list[Query]
    paths: list[list[tuple[int, int]]]   # per option: (query index, token) along its path
    raw: bool
    base: list[int] = field(default_factory=list)         # the prompt, plus any folded common prefix
    rests: list[list[int]] = field(default_factory=list)  # each option's tokens after the fold

    def option_prompts(self) -> list[list[int]]:
        """The fallback route's sequences: base + each option, to teacher-force whole."""
        return [self.base + rest for rest in self.rests]

    def option_positions(self) -> list[list[int]]:
        """Where each option's tokens sit in its option_prompts() sequence."""
        return [list(range(len(self.base), len(self.base) + len(rest))) for rest in self.rests]


def common_prefix(seqs: list[list[int]]) -> int:
    n = 0
    while all(len(s) > n for s in seqs) and len({s[n] for s in seqs}) == 1:
        n += 1
    return n


def plan(prompt: list[int], options: list[list[int]], raw: bool = False) -> Plan:
    # never fold a whole option away (one option a prefix of all others keeps its last token)
    fold = 0 if raw else min(common_prefix(options), min(len(o) for o in options) - 1)
    base = prompt + options[0][:fold]
    nodes: dict[tuple[int, ...], list[int]] = {}  # path below the fold -> children, in first-seen order
    for o in options:
        rest = o[fold:]
        for j in range(len(rest)):
            kids = nodes.setdefault(tuple(rest[:j]), [])
            if rest[j] not in kids:
                kids.append(rest[j])
    index = {path: i for i, path in enumerate(nodes)}
    queries = [Query(tuple(base) + path, tuple(kids)) for path, kids in nodes.items()]
    rests = [o[fold:] for o in options]
    paths = [[(index[tuple(rest[:j])], rest[j]) for j in range(len(rest))] for rest in rests]
    return Plan(queries, paths, raw, base, rests)


def answers_from_options(p: Plan, option_logprobs: Sequence[Sequence[float]]) -> list[dict[int, float]]:
    """The fallback route: when an engine can only teacher-force whole options (log P of
    each of `rests[k]`'s tokens after `base`), fill the plan's queries from those."""
    answers: list[dict[int, float]] = [{} for _ in p.queries]
    for path, lps in zip(p.paths, option_logprobs):
        for (q, tok), lp in zip(path, lps):
            answers[q][tok] = lp
    return answers


def combine(p: Plan, answers: Sequence[dict[int, float]]) -> list[float]:
    """The options' scores from the queries' answers: normalised probabilities, or for a
    raw plan each option's summed log-probability."""
    lps = [sum(answers[q][tok] for q, tok in path) for path in p.paths]
    if p.raw:
        return lps
    top = max(lps)
    exps = [math.exp(x - top) for x in lps]
    total = sum(exps)
    return [e / total for e in exps]


class PlannedLabeler:
    """A Labeler over an engine that answers next-token queries (subclasses implement
    `answer`). Encoding, the context check and the arithmetic happen here, on the driver."""

    engine_name = "planned"
    chat = True
    max_len = 2048

    def __init__(self, encoder: Encoder):
        self.encoder = encoder
        self.queries_sent = 0

    def fits(self, prompt: str, options: tuple[str, ...]) -> bool:
        return self.encoder.fits(prompt, options, self.max_len)

    def plans(self, requests: Sequence[Request]) -> list[Plan]:
        return [plan(self.encoder.encode(r.prompt), self.encoder.options(r), r.raw) for r in requests]

    def score(self, requests: Sequence[Request]) -> list[list[float]]:
        plans = self.plans(requests)
        flat = [q for p in plans for q in p.queries]
        answers = self.answer(flat, plans)
        self.queries_sent += len(flat)
        out, at = [], 0
        for p in plans:
            out.append(combine(p, answers[at:at + len(p.queries)]))
            at += len(p.queries)
        return out

    def answer(self, queries: list[Query], plans: list[Plan]) -> list[dict[int, float]]:
        raise NotImplementedError
