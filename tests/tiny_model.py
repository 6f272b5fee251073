"""A tiny randomly initialised Llama with a byte-level tokenizer, saved like a real checkpoint."""

from pathlib import Path

CHAT_TEMPLATE = ("{% for m in messages %}<|{{ m.role }}|>{{ m.content }}\n{% endfor %}"
                 "{% if add_generation_prompt %}<|assistant|>{% endif %}")


def make_tiny_model(dest: Path, chat: bool = True, seed: int = 0, max_positions: int = 1024,
                    head_dim: int = 8) -> Path:
    """head_dim 8 keeps the suite fast; vLLM's CPU attention needs head_dim 64 (the
    scale-out tier asks for it)."""
    import torch
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers
    from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

    specials = ["<pad>", "<s>", "</s>"]
    alphabet = sorted(pre_tokenizers.ByteLevel.alphabet())
    vocab = {t: i for i, t in enumerate(specials + alphabet)}  # bytes only: every word splits into several tokens
    core = Tokenizer(models.BPE(vocab=vocab, merges=[], unk_token=None))
    core.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    core.decoder = decoders.ByteLevel()
    tok = PreTrainedTokenizerFast(tokenizer_object=core, bos_token="<s>", eos_token="</s>", pad_token="<pad>")
    if chat:
        tok.chat_template = CHAT_TEMPLATE
    heads = 4 if head_dim == 8 else 2
    config = LlamaConfig(vocab_size=len(vocab), hidden_size=heads * head_dim, intermediate_size=2 * heads * head_dim,
                         num_hidden_layers=2, num_attention_heads=heads, num_key_value_heads=heads // 2,
                         max_position_embeddings=max_positions,
                         bos_token_id=1, eos_token_id=2, pad_token_id=0)
    torch.manual_seed(seed)
    model = LlamaForCausalLM(config)
    dest.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(dest)
    tok.save_pretrained(dest)
    return dest
