"""What the judges that read a written policy share: gpt-oss-safeguard (`safeguard`),
Granite Guardian (`granite`), ShieldGemma (`shieldgemma`) and NemoGuard (`nemoguard`).

Each of these models was trained on its own prompt layout, and three of them ship it as
their chat template: the template takes the conversation plus a documented argument
(Granite's `guardian_config`, ShieldGemma's `guideline`, gpt-oss's `reasoning_effort`)
and writes the vendor's instructions around them. So constc never copies a vendor
template: it compiles what the template takes — the messages and those arguments, in
rows that `tokenizer.apply_chat_template(messages, **chat_template_kwargs)` or an
OpenAI-compatible server's `chat_template_kwargs` consume as they are — and labeling
renders them with the served model's own template (constc.label.Chat). Only NemoGuard,
whose instructions travel inside the user message, gets its prompt text from constc (the
`nemoguard.j2` template, which a project may override).

Every dialect's answer parser maps an answer back to principle IDs, or raises
`AnswerError` saying what is wrong with it: a malformed answer is never a silent label.
"""

from __future__ import annotations

from constc.targets import turns


class AnswerError(ValueError):
    """A judge's answer is not in the form its dialect asks for."""


def messages(case) -> list[dict]:
    """The case as chat messages: earlier turns, the prompt, and the response if any."""
    return [{"role": t.role, "content": t.content} for t in turns(case, case.response)]


def judged(case) -> str:
    """Whose message is judged: the assistant's when there is a response, else the user's."""
    return "assistant" if case.response is not None else "user"


def pairs(comp):
    """(principle, case) for every single-response or prompt-only case, by principle: the
    pairs the judge target labels."""
    from constc.targets.judge import judge_pairs

    return judge_pairs(comp)


def row(comp, p, case, chat, **extra) -> dict:
    """One compiled prompt: what the vendor's chat template takes, with the case's stamp."""
    spec = chat.spec
    return {"case_id": case.id, "mutation": case.mutation, "messages": spec["messages"],
            "chat_template_kwargs": spec["template_kwargs"], **extra, "expected": case.expected,
            **comp.stamp(p.id if p is not None else None)}
