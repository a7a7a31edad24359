#!/usr/bin/env python3
"""The PyTorch eager peer of `sparsescope bench topk` and `bench stats`: the same TopK step, dense ReLU + L1 step and
statistics pass, written the way a researcher writes them in PyTorch (autograd, torch.optim.Adam; sparsify's
embedding_bag decode for TopK), on the same CPU threads and the same rows. Prints JSON; tools/peer/run compares.

Runs on Debian's python3-torch (PyTorch 1.13) with libopenblas0-pthread; reads safetensors with the standard library.
"""
import argparse
import json
import math
import os
import struct
import sys
import time

import numpy as np
import torch


def read_safetensors(path):
    """Every tensor of a .safetensors file, as torch tensors; F16 and BF16 (a harvest's default f16) widened to float32."""
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, t in header.items():
        if name == "__metadata__":
            continue
        a, b = t["data_offsets"]
        if t["dtype"] == "BF16":  # numpy has no bfloat16: its 16 bits are a float32's upper half
            bits = np.frombuffer(data[a:b], dtype=np.uint16).astype(np.uint32) << 16
            out[name] = torch.from_numpy(bits.view(np.float32).reshape(t["shape"]).copy())
            continue
        dtype = {"F32": np.float32, "F16": np.float16, "I64": np.int64, "I32": np.int32, "F64": np.float64}[t["dtype"]]
        x = torch.from_numpy(np.frombuffer(data[a:b], dtype=dtype).reshape(t["shape"]).copy())
        out[name] = x.float() if t["dtype"] == "F16" else x
    return out


def read_rows(activations, count):
    """The first `count` rows of an activation set folder (its chunk-*.safetensors in order)."""
    parts, have = [], 0
    for name in sorted(os.listdir(activations)):
        if not name.startswith("chunk-") or not name.endswith(".safetensors"):
            continue
        x = read_safetensors(os.path.join(activations, name))["activations"]
        parts.append(x[: count - have])
        have += parts[-1].shape[0]
        if have >= count:
            break
    return torch.cat(parts)


