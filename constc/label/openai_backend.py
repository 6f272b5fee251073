"""`--backend openai`: the planner's queries answered by an OpenAI-compatible
`/v1/completions` server that returns log-probabilities for chosen token ids (vLLM serve;
docs/scale.md says which versions and servers).

Prompts are sent as token ids made by the local copy of the model's tokenizer and chat
template (`--tokenizer`, default `--model` when it is a directory), never as text, so the
server's own templating cannot drift from ours; at start-up the server's `/tokenize` (where
it has one) must agree with the local tokenizer. Each query asks for exactly its children
(`logprob_token_ids`), which keeps the server's prefix cache; a server that rejects that
field gets each option teacher-forced with `echo` instead (exact, without prefix-cache
reads), with a warning. The API key comes from the environment (`CONSTC_API_KEY`), never
from the command line or constc.toml.
"""

from __future__ import annotations

import json
import math
import os
import random
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from constc.label import LabelError
from constc.label.planner import Plan, PlannedLabeler, Query, answers_from_options
from constc.label.tokens import Encoder

KEY_VARIABLE = "CONSTC_API_KEY"
MAX_RESPONSE_BYTES = 64 << 20  # a completions answer for 64 prompts is well under 1 MiB
READ_CHUNK = 1 << 16
PROBE_TEXT = "constc checks that this server tokenizes like the local tokenizer: 1, 2, 3."


class ServerError(LabelError):
    pass


class Refused(ServerError):
    """The server answered 4xx: it understood the request and will not serve it."""


MAX_WAIT = 60.0  # the longest a Retry-After is honoured for; longer: give up and say so


def retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header (a number, or an HTTP date); None when absent or
    unreadable."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    from email.utils import parsedate_to_datetime

    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def backoff(attempt: int, server_says: float | None) -> float:
    """The pause before retry `attempt + 1`: what the server asked for (capped), else
    exponential backoff with full jitter, so that many jobs do not retry in lockstep."""
    if server_says is not None:
        return min(server_says, MAX_WAIT)
    return random.uniform(0, min(8.0, 0.5 * 2 ** attempt))


