#!/usr/bin/env python3
"""Writes the tiny Llama, Qwen2, Qwen3, Gemma 2 and Gemma 3 models the tests run, in the exact Hugging Face
layout (config.json spelled as real checkpoints spell it, bf16 safetensors, one model sharded with an index), and
their reference logits and hook values.

transformers cannot be installed on the machines this was written on (no PyPI), so the references come from a
plain-PyTorch transcription of transformers' modeling files; each step below names the line it follows. Run with
Debian's python3-torch (1.13):

    /usr/bin/python3 tools/families/make_tiny.py compute/src/test/resources/families

Nothing is downloaded; weights are random from fixed seeds.
"""
import json
import math
import os
import struct
import sys

import torch

# ---------------------------------------------------------------------------------------------------------------
# safetensors, written by hand (the safetensors package is not installed): 8-byte header length, JSON header, data


def write_safetensors(path, tensors, metadata=None):
    header, blobs, offset = {}, [], 0
    for name, t in tensors.items():
        if t.dtype == torch.bfloat16:
            data, dtype = t.contiguous().view(torch.int16).numpy().tobytes(), "BF16"
        elif t.dtype == torch.int64:
            data, dtype = t.contiguous().numpy().tobytes(), "I64"
        else:
            data, dtype = t.float().contiguous().numpy().tobytes(), "F32"
        header[name] = {"dtype": dtype, "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    if metadata:
        header["__metadata__"] = metadata
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for b in blobs:
            f.write(b)


# ---------------------------------------------------------------------------------------------------------------
# A byte-level tokenizer.json: 256 byte tokens, then the special tokens; with or without a BOS post-processor.


def byte_alphabet():
    # tokenizers' ByteLevel alphabet (GPT-2's bytes_to_unicode)
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return {b: chr(c) for b, c in zip(bs, cs)}


def tokenizer_json(specials, bos):
    alphabet = byte_alphabet()
    vocab = {alphabet[b]: b for b in range(256)}
    added = []
    for i, s in enumerate(specials):
        vocab[s] = 256 + i
        added.append({"id": 256 + i, "content": s, "single_word": False, "lstrip": False, "rstrip": False,
                      "normalized": False, "special": True})
    if bos is None:
        post = {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": False, "use_regex": False}
    else:
        bos_id = vocab[bos]
        post = {"type": "TemplateProcessing",
                "single": [{"SpecialToken": {"id": bos, "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}],
                "pair": [{"SpecialToken": {"id": bos, "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                         {"Sequence": {"id": "B", "type_id": 1}}],
                "special_tokens": {bos: {"id": bos, "ids": [bos_id], "tokens": [bos]}}}
    return {"version": "1.0", "truncation": None, "padding": None, "added_tokens": added, "normalizer": None,
            "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True},
            "post_processor": post,
            "decoder": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True, "use_regex": True},
            "model": {"type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": None,
                      "end_of_word_suffix": None, "fuse_unk": False, "byte_fallback": False, "vocab": vocab,
                      "merges": []}}


# ---------------------------------------------------------------------------------------------------------------
# The forward pass, transcribed. `s` holds the settings read from the config as transformers reads them.


def rms_norm(x, w, eps, gemma):
    x32 = x.float()
    out = x32 * torch.rsqrt(x32.pow(2).mean(-1, keepdim=True) + eps)  # LlamaRMSNorm / Gemma2RMSNorm._norm
    out = out * (1.0 + w.float()) if gemma else w.float() * out.to(x.dtype)  # Gemma: output * (1.0 + weight.float())
    return out.to(x.dtype)


def inv_freq(rope, dim):
    # modeling_rope_utils._compute_default_rope_parameters
    inv = 1.0 / (rope["theta"] ** (torch.arange(0, dim, 2, dtype=torch.int64).float() / dim))
    if rope["type"] == "linear":  # _compute_linear_scaling_rope_parameters: inv_freq /= factor
        inv = inv / rope["factor"]
    elif rope["type"] == "llama3":  # _compute_llama3_parameters
        factor, low, high, old = rope["factor"], rope["low"], rope["high"], rope["original"]
        low_wavelen, high_wavelen = old / low, old / high
        wavelen = 2 * math.pi / inv
        inv_llama = torch.where(wavelen > low_wavelen, inv / factor, inv)
        smooth = (old / wavelen - low) / (high - low)
        smoothed = (1 - smooth) * inv_llama / factor + smooth * inv_llama
        medium = ~(wavelen < high_wavelen) * ~(wavelen > low_wavelen)
        inv = torch.where(medium, smoothed, inv_llama)
    return inv


def rotate_half(x):  # modeling_llama.rotate_half
    x1, x2 = x[..., : x.shape[-1] // 2], x[..., x.shape[-1] // 2:]
    return torch.cat((-x2, x1), dim=-1)


def rope_cos_sin(rope, dim, t):  # LlamaRotaryEmbedding.forward: freqs = inv_freq @ positions; emb = cat(freqs, freqs)
    freqs = torch.arange(t).float()[:, None] * inv_freq(rope, dim)[None, :]
    emb = torch.cat((freqs, freqs), dim=-1)
    return emb.cos(), emb.sin()


def forward(s, w, ids, hooks, dtype=torch.float32, stop_after=None):
    """Returns logits [B, T, V]; fills hooks with TransformerLens-named activations. With stop_after = L, returns
    blocks.L.hook_resid_post instead (the harvest path). dtype: what the matmuls run in (the references: float32)."""
    p = s["prefix"]
    b, t = ids.shape
    d, nh, nkv, hd = s["d"], s["heads"], s["kv_heads"], s["head_dim"]
    x = w[p + "embed_tokens.weight"].to(dtype)[ids]
    if s["gemma"]:  # Gemma2Model.forward: hidden_states * torch.tensor(hidden_size**0.5, dtype=hidden_states.dtype)
        x = x * torch.tensor(d ** 0.5, dtype=torch.bfloat16).to(dtype)
    for l in range(s["layers"]):
        q_ = p + f"layers.{l}."
        hooks[f"blocks.{l}.hook_resid_pre"] = x
        # ---- attention (LlamaAttention / Gemma2Attention.forward) ----
        h = rms_norm(x, w[q_ + "input_layernorm.weight"], s["eps"], s["gemma"])

        def proj(name, inp, bias):
            out = inp @ w[q_ + name + ".weight"].to(dtype).T
            return out + w[q_ + name + ".bias"].to(dtype) if bias else out

        q = proj("self_attn.q_proj", h, s["qkv_bias"]).view(b, t, nh, hd).transpose(1, 2)
        k = proj("self_attn.k_proj", h, s["qkv_bias"]).view(b, t, nkv, hd).transpose(1, 2)
        v = proj("self_attn.v_proj", h, s["qkv_bias"]).view(b, t, nkv, hd).transpose(1, 2)
        if s["qk_norm"]:  # Qwen3Attention / Gemma3Attention: q_norm, k_norm over head_dim before RoPE
            q = rms_norm(q, w[q_ + "self_attn.q_norm.weight"], s["eps"], s["gemma"])
            k = rms_norm(k, w[q_ + "self_attn.k_norm.weight"], s["eps"], s["gemma"])
        sliding = l in s["sliding_layers"]
        rope = s["local_rope"] if sliding else s["rope"]  # Gemma3: rotary_emb_local for sliding layers
        cos, sin = rope_cos_sin(rope, hd, t)
        q = q * cos + rotate_half(q) * sin  # apply_rotary_pos_emb
        k = k * cos + rotate_half(k) * sin
        rep = nh // nkv  # repeat_kv: [B, nkv, T, hd] -> [B, nkv * rep, T, hd]
        k = k[:, :, None].expand(b, nkv, rep, t, hd).reshape(b, nh, t, hd)
        v = v[:, :, None].expand(b, nkv, rep, t, hd).reshape(b, nh, t, hd)
        scores = (q @ k.transpose(2, 3)) * s["scale"]  # eager_attention_forward: matmul * scaling
        if s["attn_softcap"]:  # Gemma2: attn_weights / softcap; tanh; * softcap (before the mask)
            scores = torch.tanh(scores / s["attn_softcap"]) * s["attn_softcap"]
        qi = torch.arange(t)[:, None]
        ki = torch.arange(t)[None, :]
        allowed = ki <= qi
        if sliding:  # sliding_window_overlay: kv_idx > q_idx - sliding_window
            allowed = allowed & (ki > qi - s["window"])
        scores = scores.masked_fill(~allowed, float("-inf"))
        z = (torch.softmax(scores.float(), dim=-1).to(dtype) @ v).transpose(1, 2).reshape(b, t, nh * hd)
        hooks[f"blocks.{l}.attn.hook_z"] = z
        attn = proj("self_attn.o_proj", z, s["o_bias"])
        if s["gemma"]:  # Gemma2DecoderLayer: post_attention_layernorm after attention
            attn = rms_norm(attn, w[q_ + "post_attention_layernorm.weight"], s["eps"], True)
        hooks[f"blocks.{l}.hook_attn_out"] = attn
        x = x + attn
        hooks[f"blocks.{l}.hook_resid_mid"] = x
        # ---- MLP (LlamaMLP / Gemma2MLP: down(act(gate(x)) * up(x))) ----
        norm2 = "pre_feedforward_layernorm.weight" if s["gemma"] else "post_attention_layernorm.weight"
        h = rms_norm(x, w[q_ + norm2], s["eps"], s["gemma"])
        hooks[f"blocks.{l}.ln2.hook_normalized"] = h
        gate = h @ w[q_ + "mlp.gate_proj.weight"].to(dtype).T
        act = torch.nn.functional.gelu(gate, approximate="tanh") if s["gemma"] else torch.nn.functional.silu(gate)
        m = (act * (h @ w[q_ + "mlp.up_proj.weight"].to(dtype).T)) @ w[q_ + "mlp.down_proj.weight"].to(dtype).T
        if s["gemma"]:  # Gemma2DecoderLayer: post_feedforward_layernorm after the MLP
            m = rms_norm(m, w[q_ + "post_feedforward_layernorm.weight"], s["eps"], True)
        hooks[f"blocks.{l}.hook_mlp_out"] = m
        x = x + m
        hooks[f"blocks.{l}.hook_resid_post"] = x
        if stop_after == l:
            return x
    x = rms_norm(x, w[p + "norm.weight"], s["eps"], s["gemma"])
    hooks["ln_final.hook_normalized"] = x
    head = w.get("lm_head.weight", w.get("language_model.lm_head.weight", w[p + "embed_tokens.weight"]))
    logits = x.to(dtype) @ head.to(dtype).T
    if s["final_softcap"]:  # Gemma2ForCausalLM: logits / cap; tanh; * cap
        logits = torch.tanh(logits / s["final_softcap"]) * s["final_softcap"]
    return logits


# ---------------------------------------------------------------------------------------------------------------
# The five models.

V_SPECIALS = ["<|endoftext|>", "<bos>", "<eos>", "<pad>"]
VOCAB = 256 + len(V_SPECIALS)


def settings_llama():
    cfg = {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": 64, "num_hidden_layers": 2,
           "num_attention_heads": 4, "num_key_value_heads": 2, "intermediate_size": 128, "vocab_size": VOCAB,
           "rms_norm_eps": 1e-5, "hidden_act": "silu", "max_position_embeddings": 131072, "rope_theta": 500000.0,
           "rope_scaling": {"factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
                            "original_max_position_embeddings": 8192, "rope_type": "llama3"},
           "attention_bias": False, "mlp_bias": False, "tie_word_embeddings": True, "torch_dtype": "bfloat16",
           "bos_token_id": 257, "eos_token_id": 258, "transformers_version": "4.45.0"}
    s = {"prefix": "model.", "d": 64, "layers": 2, "heads": 4, "kv_heads": 2, "head_dim": 16, "eps": 1e-5,
         "gemma": False, "qkv_bias": False, "o_bias": False, "qk_norm": False, "sliding_layers": set(),
         "rope": {"theta": 500000.0, "type": "llama3", "factor": 8.0, "low": 1.0, "high": 4.0, "original": 8192},
         "scale": 16 ** -0.5, "attn_softcap": 0, "final_softcap": 0, "tied": True, "f": 128}
    s["local_rope"] = s["rope"]
    return cfg, s, "<bos>", True


def settings_qwen2():
    cfg = {"architectures": ["Qwen2ForCausalLM"], "model_type": "qwen2", "hidden_size": 64, "num_hidden_layers": 2,
           "num_attention_heads": 4, "num_key_value_heads": 2, "intermediate_size": 96, "vocab_size": VOCAB,
           "rms_norm_eps": 1e-6, "hidden_act": "silu", "max_position_embeddings": 32768, "rope_theta": 1000000.0,
           "rope_scaling": None, "use_sliding_window": False, "sliding_window": 32768, "max_window_layers": 2,
           "tie_word_embeddings": False, "torch_dtype": "bfloat16", "bos_token_id": 256, "eos_token_id": 256,
           "transformers_version": "4.43.1"}
    s = {"prefix": "model.", "d": 64, "layers": 2, "heads": 4, "kv_heads": 2, "head_dim": 16, "eps": 1e-6,
         "gemma": False, "qkv_bias": True, "o_bias": False, "qk_norm": False, "sliding_layers": set(),
         "rope": {"theta": 1000000.0, "type": "default"}, "scale": 16 ** -0.5, "attn_softcap": 0,
         "final_softcap": 0, "tied": False, "f": 96}
    s["local_rope"] = s["rope"]
    return cfg, s, None, False


def settings_qwen3():
    # transformers 5 spelling: rope_parameters and dtype; head_dim 32 exceeds hidden / heads = 16
    cfg = {"architectures": ["Qwen3ForCausalLM"], "model_type": "qwen3", "hidden_size": 64, "num_hidden_layers": 2,
           "num_attention_heads": 4, "num_key_value_heads": 2, "head_dim": 32, "intermediate_size": 96,
           "vocab_size": VOCAB, "rms_norm_eps": 1e-6, "hidden_act": "silu", "max_position_embeddings": 40960,
           "rope_parameters": {"rope_type": "default", "rope_theta": 1000000.0}, "attention_bias": False,
           "use_sliding_window": False, "sliding_window": None, "tie_word_embeddings": True, "dtype": "bfloat16",
           "bos_token_id": 256, "eos_token_id": 256, "transformers_version": "5.0.0"}
    s = {"prefix": "model.", "d": 64, "layers": 2, "heads": 4, "kv_heads": 2, "head_dim": 32, "eps": 1e-6,
         "gemma": False, "qkv_bias": False, "o_bias": False, "qk_norm": True, "sliding_layers": set(),
         "rope": {"theta": 1000000.0, "type": "default"}, "scale": 32 ** -0.5, "attn_softcap": 0,
         "final_softcap": 0, "tied": True, "f": 96}
    s["local_rope"] = s["rope"]
    return cfg, s, None, False


def settings_gemma2():
    cfg = {"architectures": ["Gemma2ForCausalLM"], "model_type": "gemma2", "hidden_size": 64, "num_hidden_layers": 3,
           "num_attention_heads": 4, "num_key_value_heads": 2, "head_dim": 32, "intermediate_size": 128,
           "vocab_size": VOCAB, "rms_norm_eps": 1e-6, "hidden_act": "gelu_pytorch_tanh",
           "hidden_activation": "gelu_pytorch_tanh", "max_position_embeddings": 8192, "rope_theta": 10000.0,
           "query_pre_attn_scalar": 24, "attn_logit_softcapping": 50.0, "final_logit_softcapping": 30.0,
           "sliding_window": 5, "cache_implementation": "hybrid", "tie_word_embeddings": True,
           "torch_dtype": "bfloat16", "bos_token_id": 257, "eos_token_id": 258, "pad_token_id": 259,
           "transformers_version": "4.42.4"}
    s = {"prefix": "model.", "d": 64, "layers": 3, "heads": 4, "kv_heads": 2, "head_dim": 32, "eps": 1e-6,
         "gemma": True, "qkv_bias": False, "o_bias": False, "qk_norm": False, "sliding_layers": {0, 2},
         "window": 5, "rope": {"theta": 10000.0, "type": "default"}, "scale": 24 ** -0.5, "attn_softcap": 50.0,
         "final_softcap": 30.0, "tied": True, "f": 128}
    s["local_rope"] = s["rope"]
    return cfg, s, "<bos>", False


def settings_gemma3():
    # Gemma3ForConditionalGeneration's layout: text_config, weights under language_model.model.
    text = {"model_type": "gemma3_text", "hidden_size": 64, "num_hidden_layers": 4, "num_attention_heads": 4,
            "num_key_value_heads": 1, "head_dim": 16, "intermediate_size": 128, "vocab_size": VOCAB,
            "rms_norm_eps": 1e-6, "hidden_activation": "gelu_pytorch_tanh", "max_position_embeddings": 131072,
            "rope_theta": 1000000.0, "rope_local_base_freq": 10000.0,
            "rope_scaling": {"factor": 8.0, "rope_type": "linear"}, "query_pre_attn_scalar": 16,
            "sliding_window": 5, "sliding_window_pattern": 2,
            "layer_types": ["sliding_attention", "full_attention", "sliding_attention", "full_attention"],
            "final_logit_softcapping": None, "attn_logit_softcapping": None}
    cfg = {"architectures": ["Gemma3ForConditionalGeneration"], "model_type": "gemma3", "text_config": text,
           "vision_config": {"model_type": "siglip_vision_model", "hidden_size": 32}, "torch_dtype": "bfloat16",
           "bos_token_id": 257, "eos_token_id": 258, "transformers_version": "4.50.0"}
    text["torch_dtype"] = "bfloat16"
    s = {"prefix": "language_model.model.", "d": 64, "layers": 4, "heads": 4, "kv_heads": 1, "head_dim": 16,
         "eps": 1e-6, "gemma": True, "qkv_bias": False, "o_bias": False, "qk_norm": True, "sliding_layers": {0, 2},
         "window": 5, "rope": {"theta": 1000000.0, "type": "linear", "factor": 8.0},
         "local_rope": {"theta": 10000.0, "type": "default"}, "scale": 16 ** -0.5, "attn_softcap": 0,
         "final_softcap": 0, "tied": True, "f": 128}
    return cfg, s, "<bos>", False


def weights(s, seed):
    g = torch.Generator().manual_seed(seed)
    d, f, hd, nh, nkv, p = s["d"], s["f"], s["head_dim"], s["heads"], s["kv_heads"], s["prefix"]

    def r(*shape, scale=None):
        scale = scale if scale is not None else shape[-1] ** -0.5
        return (torch.randn(*shape, generator=g) * scale).to(torch.bfloat16)

    def norm(n):  # Gemma's gain is 1 + w, so its stored w is near 0; Llama's near 1
        return (torch.randn(n, generator=g) * 0.1 + (0 if s["gemma"] else 1)).to(torch.bfloat16)

    w = {p + "embed_tokens.weight": r(VOCAB, d, scale=0.2)}
    for l in range(s["layers"]):
        b = p + f"layers.{l}."
        w[b + "input_layernorm.weight"] = norm(d)
        w[b + "post_attention_layernorm.weight"] = norm(d)
        if s["gemma"]:
            w[b + "pre_feedforward_layernorm.weight"] = norm(d)
            w[b + "post_feedforward_layernorm.weight"] = norm(d)
        w[b + "self_attn.q_proj.weight"] = r(nh * hd, d)
        w[b + "self_attn.k_proj.weight"] = r(nkv * hd, d)
        w[b + "self_attn.v_proj.weight"] = r(nkv * hd, d)
        if s["qkv_bias"]:
            w[b + "self_attn.q_proj.bias"] = r(nh * hd, scale=0.5)
            w[b + "self_attn.k_proj.bias"] = r(nkv * hd, scale=0.5)
            w[b + "self_attn.v_proj.bias"] = r(nkv * hd, scale=0.5)
        if s["qk_norm"]:
            w[b + "self_attn.q_norm.weight"] = norm(hd)
            w[b + "self_attn.k_norm.weight"] = norm(hd)
        w[b + "self_attn.o_proj.weight"] = r(d, nh * hd)
        w[b + "mlp.gate_proj.weight"] = r(f, d)
        w[b + "mlp.up_proj.weight"] = r(f, d)
        w[b + "mlp.down_proj.weight"] = r(d, f)
    w[p + "norm.weight"] = norm(d)
    if not s["tied"]:
        w["lm_head.weight"] = r(VOCAB, d)
    return w


MODELS = {"llama": (settings_llama, 1), "qwen2": (settings_qwen2, 2), "qwen3": (settings_qwen3, 3),
          "gemma2": (settings_gemma2, 4), "gemma3": (settings_gemma3, 5)}


def main(out_root):
    for name, (make, seed) in MODELS.items():
        cfg, s, bos, sharded = make()
        out = os.path.join(out_root, name)
        os.makedirs(out, exist_ok=True)
        with open(os.path.join(out, "config.json"), "w") as f:
            json.dump(cfg, f, indent=2)
        with open(os.path.join(out, "tokenizer.json"), "w") as f:
            json.dump(tokenizer_json(V_SPECIALS, bos), f, ensure_ascii=False)
        w = weights(s, seed)
        if sharded:  # two shards and model.safetensors.index.json, as large checkpoints come
            names = list(w)
            half = len(names) // 2
            shards = {"model-00001-of-00002.safetensors": names[:half],
                      "model-00002-of-00002.safetensors": names[half:]}
            weight_map = {}
            for shard, ns in shards.items():
                write_safetensors(os.path.join(out, shard), {n: w[n] for n in ns}, {"format": "pt"})
                weight_map.update({n: shard for n in ns})
            total = sum(t.numel() * 2 for t in w.values())
            with open(os.path.join(out, "model.safetensors.index.json"), "w") as f:
                json.dump({"metadata": {"total_size": total}, "weight_map": weight_map}, f, indent=2)
        else:
            write_safetensors(os.path.join(out, "model.safetensors"), w, {"format": "pt"})
        # two windows of 12 tokens; a BOS model's windows start with its BOS, as its tokenizer encodes them
        g = torch.Generator().manual_seed(100 + seed)
        ids = torch.randint(0, 256, (2, 12), generator=g)
        if bos is not None:
            ids[:, 0] = 257
        hooks = {}
        logits = forward(s, w, ids, hooks)
        loss = torch.nn.functional.cross_entropy(logits[:, :-1].reshape(-1, VOCAB), ids[:, 1:].reshape(-1))
        expected = {"ids": ids, "logits": logits, "mean_cross_entropy": loss.reshape(1)}
        expected.update({"hook/" + k: v for k, v in hooks.items()})
        write_safetensors(os.path.join(out, "expected.safetensors"), expected,
                          {"made_by": "tools/families/make_tiny.py, a plain-PyTorch transcription of transformers"})
        print(name, "CE", float(loss))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "compute/src/test/resources/families")
