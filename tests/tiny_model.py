"""A tiny randomly initialised Llama with a byte-level tokenizer, saved like a real checkpoint."""

from pathlib import Path

CHAT_TEMPLATE = ("{% for m in messages %}<|{{ m.role }}|>{{ m.content }}\n{% endfor %}"
                 "{% if add_generation_prompt %}<|assistant|>{% endif %}")


# Stand-ins for the policy judges' chat templates, written here: each takes the argument
# its vendor documents (Granite Guardian's guardian_config and think, ShieldGemma's
# guideline, gpt-oss's reasoning_effort) and lays the conversation out in its own way, so a
# test sees that constc passes the documented argument and scores after the template's own
# text. They are not the vendors' templates, which cannot be had here.
GRANITE_TEMPLATE = ("{% for m in messages %}<|start_of_role|>{{ m.role }}<|end_of_role|>{{ m.content }}<|end_of_text|>\n"
                    "{% endfor %}<|start_of_role|>criteria<|end_of_role|>{{ guardian_config.custom_criteria }}"
                    "{% if think %} (think){% endif %}<|end_of_text|>\n"
                    "{% if add_generation_prompt %}<|start_of_role|>assistant<|end_of_role|>{% endif %}")
SHIELDGEMMA_TEMPLATE = ("<bos>Policy: {{ guideline }}\n{% for m in messages %}<start_of_turn>{{ m.role }}\n"
                        "{{ m.content }}<end_of_turn>\n{% endfor %}Violates? ")
HARMONY_TEMPLATE = ("<|start|>system<|message|>Reasoning: {{ reasoning_effort }}<|end|>"
                    "{% for m in messages %}{% if m.role == 'system' %}<|start|>developer<|message|># Instructions\n\n"
                    "{{ m.content }}<|end|>{% else %}<|start|>{{ m.role }}<|message|>{{ m.content }}<|end|>{% endif %}"
                    "{% endfor %}{% if add_generation_prompt %}<|start|>assistant{% endif %}")
ARCHITECTURES = ("llama", "granite", "gemma2", "gpt_oss")


def make_tiny_model(dest: Path, chat: bool = True, seed: int = 0, max_positions: int = 1024,
                    head_dim: int = 8, arch: str = "llama", chat_template: str | None = None) -> Path:
    """head_dim 8 keeps the suite fast; vLLM's CPU attention needs head_dim 64 (the
    scale-out tier asks for it). `arch`: the real architecture (Granite Guardian is a
    Granite, ShieldGemma a Gemma 2, NemoGuard a Llama, gpt-oss-safeguard a gpt-oss)."""
    import torch
    import transformers
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    specials = ["<pad>", "<s>", "</s>"]
    alphabet = sorted(pre_tokenizers.ByteLevel.alphabet())
    vocab = {t: i for i, t in enumerate(specials + alphabet)}  # bytes only: every word splits into several tokens
    core = Tokenizer(models.BPE(vocab=vocab, merges=[], unk_token=None))
    core.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    core.decoder = decoders.ByteLevel()
    tok = PreTrainedTokenizerFast(tokenizer_object=core, bos_token="<s>", eos_token="</s>", pad_token="<pad>")
    if chat:
        tok.chat_template = chat_template or CHAT_TEMPLATE
    heads = 4 if head_dim == 8 else 2
    extra: dict = {}
    if arch == "gemma2":
        extra = {"head_dim": head_dim, "sliding_window": 64}
    elif arch == "gpt_oss":
        extra = {"head_dim": head_dim, "num_local_experts": 4, "num_experts_per_tok": 2, "sliding_window": 64,
                 "rope_parameters": {"rope_type": "default", "rope_theta": 150000.0}}
    names = {"llama": "Llama", "granite": "Granite", "gemma2": "Gemma2", "gpt_oss": "GptOss"}[arch]
    config = getattr(transformers, f"{names}Config")(
        vocab_size=len(vocab), hidden_size=heads * head_dim, intermediate_size=2 * heads * head_dim,
        num_hidden_layers=2, num_attention_heads=heads, num_key_value_heads=heads // 2,
        max_position_embeddings=max_positions, bos_token_id=1, eos_token_id=2, pad_token_id=0, **extra)
    torch.manual_seed(seed)
    model = getattr(transformers, f"{names}ForCausalLM")(config)
    dest.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(dest)
    tok.save_pretrained(dest)
    return dest