def median_seconds(step, rounds):
    step()  # warm-up
    times = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        step()
        times.append(time.perf_counter() - t0)
    times.sort()
    return times[len(times) // 2]


def train_steps(d, n, k, batch, rounds, seed=1):
    """Seconds per step of TopK (sparsify's decode) and of ReLU + L1, each forward + backward + Adam."""
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(batch, d, generator=g)

    def make():
        w_enc = (torch.randn(d, n, generator=g) / math.sqrt(d)).requires_grad_()
        b_enc = torch.zeros(n, requires_grad=True)
        w_dec = w_enc.detach().t().contiguous().requires_grad_()
        b_dec = torch.zeros(d, requires_grad=True)
        params = [w_enc, b_enc, w_dec, b_dec]
        return params, torch.optim.Adam(params, lr=1e-4)

    (te, tb, td, tbd), topt = make()

    def topk_step():
        pre = (x - tbd) @ te + tb
        acts, idx = torch.topk(torch.relu(pre), k, dim=-1, sorted=False)
        unit = td / td.norm(dim=1, keepdim=True)
        # sparsify's eager decode: a weighted sum of the k selected decoder rows per token
        x_hat = torch.nn.functional.embedding_bag(idx, unit, per_sample_weights=acts, mode="sum") + tbd
        loss = (x_hat - x).pow(2).mean()
        topt.zero_grad(set_to_none=True)
        loss.backward()
        topt.step()

    (re_, rb, rd, rbd), ropt = make()

    def relu_step():
        codes = torch.relu((x - rbd) @ re_ + rb)
        x_hat = codes @ (rd / rd.norm(dim=1, keepdim=True)) + rbd
        loss = (x_hat - x).pow(2).mean() + 1e-3 * codes.sum(dim=1).mean()
        ropt.zero_grad(set_to_none=True)
        loss.backward()
        ropt.step()

    return {"topk_seconds": median_seconds(topk_step, rounds), "relu_l1_seconds": median_seconds(relu_step, rounds)}


@torch.no_grad()
def stats_pass(dictionary, activations, rows, batch=4096, top=20, bins=32):
    """Two passes as a notebook would vectorise them: metrics, float64 moments merged per batch (Chan et al.),
    density, max and top examples; then the (0, max] histograms. No banded samples: the peer does less than ours."""
    w = read_safetensors(os.path.join(dictionary, "sae_weights.safetensors"))
    w_enc, b_enc, w_dec, b_dec = w["W_enc"], w["b_enc"], w["W_dec"], w["b_dec"]
    n = w_enc.shape[1]
    x_all = read_rows(activations, rows)
    t0 = time.perf_counter()
    count = 0
    mean = torch.zeros(n, dtype=torch.float64)
    m2 = torch.zeros(n, dtype=torch.float64)
    fires = torch.zeros(n, dtype=torch.int64)
    vmax = torch.full((n,), -math.inf, dtype=torch.float64)
    top_v = torch.empty(0, n)
    top_i = torch.empty(0, n, dtype=torch.int64)
    sq_err = total = 0.0
    for start in range(0, x_all.shape[0], batch):
        x = x_all[start:start + batch]
        c = torch.relu((x - b_dec) @ w_enc + b_enc)
        x_hat = c @ w_dec + b_dec
        sq_err += (x_hat - x).double().pow(2).sum().item()
        c64 = c.double()
        b = c.shape[0]
        bm = c64.mean(0)
        bm2 = (c64 - bm).pow(2).sum(0)
        delta = bm - mean
        tot = count + b
        m2 += bm2 + delta.pow(2) * count * b / tot
        mean += delta * b / tot
        count = tot
        fires += (c > 0).sum(0)
        vmax = torch.maximum(vmax, c64.max(0).values)
        v, i = torch.topk(c, min(top, b), dim=0)
        top_v, keep = torch.topk(torch.cat([top_v, v]), min(top, top_v.shape[0] + b), dim=0)
        top_i = torch.gather(torch.cat([top_i, i + start]), 0, keep)
    hist = torch.zeros(n * bins, dtype=torch.int64)
    feature = torch.arange(n)
    for start in range(0, x_all.shape[0], batch):
        c = torch.relu((x_all[start:start + batch] - b_dec) @ w_enc + b_enc)
        on = c > 0
        where = torch.clamp((c / vmax.float() * bins).long(), max=bins - 1) + feature * bins
        hist += torch.bincount(where[on], minlength=n * bins)
    seconds = time.perf_counter() - t0
    t1 = time.perf_counter()
    for start in range(0, x_all.shape[0], batch):
        (x_all[start:start + batch] @ w_enc)[0, 0].item()
    matmul = time.perf_counter() - t1
    return {"rows": int(x_all.shape[0]), "n": int(n), "pass_seconds": seconds, "matmul_seconds": matmul, "sq_err": sq_err}


def matmul_gflops(repeats=15):
    """The float32 matmul rate (4096x512 @ 512x2048), the yardstick our benches print beside theirs."""
    a, b = torch.randn(4096, 512), torch.randn(512, 2048)
    for _ in range(3):
        a @ b
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        a @ b
        times.append(time.perf_counter() - t0)
    times.sort()
    return 2 * 4096 * 512 * 2048 / times[repeats // 2] / 1e9


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--threads", type=int, default=os.cpu_count())
    sub = p.add_subparsers(dest="what", required=True)
    t = sub.add_parser("train")
    t.add_argument("--d", type=int, default=512)
    t.add_argument("--n", type=int, default=16384)
    t.add_argument("--k", type=int, default=32)
    t.add_argument("--batch", type=int, default=4096)
    t.add_argument("--rounds", type=int, default=5)
    s = sub.add_parser("stats")
    s.add_argument("--dict", required=True)
    s.add_argument("--activations", required=True)
    s.add_argument("--rows", type=int, default=1000000)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    alt = "/etc/alternatives/libblas.so.3-x86_64-linux-gnu"  # Debian's torch links the generic libblas the alternative names
    info = {"torch": torch.__version__, "threads": torch.get_num_threads(),
            "blas": os.path.realpath(alt) if os.path.exists(alt) else "unknown", "matmul_gflops": matmul_gflops()}
    if a.what == "train":
        info.update(train_steps(a.d, a.n, a.k, a.batch, a.rounds))
    else:
        info.update(stats_pass(a.dict, a.activations, a.rows))
    json.dump(info, sys.stdout, indent=2)
    print()


if __name__ == "__main__":
    main()
