"""Token ids for prompts and answer options, made by the model's own tokenizer and chat
template. Every backend encodes on the driver with this one class: engines and servers are
sent token ids, never text, so a server's own templating can never drift from ours."""

from __future__ import annotations

from constc.label import Chat, LabelError, Request


class Encoder:
    def __init__(self, tokenizer, chat_template: bool = True):
        self.tok = tokenizer
        self.use_chat = chat_template and bool(getattr(tokenizer, "chat_template", None))
        self._options: dict[str, list[int]] = {}
        self._encoded: dict[str, list[int]] = {}  # fits() and score() see the same prompt: encode once
        self._specials: list[str] | None = None  # the special tokens' texts, longest first

    def inert(self, text: str) -> str:
        """Case text in which no special token of the model's (`<|end|>`, `<end_of_turn>`)
        survives as one: the tokenizer would read it as the real token, and a case could
        close its own turn and write the judge's. A backslash goes before its last
        character, as constc.render.safety does for the markers of constc's own prompts."""
        if self._specials is None:
            added = getattr(self.tok, "added_tokens_decoder", {}) or {}
            names = set(getattr(self.tok, "all_special_tokens", []) or []) | {str(t) for t in added.values()}
            self._specials = sorted((n for n in names if len(n) > 1), key=len, reverse=True)
        for name in self._specials:
            if name in text:
                text = text.replace(name, name[:-1] + "\\" + name[-1])
        return text

    def render(self, chat: Chat) -> str:
        """The text the model's own chat template makes of a conversation, with the reply's
        fixed opening after it."""
        if not self.use_chat:
            raise LabelError("this judge is asked through the model's own chat template, and "
                             + ("--no-chat-template turns it off" if getattr(self.tok, "chat_template", None)
                                else "the model has none (a tokenizer_config.json without chat_template)"))
        spec = chat.spec
        messages = [{**m, "content": self.inert(m["content"])} for m in spec["messages"]]
        try:
            text = self.tok.apply_chat_template(messages, tokenize=False,
                                                add_generation_prompt=spec["generation_prompt"],
                                                **spec["template_kwargs"])
        except Exception as err:  # a template that rejects the conversation: its own message says why
            raise LabelError(f"the model's chat template refused the conversation: {err}") from None
        return text + spec["reply_prefix"]

    def encode(self, prompt: str) -> list[int]:
        ids = self._encoded.get(prompt)
        if ids is None:
            if len(self._encoded) > 4096:  # bounded: a job's prompts pass fits() then score() soon after
                self._encoded.clear()
            if isinstance(prompt, Chat):
                ids = self.tok(self.render(prompt), add_special_tokens=False)["input_ids"]
            elif self.use_chat:
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

    def chat_option_ids(self, chat: Chat, option: str) -> list[int]:
        """An option after a templated prompt: the tokens the whole text gets beyond the
        prompt's, so a reply that goes on from `reply_prefix` ("<score>" + " yes") is
        tokenised as the model would read it."""
        prompt = self.encode(chat)
        whole = self.tok(self.render(chat) + option, add_special_tokens=False)["input_ids"]
        if whole[:len(prompt)] != prompt or len(whole) == len(prompt):
            raise LabelError(f"answer option {option!r} does not tokenise apart from the prompt before it "
                             "(it merges with the reply's opening)")
        return whole[len(prompt):]

    def options(self, request: Request) -> list[list[int]]:
        if isinstance(request.prompt, Chat):
            opts = [self.chat_option_ids(request.prompt, o) for o in request.options]
        else:
            opts = [self.option_ids(o) for o in request.options]
        if len({tuple(o) for o in opts}) != len(opts):
            raise LabelError(f"answer options {request.options} encode to the same tokens")
        return opts

    def fits(self, prompt: str, options: tuple[str, ...], max_len: int) -> bool:
        def option_len(o: str) -> int:
            return len(self.chat_option_ids(prompt, o) if isinstance(prompt, Chat) else self.option_ids(o))

        return len(self.encode(prompt)) + max((option_len(o) for o in options), default=0) <= max_len
