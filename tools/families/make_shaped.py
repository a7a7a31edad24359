#!/usr/bin/env python3
"""Writes a model folder with the exact config and tensor shapes of a public checkpoint and random bf16 weights from a
seed (nothing is downloaded), for `sparsescope bench lm` and tools/families/peer_lm.py:

    /usr/bin/python3 tools/families/make_shaped.py gemma-2-2b /tmp/shaped/gemma-2-2b
    /usr/bin/python3 tools/families/make_shaped.py llama-3.2-1b /tmp/shaped/llama-3.2-1b
    /usr/bin/python3 tools/families/make_shaped.py llama-3.1-8b /tmp/shaped/llama-3.1-8b [--sparse]

--sparse writes each shard's header and leaves its data a hole of the right size (zeros, no disk used).

Tensors are written one at a time into shards of at most 2 GB with model.safetensors.index.json, so a 16 GB model
never sits in this script's memory. The tokenizer is make_tiny's byte-level one (the bench draws ids from the
config's vocabulary).
"""
import json
import os
import struct
import sys

import torch

sys.path.insert(0, os.path.dirname(__file__))
from make_tiny import V_SPECIALS, tokenizer_json  # noqa: E402

SHAPES = {
    # google/gemma-2-2b's config.json
    "gemma-2-2b": {"architectures": ["Gemma2ForCausalLM"], "model_type": "gemma2", "hidden_size": 2304,
                   "num_hidden_layers": 26, "num_attention_heads": 8, "num_key_value_heads": 4, "head_dim": 256,
                   "intermediate_size": 9216, "vocab_size": 256000, "rms_norm_eps": 1e-6,
                   "hidden_activation": "gelu_pytorch_tanh", "max_position_embeddings": 8192, "rope_theta": 10000.0,
                   "query_pre_attn_scalar": 256, "attn_logit_softcapping": 50.0, "final_logit_softcapping": 30.0,
                   "sliding_window": 4096, "tie_word_embeddings": True, "torch_dtype": "bfloat16"},
    # meta-llama/Llama-3.2-1B's config.json
    "llama-3.2-1b": {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": 2048,
                     "num_hidden_layers": 16, "num_attention_heads": 32, "num_key_value_heads": 8, "head_dim": 64,
                     "intermediate_size": 8192, "vocab_size": 128256, "rms_norm_eps": 1e-5, "hidden_act": "silu",
                     "max_position_embeddings": 131072, "rope_theta": 500000.0,
                     "rope_scaling": {"factor": 32.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
                                      "original_max_position_embeddings": 8192, "rope_type": "llama3"},
                     "tie_word_embeddings": True, "torch_dtype": "bfloat16"},
    # meta-llama/Llama-3.1-8B's config.json
    "llama-3.1-8b": {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": 4096,
                     "num_hidden_layers": 32, "num_attention_heads": 32, "num_key_value_heads": 8,
                     "intermediate_size": 14336, "vocab_size": 128256, "rms_norm_eps": 1e-5, "hidden_act": "silu",
                     "max_position_embeddings": 131072, "rope_theta": 500000.0,
                     "rope_scaling": {"factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
                                      "original_max_position_embeddings": 8192, "rope_type": "llama3"},
                     "tie_word_embeddings": False, "torch_dtype": "bfloat16"},
}


def shapes(c):
    d, f, v = c["hidden_size"], c["intermediate_size"], c["vocab_size"]
    hd = c.get("head_dim", d // c["num_attention_heads"])
    q, kv = c["num_attention_heads"] * hd, c["num_key_value_heads"] * hd
    gemma = c["model_type"].startswith("gemma")
    out = [("model.embed_tokens.weight", (v, d))]
    for l in range(c["num_hidden_layers"]):
        b = f"model.layers.{l}."
        out += [(b + "input_layernorm.weight", (d,)), (b + "post_attention_layernorm.weight", (d,))]
        if gemma:
            out += [(b + "pre_feedforward_layernorm.weight", (d,)), (b + "post_feedforward_layernorm.weight", (d,))]
        out += [(b + "self_attn.q_proj.weight", (q, d)), (b + "self_attn.k_proj.weight", (kv, d)),
                (b + "self_attn.v_proj.weight", (kv, d)), (b + "self_attn.o_proj.weight", (d, q)),
                (b + "mlp.gate_proj.weight", (f, d)), (b + "mlp.up_proj.weight", (f, d)),
                (b + "mlp.down_proj.weight", (d, f))]
    out.append(("model.norm.weight", (d,)))
    if not c["tie_word_embeddings"]:
        out.append(("lm_head.weight", (v, d)))
    return out, gemma


def main(name, out, sparse=False):
    c = SHAPES[name]
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "config.json"), "w") as f:
        json.dump(c, f, indent=2)
    with open(os.path.join(out, "tokenizer.json"), "w") as f:
        json.dump(tokenizer_json(V_SPECIALS, "<bos>"), f, ensure_ascii=False)
    tensors, gemma = shapes(c)
    g = torch.Generator().manual_seed(0)
    shards, current, size = [], [], 0
    for n, s in tensors:
        nbytes = 2 * int(torch.tensor(s).prod())
        if current and size + nbytes > 2_000_000_000:
            shards.append(current)
            current, size = [], 0
        current.append((n, s))
        size += nbytes
    shards.append(current)
    weight_map, total = {}, 0
    for i, shard in enumerate(shards):
        fname = f"model-{i + 1:05d}-of-{len(shards):05d}.safetensors"
        header, offset = {}, 0
        for n, s in shard:
            nbytes = 2 * int(torch.tensor(s).prod())
            header[n] = {"dtype": "BF16", "shape": list(s), "data_offsets": [offset, offset + nbytes]}
            offset += nbytes
            weight_map[n] = fname
        total += offset
        text = json.dumps(header, separators=(",", ":")).encode()
        text += b" " * ((8 - len(text) % 8) % 8)
        with open(os.path.join(out, fname), "wb") as f:
            f.write(struct.pack("<Q", len(text)))
            f.write(text)
            if sparse:  # headers and holes: enough to see whether the app opens it, in seconds
                f.truncate(8 + len(text) + offset)
                shard = []
            for n, s in shard:
                if len(s) == 1:  # norms: Gemma stores w for (1 + w), Llama the gain itself
                    t = torch.randn(s, generator=g) * 0.05 + (0 if gemma else 1)
                else:
                    t = torch.randn(s, generator=g) * s[-1] ** -0.5
                f.write(t.to(torch.bfloat16).view(torch.int16).numpy().tobytes())
        print("wrote", fname, flush=True)
    with open(os.path.join(out, "model.safetensors.index.json"), "w") as f:
        json.dump({"metadata": {"total_size": total}, "weight_map": weight_map}, f, indent=2)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], "--sparse" in sys.argv[3:])