class OpenAILabeler(PlannedLabeler):
    engine_name = "openai"
    batch_pairs = 64  # requests per committed chunk: a killed server or job loses at most this many

    def __init__(self, base_url: str, model: str, tokenizer: str | None = None, chat_template: bool = True,
                 timeout: float = 120.0, retries: int = 3, max_inflight: int = 8):
        self.base = base_url.rstrip("/")
        if not self.base.startswith(("http://", "https://")):
            raise LabelError(f"--base-url must be an http(s) URL such as http://127.0.0.1:8000/v1 (got {base_url!r})")
        self.name, self.timeout, self.retries, self.max_inflight = model, timeout, retries, max_inflight
        self.key = os.environ.get(KEY_VARIABLE)
        card = self._card()
        path = Path(tokenizer or model)
        if not path.is_dir():
            raise LabelError(f"--backend openai needs the model's tokenizer locally: pass --tokenizer DIR (a folder with "
                             f"tokenizer.json / tokenizer_config.json); {path} is not a folder")
        from transformers import AutoTokenizer

        super().__init__(Encoder(AutoTokenizer.from_pretrained(path), chat_template))
        self.chat = chat_template
        # the served name, not the URL: servers of one model share a cache, and a job resumes on
        # another server. The server cannot fingerprint its weights for us: the served root
        # names them, and the canary scored at the start of every job catches a swapped model.
        self.model_id = model
        self.revision = str(card.get("root") or model)
        self.max_len = int(card.get("max_model_len") or 2048)
        self.dtype = "server"
        self._check_tokenizer()
        self.route = "trie" if self._probe_token_ids() else "options"
        if self.route == "options":
            print(f"constc: warning: {self.base} rejects logprob_token_ids; scoring each option with echo (exact, "
                  "but without prefix-cache reads; a vLLM with logprob_token_ids on /v1/completions is faster)",
                  file=sys.stderr)

    # ---- HTTP ----------------------------------------------------------------------
    def _request(self, path: str, body: dict | None = None, root: bool = False) -> dict:
        url = (self.base.removesuffix("/v1") if root else self.base) + path
        data = None if body is None else json.dumps(body).encode("utf-8")
        req = urllib.request.Request(url, data=data, method="GET" if body is None else "POST")
        req.add_header("Content-Type", "application/json")
        if self.key:
            # unredirected: urllib copies ordinary headers onto a redirect, to any origin
            req.add_unredirected_header("Authorization", f"Bearer {self.key}")
        last: Exception | None = None
        for attempt in range(self.retries + 1):
            wait = None
            try:
                with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                    return self._body(resp, url)
            except urllib.error.HTTPError as err:
                # 408 and 429 say "not now": retry, when the server says after how long;
                # other 4xx: the server understood and refused, and retrying will not help
                if err.code < 500 and err.code not in (408, 429):
                    detail = self._scrub(err.read(4096).decode("utf-8", "replace")[:300])
                    raise Refused(f"{url}: HTTP {err.code}: {detail}") from None
                wait = retry_after(err.headers.get("Retry-After"))
                last = err
            except (urllib.error.URLError, OSError, json.JSONDecodeError, UnicodeDecodeError) as err:
                last = err
            if attempt < self.retries:
                time.sleep(backoff(attempt, wait))
        reason = getattr(last, "reason", last)
        raise LabelError(f"cannot reach {url}: {reason}; is the server running? (every finished batch is in the "
                         "label cache: rerun to resume)")

    def _body(self, resp, url: str) -> dict:
        """The JSON answer, read with a size cap and an overall deadline (`timeout` bounds
        each socket read only: a server dripping bytes would otherwise hold a job forever).
        NaN and infinities are refused: they are no probability."""
        deadline, parts, size = time.monotonic() + self.timeout, [], 0
        while True:
            chunk = resp.read1(READ_CHUNK)  # returns what one socket read brings: the deadline is checked often
            if not chunk:
                break
            size += len(chunk)
            if size > MAX_RESPONSE_BYTES:
                raise ServerError(f"{url}: answer larger than {MAX_RESPONSE_BYTES >> 20} MiB; refused")
            if time.monotonic() > deadline:
                raise ServerError(f"{url}: answer not complete after {self.timeout:g} s; refused")
            parts.append(chunk)

        def no_constant(name: str):
            raise ServerError(f"{url}: answer contains {name}, which is no number")

        value = json.loads(b"".join(parts).decode("utf-8"), parse_constant=no_constant)
        if not isinstance(value, dict):
            raise ServerError(f"{url}: the answer is not a JSON object")
        return value

    def _scrub(self, text: str) -> str:
        """Server text with the API key blanked: an error body may echo the request."""
        return text.replace(self.key, "[CONSTC_API_KEY]") if self.key else text

    def _card(self) -> dict:
        cards = self._request("/models").get("data") or []
        cards = [c for c in cards if isinstance(c, dict)] if isinstance(cards, list) else []
        for card in cards:
            if card.get("id") == self.name:
                return card
        served = ", ".join(str(c.get("id")) for c in cards) or "none"
        raise LabelError(f"{self.base} does not serve model {self.name!r} (it serves: {served}); pass --model NAME")

    def _check_tokenizer(self) -> None:
        try:
            got = self._request("/tokenize", {"model": self.name, "prompt": PROBE_TEXT, "add_special_tokens": False},
                                root=True).get("tokens")
        except Refused:
            return  # a server without /tokenize: nothing to compare with
        want = self.encoder.tok(PROBE_TEXT, add_special_tokens=False)["input_ids"]
        if got is not None and list(got) != list(want):
            raise LabelError(f"the local tokenizer does not match the one {self.base} serves {self.name} with; "
                             "pass --tokenizer with the served model's own tokenizer folder")

    def _probe_token_ids(self) -> bool:
        ids = self.encoder.tok(PROBE_TEXT, add_special_tokens=False)["input_ids"]
        try:
            out = self._completions([ids], kids=[ids[0], ids[1]])
        except Refused:
            return False
        try:
            top = out[0]["logprobs"]["top_logprobs"][0]
            return f"token_id:{ids[0]}" in top and f"token_id:{ids[1]}" in top
        except (KeyError, IndexError, TypeError):
            return False  # not the shape asked for: score each option with echo instead

    def _completions(self, prompts: list[list[int]], kids: list[int] | None = None) -> list[dict]:
        body: dict = {"model": self.name, "prompt": prompts, "max_tokens": 1, "temperature": 0.0,
                      "return_tokens_as_token_ids": True}
        if kids is None:
            body.update(echo=True, logprobs=1)
        else:
            body.update(logprobs=len(kids), logprob_token_ids=kids)
        choices = self._request("/completions", body).get("choices") or []
        if not isinstance(choices, list) or not all(isinstance(c, dict) for c in choices):
            raise ServerError(f"{self.base} answered choices that are not a list of objects")
        if len(choices) != len(prompts):
            raise LabelError(f"{self.base} answered {len(choices)} choices for {len(prompts)} prompts")
        return sorted(choices, key=lambda c: c.get("index") if isinstance(c.get("index"), int) else 0)

    # ---- generating ------------------------------------------------------------------
    def generate(self, requests) -> list[str]:
        """Greedy answers from /completions, prompts as token ids like every query, special
        tokens kept where the server allows it (vLLM's `skip_special_tokens`): a harmony
        answer's channels are read from them."""
        def run(r) -> str:
            ids = self.encoder.encode(r.prompt)
            room = max(0, min(r.generate, self.max_len - len(ids)))
            if room == 0:
                return ""
            body = {"model": self.name, "prompt": [ids], "max_tokens": room, "temperature": 0.0,
                    "skip_special_tokens": False}
            choices = self._request("/completions", body).get("choices") or []
            text = self._parsed(lambda: choices[0]["text"])
            if not isinstance(text, str):
                raise ServerError(f"{self.base} answered a completion whose text is not a string")
            return text

        with ThreadPoolExecutor(self.max_inflight) as pool:
            return list(pool.map(run, requests))

    # ---- scoring -------------------------------------------------------------------
    def answer(self, queries: list[Query], plans: list[Plan]) -> list[dict[int, float]]:
        if self.route == "options":
            return self._answer_options(plans)
        by_kids: dict[tuple[int, ...], list[int]] = {}  # one request per child set, many prompts each
        for i, q in enumerate(queries):
            by_kids.setdefault(q.kids, []).append(i)
        jobs = [(kids, members[at:at + 64]) for kids, members in by_kids.items() for at in range(0, len(members), 64)]
        answers: list[dict[int, float]] = [{} for _ in queries]

        def run(job):
            kids, members = job
            return job, self._completions([list(queries[i].ids) for i in members], list(kids))

        with ThreadPoolExecutor(self.max_inflight) as pool:
            for (kids, members), choices in pool.map(run, jobs):
                for i, choice in zip(members, choices):
                    answers[i] = self._parsed(lambda: {t: float(choice["logprobs"]["top_logprobs"][0][f"token_id:{t}"])
                                                       for t in kids})
        return answers

    def _parsed(self, read):
        """A value read from an answer, or a ServerError saying the answer is malformed."""
        try:
            value = read()
        except (KeyError, IndexError, TypeError, ValueError, AttributeError) as err:
            detail = self._scrub(str(err))[:100]
            raise ServerError(f"{self.base} answered in an unexpected shape ({type(err).__name__}: {detail}); is it "
                              "an OpenAI-compatible completions server?") from None
        if isinstance(value, str):
            return value
        numbers = value.values() if isinstance(value, dict) else value
        if any(not math.isfinite(x) or x > 0 for x in numbers):
            raise ServerError(f"{self.base} answered a log-probability that is not a finite number <= 0")
        return value

    def _answer_options(self, plans: list[Plan]) -> list[dict[int, float]]:
        prompts = [ids for p in plans for ids in p.option_prompts()]
        choices = []
        for at in range(0, len(prompts), 64):
            choices += self._completions(prompts[at:at + 64])
        answers, at = [], 0
        for p in plans:
            per_option = []
            for positions in p.option_positions():
                per_option.append(self._parsed(lambda: [float(choices[at]["logprobs"]["token_logprobs"][k])
                                                        for k in positions]))
                at += 1
            answers += answers_from_options(p, per_option)
        return answers
