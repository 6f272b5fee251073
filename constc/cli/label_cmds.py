"""label: score eval cases against principles with a language model (needs constc[label])."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from constc.cli import EXIT_CLEAN, UsageError


def model_kwargs(args) -> dict:
    """The model options every labeling command shares, as API keyword arguments."""
    from constc.label.backends import ModelSpec

    spec = ModelSpec(model=args.model, device=args.device, dtype=args.dtype, batch_size=args.batch_size,
                     chat_template=not args.no_chat_template, trust_remote_code=args.trust_remote_code,
                     backend=args.backend, base_url=args.base_url, tokenizer=args.tokenizer,
                     ray_address=args.ray_address, ray_engine=args.ray_engine, ray_actors=args.ray_actors,
                     ray_gpus=args.ray_gpus)
    return {"judge": spec, "no_cache": args.no_cache, "quiet": args.quiet, "method": args.method}


def run_label(args) -> int:
    from constc import api
    from constc.label.job import calibration, render_calibration

    if args.quiet:
        quiet_progress_bars()
    output = writable_output(args.output)
    result = api.label(args.path, target=args.target, locale=args.locale, jurisdiction=args.jurisdiction,
                       mutations=args.mutations, limit=args.limit, control=args.report, **model_kwargs(args))
    rows, counts, labeler = result.rows, result.counts, result.labeler
    text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
    if output is None:
        sys.stdout.write(text)
    else:
        from constc.cache import write_atomic

        write_atomic(output, text.encode("utf-8"))
    if args.report:
        cfg = result.ctx.project.config.regress
        stats = calibration(rows, cfg.false_flag_rate, cfg.alpha, cfg.sensitivity_margin)
        report = json.dumps({"method": result.method, "model": labeler.model_id, "principles": stats}, indent=2) \
            if args.format == "json" else f"method {result.method}, model {labeler.model_id}\n" + \
            render_calibration(stats)
        print(report, file=sys.stderr if output is None else sys.stdout)
    from constc.label.lazy import LazyLabeler

    where = labeler.device if isinstance(labeler, LazyLabeler) and labeler.loaded else "no model loaded"
    flagged = sum(r.get("predicted") == "violates" for r in rows)
    locales = ", ".join(sorted({r["locale"] or "-" for r in rows}))
    print(f"labeled {counts['pairs']} pair(s) in {locales} with {labeler.model_id} ({where}, {labeler.dtype}, "
          f"method {result.method}): {counts['scored']} prompt(s) scored, {counts['cache_hits']} pair(s) from "
          f"cache; {flagged} flagged as violating, {counts['errors']} error(s), "
          f"{sum(r['truncated'] for r in rows)} truncated -> {args.output}", file=sys.stderr)
    if "control_scored" in counts:
        print(f"--report: every pair also scored under the control principle (the principle-sensitivity check): "
              f"{counts['control_scored']} prompt(s) scored, the rest from cache", file=sys.stderr)
    default_model_note(args)
    if result.skipped_locales:
        print(f"note: eval cases in {', '.join(result.skipped_locales)} were not labeled: "
              f"{'not the --locale asked for' if args.locale else 'not declared in the header'}", file=sys.stderr)
    return EXIT_CLEAN


def writable_output(name: str | None) -> Path | None:
    """Check an -o file before any work (scoring can take minutes): None for stdout."""
    if name in (None, "-"):
        return None
    path = Path(name)
    if path.is_dir() or (path.exists() and not path.is_file()):
        raise UsageError(f"-o {name}: cannot write there (a directory or a special file)")
    parent = path.parent if str(path.parent) else Path(".")
    if parent.exists() and not parent.is_dir():
        raise UsageError(f"-o {name}: cannot write there ({parent} is not a directory)")
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise UsageError(f"-o {name}: cannot write there ({err.strerror or err})") from None
    if not os.access(parent, os.W_OK):
        raise UsageError(f"-o {name}: cannot write there (no permission)")
    return path


def default_model_note(args) -> None:
    """Said whenever the embedded default model labels (docs/labeling.md)."""
    if args.model == "default":
        from constc.label.models import DEFAULT_MODEL_NOTE

        print(DEFAULT_MODEL_NOTE, file=sys.stderr)


def quiet_progress_bars() -> None:
    """-q: no progress bar of ours, and none of transformers' or huggingface_hub's either."""
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    os.environ.setdefault("TQDM_DISABLE", "1")


def add_model_args(p) -> None:
    from constc.label.methods import METHODS

    p.add_argument("--model", default="default", help="'default' (embedded SmolLM2-135M-Instruct: real, but "
                   "at chance on our eval suite, so for trying constc, not for gating), a model directory, "
                   "or a .gguf file")
    p.add_argument("--device", default="auto", help="auto, cpu or cuda (auto: cuda when present)")
    p.add_argument("--dtype", default="auto", help="auto, float32, bfloat16 or float16 (auto: bf16 on GPU)")
    p.add_argument("--batch-size", default="auto", help="rows per forward pass, or auto (halves on out-of-memory)")
    p.add_argument("--no-chat-template", action="store_true", help="score the raw prompt even if the model has one")
    p.add_argument("--trust-remote-code", action="store_true", help="allow a model's own Python code (off by default)")
    p.add_argument("--no-cache", action="store_true", help="do not read or write the label cache")
    p.add_argument("--method", choices=list(METHODS),
                   help="how the judge scores a case: yesno, fewshot, likelihood (constc's own prompts), or a "
                   "judge that reads a written policy in its own format: granite, shieldgemma, nemoguard, "
                   "safeguard (default: [label] method in constc.toml, else the default method; see "
                   "docs/labeling.md)")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bars")
    g = p.add_argument_group("engines (docs/scale.md)")
    g.add_argument("--backend", choices=["transformers", "vllm", "openai", "ray"],
                   help="what scores: transformers in this process (default), vllm in this process, an "
                   "OpenAI-compatible server (openai), or Ray actors (default: [label] backend, else transformers)")
    g.add_argument("--base-url", help="openai: the server, e.g. http://127.0.0.1:8000/v1 (the API key is read from "
                   "$CONSTC_API_KEY, never from a flag)")
    g.add_argument("--tokenizer", help="openai: the served model's tokenizer folder (default: --model, when it is a "
                   "folder)")
    g.add_argument("--ray-address", help="ray: an existing cluster's address (default: a private local cluster)")
    g.add_argument("--ray-engine", choices=["transformers", "vllm"], default="transformers",
                   help="ray: what each actor runs (default: transformers)")
    g.add_argument("--ray-actors", type=int, default=1, help="ray: how many actors score at once (default 1)")
    g.add_argument("--ray-gpus", type=float, default=0, help="ray: GPUs per actor (default 0)")


def register(sub) -> None:
    p = sub.add_parser("label", help="label eval cases against principles with a language model")
    p.add_argument("path", nargs="?", default=".", help="the project (default: the current directory)")
    p.add_argument("--target", choices=["judge", "preference", "guard"], default="judge",
                   help="which prompts to score (default: judge)")
    p.add_argument("--locale", help="label this locale only (default: the default locale and every declared one)")
    p.add_argument("--jurisdiction", help="resolve the principles for this jurisdiction")
    p.add_argument("--mutations", default="none", help="mutation operators to label too: none (default), all, or a list")
    p.add_argument("--limit", type=int, help="label only the first N pairs")
    p.add_argument("-o", "--output", default="labels.jsonl", help="output JSONL ('-' for stdout)")
    p.add_argument("--report", action="store_true", help="print per-principle calibration: AUROC with 95%% CI, "
                   "judge validity, suggested thresholds")
    p.add_argument("--format", choices=["human", "json"], default="human", help="format of the --report")
    add_model_args(p)
    p.set_defaults(run=run_label)
