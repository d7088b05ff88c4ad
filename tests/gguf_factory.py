"""A tiny random-weight GGUF model that llama.cpp loads and generates from, in milliseconds.

Tests of the llama engine, the OpenAI engine (behind a real llama.cpp server) and the
jobs and CLI around them need a real model without downloading one.  This writes a
llama-architecture model with a SentencePiece vocabulary (byte fallback, a few hundred
tokens), 2 layers and 64-wide embeddings, using the ``gguf`` package.  Its weights are
random (seeded): it produces gibberish, deterministically under greedy decoding, which is
exactly what the engine's validation and retry paths need to be exercised on.
"""

from __future__ import annotations

import string
from pathlib import Path

import numpy as np

N_EMBD = 64
N_LAYERS = 2
N_HEADS = 4
N_HEADS_KV = 2
N_FF = 128
CONTEXT_LENGTH = 2048

# A chat template, so that the llama.cpp server can serve /v1/chat/completions.
CHAT_TEMPLATE = (
    "{% for message in messages %}{{ message['role'] }}: {{ message['content'] }}\n{% endfor %}"
    "{% if add_generation_prompt %}assistant:{% endif %}"
)

_TOKEN_NORMAL, _TOKEN_UNKNOWN, _TOKEN_CONTROL, _TOKEN_BYTE = 1, 2, 3, 6


def _vocabulary() -> tuple[list[str], list[float], list[int]]:
    tokens = ["<unk>", "<s>", "</s>"]
    types = [_TOKEN_UNKNOWN, _TOKEN_CONTROL, _TOKEN_CONTROL]
    tokens += [f"<0x{byte:02X}>" for byte in range(256)]
    types += [_TOKEN_BYTE] * 256
    pieces = ["▁"] + list(string.ascii_letters + string.digits + ".,;:!?'\"-()<>/")
    pieces += [f"▁{word}" for word in "the a of and to in is on for le la de et les des un une est".split()]
    tokens += pieces
    types += [_TOKEN_NORMAL] * len(pieces)
    # SentencePiece scores: longer pieces first, so that words merge before letters.
    scores = [0.0] * (3 + 256) + [-float(i) / 10 - (0 if len(p) > 2 else 50) for i, p in enumerate(pieces)]
    return tokens, scores, types


def write_tiny_gguf(path: Path, seed: int = 0) -> Path:
    """Write the tiny model to ``path`` (a few hundred KB) and return ``path``."""
    import gguf  # test-only dependency

    tokens, scores, types = _vocabulary()
    rng = np.random.default_rng(seed)

    def weight(*shape: int) -> np.ndarray:
        return rng.normal(0.0, 0.5, size=shape).astype(np.float32)

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    writer = gguf.GGUFWriter(str(path), "llama")
    writer.add_name("relais-tiny-random")
    writer.add_context_length(CONTEXT_LENGTH)
    writer.add_embedding_length(N_EMBD)
    writer.add_block_count(N_LAYERS)
    writer.add_feed_forward_length(N_FF)
    writer.add_head_count(N_HEADS)
    writer.add_head_count_kv(N_HEADS_KV)
    writer.add_layer_norm_rms_eps(1e-5)
    writer.add_rope_dimension_count(N_EMBD // N_HEADS)
    writer.add_vocab_size(len(tokens))
    writer.add_file_type(gguf.LlamaFileType.ALL_F32)
    writer.add_tokenizer_model("llama")
    writer.add_tokenizer_pre("default")
    writer.add_token_list(tokens)
    writer.add_token_scores(scores)
    writer.add_token_types(types)
    writer.add_unk_token_id(0)
    writer.add_bos_token_id(1)
    writer.add_eos_token_id(2)
    writer.add_add_bos_token(True)
    writer.add_add_eos_token(False)
    writer.add_chat_template(CHAT_TEMPLATE)

    n_vocab, kv_width = len(tokens), N_EMBD // N_HEADS * N_HEADS_KV
    ones = np.ones(N_EMBD, dtype=np.float32)
    writer.add_tensor("token_embd.weight", weight(n_vocab, N_EMBD))
    for layer in range(N_LAYERS):
        prefix = f"blk.{layer}"
        writer.add_tensor(f"{prefix}.attn_norm.weight", ones)
        writer.add_tensor(f"{prefix}.attn_q.weight", weight(N_EMBD, N_EMBD))
        writer.add_tensor(f"{prefix}.attn_k.weight", weight(kv_width, N_EMBD))
        writer.add_tensor(f"{prefix}.attn_v.weight", weight(kv_width, N_EMBD))
        writer.add_tensor(f"{prefix}.attn_output.weight", weight(N_EMBD, N_EMBD))
        writer.add_tensor(f"{prefix}.ffn_norm.weight", ones)
        writer.add_tensor(f"{prefix}.ffn_gate.weight", weight(N_FF, N_EMBD))
        writer.add_tensor(f"{prefix}.ffn_up.weight", weight(N_FF, N_EMBD))
        writer.add_tensor(f"{prefix}.ffn_down.weight", weight(N_EMBD, N_FF))
    writer.add_tensor("output_norm.weight", ones)
    writer.add_tensor("output.weight", weight(n_vocab, N_EMBD))

    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return path
