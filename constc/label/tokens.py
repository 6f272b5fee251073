"""Token ids for prompts and answer options, made by the model's own tokenizer and chat
template. Every backend encodes on the driver with this one class: engines and servers are
sent token ids, never text, so a server's own templating can never drift from ours."""

from __future__ import annotations

from constc.label import LabelError, Request


class Encoder:
    def __init__(self, tokenizer, chat_template: bool = True):
        self.tok = tokenizer
        self.use_chat = chat_template and bool(getattr(tokenizer, "chat_template", None))
        self._options: dict[str, list[int]] = {}
        self._encoded: dict[str, list[int]] = {}  # fits() and score() see the same prompt: encode once

    def encode(self, prompt: str) -> list[int]:
        ids = self._encoded.get(prompt)
        if ids is None:
            if len(self._encoded) > 4096:  # bounded: a job's prompts pass fits() then score() soon after
                self._encoded.clear()
            if self.use_chat:
                text = self.tok.apply_chat_template([{"role": "user", "content": prompt}], tokenize=False,
                                                    add_generation_prompt=True)
                ids = self.tok(text, add_special_tokens=False)["input_ids"]
            else:
                ids = self.tok(prompt)["input_ids"]
            self._encoded[prompt] = ids
        return ids

    def option_ids(self, option: str) -> list[int]:
        """Tokens of an option; in a chat the reply starts a new turn, so no leading space."""
        if option not in self._options:
            text = option.lstrip() if self.use_chat else option
            ids = self.tok(text, add_special_tokens=False)["input_ids"]
            if not ids:
                raise LabelError(f"answer option {option!r} encodes to no tokens")
            self._options[option] = ids
        return self._options[option]

    def options(self, request: Request) -> list[list[int]]:
        opts = [self.option_ids(o) for o in request.options]
        if len({tuple(o) for o in opts}) != len(opts):
            raise LabelError(f"answer options {request.options} encode to the same tokens")
        return opts

    def fits(self, prompt: str, options: tuple[str, ...], max_len: int) -> bool:
        return len(self.encode(prompt)) + max(len(self.option_ids(o)) for o in options) <= max_len
