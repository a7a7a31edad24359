#!/usr/bin/env python3
"""PyTorch eager beside `sparsescope bench lm` on the same CPU: tokens/s of the full forward (to per-token loss) and of
the harvest path (up to blocks.L.hook_resid_post), and peak RSS, for a Llama/Qwen/Gemma model folder, computed by
make_tiny's transcription of transformers' forward (the same ops transformers' eager attention runs).

    /usr/bin/python3 tools/families/peer_lm.py --model DIR [--dtype float32|bfloat16] [--window 128] [--batch 4]
        [--layer 2] [--seconds 10] [--threads N] [--serve]

With --serve it loads once and then measures on request, for `sparsescope bench lm --peer`, which alternates its own
measurements with these so that both sides see the same machine (its matmul rate drifts by a factor of two within
minutes): it prints one JSON line when loaded, then for each line `full` or `harvest` read from stdin one JSON line
with that path's tokens/s, for `matmul M K N` the GFLOP/s of an [M, K] @ [K, N] product in --dtype (median of 15 after a
warm-up, as the bench's own); `quit` prints the peak RSS and ends.

Weights are read from the safetensors shards as stored (bf16) and converted once to the run's dtype.
"""
import argparse
import json
import os
import resource
import struct
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(__file__))
from make_tiny import forward  # noqa: E402


def read_safetensors(path, dtype):
    """The file's tensors in `dtype`, each converted as it is read (holding a whole shard at 16 bits beside its
    float32 copy raised the peak by the shard's size)."""
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
    data = np.memmap(path, dtype=np.uint8, mode="r", offset=8 + n)
    out = {}
    for name, e in header.items():
        if name == "__metadata__":
            continue
        a, b = e["data_offsets"]
        raw = np.frombuffer(data[a:b], dtype={"BF16": np.int16, "F32": np.float32, "F16": np.float16}[e["dtype"]])
        t = torch.from_numpy(raw.copy())
        out[name] = (t.view(torch.bfloat16) if e["dtype"] == "BF16" else t).reshape(e["shape"]).to(dtype)
        del t
    return out


def settings(c):
    """make_tiny's settings, from a config as transformers reads it."""
    mt = c["model_type"]
    gemma = mt.startswith("gemma")
    d, nh = c["hidden_size"], c["num_attention_heads"]
    hd = c.get("head_dim") or d // nh
    layers = c["num_hidden_layers"]
    rs = c.get("rope_scaling") or {}
    rope = {"theta": c.get("rope_theta", 10000.0), "type": rs.get("rope_type", rs.get("type", "default"))}
    if rope["type"] == "llama3":
        rope.update(factor=rs["factor"], low=rs["low_freq_factor"], high=rs["high_freq_factor"],
                    original=rs["original_max_position_embeddings"])
    elif rope["type"] == "linear":
        rope["factor"] = rs["factor"]
    sliding = set(range(0, layers, 2)) if mt == "gemma2" else set()
    return {"prefix": "model.", "d": d, "layers": layers, "heads": nh, "kv_heads": c.get("num_key_value_heads", nh),
            "head_dim": hd, "eps": c.get("rms_norm_eps", 1e-6), "gemma": gemma, "qkv_bias": mt == "qwen2",
            "o_bias": False, "qk_norm": mt in ("qwen3", "gemma3"), "sliding_layers": sliding,
            "window": c.get("sliding_window") or 0, "rope": rope, "local_rope": rope,
            "scale": (c.get("query_pre_attn_scalar", hd) if gemma else hd) ** -0.5,
            "attn_softcap": c.get("attn_logit_softcapping") or 0, "final_softcap": c.get("final_logit_softcapping") or 0}


def rate(fn, tokens, seconds):
    fn()  # warm-up
    n, t0 = 0, time.perf_counter()
    while True:
        fn()
        n += tokens
        if time.perf_counter() - t0 >= seconds:
            return n / (time.perf_counter() - t0)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True)
    ap.add_argument("--dtype", default="float32", choices=["float32", "bfloat16"])
    ap.add_argument("--window", type=int, default=128)
    ap.add_argument("--batch", type=int, default=4)
    ap.add_argument("--layer", type=int, default=2)
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--serve", action="store_true", help="measure on request from stdin (see above)")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    dtype = getattr(torch, a.dtype)
    with open(os.path.join(a.model, "config.json")) as f:
        c = json.load(f)
    w = {}
    for name in sorted(os.listdir(a.model)):
        if name.endswith(".safetensors") and name != "expected.safetensors":
            w.update(read_safetensors(os.path.join(a.model, name), dtype))
    s = settings(c)
    g = torch.Generator().manual_seed(0)
    ids = torch.randint(0, c["vocab_size"], (a.batch, a.window), generator=g)

    def full():
        with torch.no_grad():
            logits = forward(s, w, ids, {}, dtype)
            torch.nn.functional.cross_entropy(
                logits[:, :-1].float().reshape(-1, logits.shape[-1]), ids[:, 1:].reshape(-1), reduction="none")

    def harvest():
        with torch.no_grad():
            forward(s, w, ids, {}, dtype, stop_after=a.layer).float().numpy()

    tokens = a.batch * a.window
    if a.serve:
        serve(a, {"full": full, "harvest": harvest}, tokens)
        return
    out = {"dtype": a.dtype, "threads": a.threads, "full_forward_tokens_per_second": rate(full, tokens, a.seconds),
           f"harvest_to_layer_{a.layer}_tokens_per_second": rate(harvest, tokens, a.seconds),
           "peak_rss_gb": peak_rss_gb()}
    print(json.dumps(out, indent=2))


def peak_rss_gb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e9  # ru_maxrss is in KiB on Linux


def matmul_gflops(m, k, n, dtype, repeats=15):
    x, y = torch.randn(m, k).to(dtype), torch.randn(k, n).to(dtype)
    for _ in range(3):
        torch.matmul(x, y)
    seconds = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        torch.matmul(x, y)
        seconds.append(time.perf_counter() - t0)
    return 2.0 * m * k * n / sorted(seconds)[repeats // 2] / 1e9


def serve(a, paths, tokens):
    def say(d):
        sys.stdout.write(json.dumps(d) + "\n")
        sys.stdout.flush()

    say({"ready": True, "dtype": a.dtype, "threads": a.threads, "torch": torch.__version__})
    for line in sys.stdin:
        what = line.strip()
        if what == "quit":
            break
        if what.startswith("matmul "):
            m, k, n = (int(v) for v in what.split()[1:4])
            with torch.no_grad():
                say({"what": "matmul", "gflops": matmul_gflops(m, k, n, getattr(torch, a.dtype))})
            continue
        if what not in paths:
            say({"error": "unknown request " + repr(what)})
            continue
        say({"what": what, "tokens_per_second": rate(paths[what], tokens, a.seconds)})
    say({"peak_rss_gb": peak_rss_gb()})


if __name__ == "__main__":
    main()
