"""label: score eval cases against principles with a language model (needs constc[label])."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from constc.cli import EXIT_CLEAN, EXIT_FINDINGS, UsageError


class LazyLabeler:
    """The transformers labeler, loaded on first use: a run served wholly from the cache never
    loads the model or transformers (nor torch, when --dtype is given)."""

    def __init__(self, args):
        from constc.label.models import resolve_source

        self.args = args
        self.source = resolve_source(args.model)
        self.model_id, self.revision = self.source.model_id, self.source.revision
        self.chat = not args.no_chat_template  # the key records what was asked for
        self._engine = None
        self._dtype = None if args.dtype == "auto" else args.dtype

    @property
    def dtype(self) -> str:
        if self._dtype is None:
            self._dtype = str(self._resolve()[1]).removeprefix("torch.")
        from constc.label import DTYPE_ALIASES

        return DTYPE_ALIASES.get(self._dtype, self._dtype)

    @property
    def device(self) -> str:
        return self._engine.device if self._engine else self.args.device

    def _resolve(self):
        from constc.label import LabelError

        try:
            import torch  # noqa: F401
            import transformers  # noqa: F401
        except ImportError:
            raise LabelError("labeling needs the label extra: pip install 'constc[label]'") from None
        from constc.label.engine import pick_device, pick_dtype

        device = pick_device(self.args.device)
        return device, pick_dtype(self.args.dtype, device)

    def engine(self):
        if self._engine is None:
            from constc.label.engine import TransformersLabeler
            from constc.label.models import load

            device, dtype = self._resolve()
            model, tok = load(self.source, dtype, trust_remote_code=self.args.trust_remote_code)
            self._engine = TransformersLabeler(model, tok, self.model_id, self.revision, device=device,
                                               batch_size=self.args.batch_size, chat_template=self.chat)
        return self._engine

    def fits(self, prompt, options) -> bool:
        return self.engine().fits(prompt, options)

    def score(self, requests):
        return self.engine().score(requests)


def label_store(no_cache: bool):
    from constc.cache import cache_root
    from constc.label.store import LabelStore

    root = cache_root()
    return LabelStore(None if no_cache or root is None else root / "labels.sqlite")


def run_label(args) -> int:
    from constc.cli.compile_cmds import checked_context, make_compilation
    from constc.label import LabelError
    from constc.label.job import build_pairs, calibration, render_calibration, row, run

    ctx = checked_context(args.path, "human")
    if ctx is None:
        return EXIT_FINDINGS
    comp = make_compilation(ctx, args.locale, args.jurisdiction, args.mutations)
    try:
        labeler = LazyLabeler(args)
        pairs = build_pairs(comp, args.target, args.limit)
        if not pairs:
            raise LabelError(f"nothing to label: no eval case names a principle for target {args.target}")
        counts = run(labeler, pairs, label_store(args.no_cache), quiet=args.quiet)
    except LabelError as err:
        raise UsageError(str(err)) from None
    rows = [row(p, labeler) for p in pairs]
    text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
    if args.output == "-":
        sys.stdout.write(text)
    else:
        Path(args.output).parent.mkdir(parents=True, exist_ok=True)
        Path(args.output).write_text(text, encoding="utf-8")
    if args.report:
        print(render_calibration(calibration(rows)))
    where = labeler.device if labeler._engine else "no model loaded"
    print(f"labeled {counts['pairs']} pair(s) with {labeler.model_id} ({where}, {labeler.dtype}): "
          f"{counts['scored']} scored, {counts['cache_hits']} from cache, {counts['errors']} flagged; "
          f"{sum(r['truncated'] for r in rows)} truncated -> {args.output}", file=sys.stderr)
    return EXIT_CLEAN


def add_model_args(p) -> None:
    p.add_argument("--model", default="default", help="'default' (embedded SmolLM2-135M-Instruct), a model "
                   "directory, or a .gguf file")
    p.add_argument("--device", default="auto", help="auto, cpu or cuda (auto: cuda when present)")
    p.add_argument("--dtype", default="auto", help="auto, float32, bfloat16 or float16 (auto: bf16 on GPU)")
    p.add_argument("--batch-size", default="auto", help="rows per forward pass, or auto (halves on out-of-memory)")
    p.add_argument("--no-chat-template", action="store_true", help="score the raw prompt even if the model has one")
    p.add_argument("--trust-remote-code", action="store_true", help="allow a model's own Python code (off by default)")
    p.add_argument("--no-cache", action="store_true", help="do not read or write the label cache")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")


def register(sub) -> None:
    p = sub.add_parser("label", help="label eval cases against principles with a language model")
    p.add_argument("path", nargs="?", default=".")
    p.add_argument("--target", choices=["judge", "preference", "guard"], default="judge")
    p.add_argument("--locale")
    p.add_argument("--jurisdiction")
    p.add_argument("--mutations", default="none", help="mutation operators to label too: none (default), all, or a list")
    p.add_argument("--limit", type=int, help="label only the first N pairs")
    p.add_argument("-o", "--output", default="labels.jsonl", help="output JSONL ('-' for stdout)")
    p.add_argument("--report", action="store_true", help="print per-principle calibration (AUROC, accuracy)")
    add_model_args(p)
    p.set_defaults(run=run_label)
