#!/usr/bin/env python3
"""Writes the bf16 product kernel the engine runs for `SPARSESCOPE_WEIGHTS=bf16`
(compute/src/main/resources/org/sparsescope/compute/model/bf16_products.pt).

    /usr/bin/python3 tools/families/make_bf16_kernel.py

Why a TorchScript module: the engine's Java binding (DJL 0.36 on PyTorch 2.7.1) aborts the JVM on any bfloat16 array
it is asked to make or convert, yet PyTorch multiplies bfloat16 on this CPU about four times as fast as float32
(oneDNN with AVX-512 BF16). This module holds the bf16 matrices itself and exchanges only float32 and int64 arrays with
Java: rows arrive in float32 and are rounded to bf16 once (the checkpoint's bf16 values exactly), a product takes a
float32 input, rounds it to bf16, multiplies (float32 accumulation inside oneDNN) and hands back the bf16 result
widened to float32 — what a bf16 model in PyTorch computes for one linear layer.

Scripted with the PyTorch at hand (Debian's 1.13 here); the archive is TorchScript source, which the engine's 2.7.1
compiles when it loads it. The code avoids `Tensor.view(dtype)`, which 1.13 scripts as `view(size)`.
"""
import os
from typing import List

import torch


class Bf16Products(torch.nn.Module):
    weights: List[torch.Tensor]

    def __init__(self):
        super().__init__()
        self.weights = []

    @torch.jit.export
    def begin(self, rows: int, cols: int) -> int:
        """A new bf16 matrix [rows, cols], filled by put_rows; its index. Made whole at once so that filling it
        needs no second copy (joining pieces would hold the matrix twice while it loads)."""
        self.weights.append(torch.empty([rows, cols], dtype=torch.bfloat16))
        return len(self.weights) - 1

    @torch.jit.export
    def put_rows(self, i: int, start: int, rows: torch.Tensor) -> int:
        """Rows of matrix i from start on, given in float32 and rounded to bf16 here (to nearest, ties to even)."""
        self.weights[i].narrow(0, start, rows.size(0)).copy_(rows)
        return rows.size(0)

    # The products write into float32 arrays Java made: the engine's binding runs module methods in inference mode,
    # and a tensor made there could not be updated in place later (Gemma 2's soft-cap, an intervention writing into a
    # hook's value) without a copy; writing into an ordinary tensor is allowed in inference mode.

    @torch.jit.export
    def linear_into(self, x: torch.Tensor, i: int, out: torch.Tensor) -> int:
        """out = x · W_iᵀ: x float32, rounded to bf16, multiplied in bf16, the bf16 result widened into out."""
        out.copy_(torch.nn.functional.linear(x.to(torch.bfloat16), self.weights[i]))
        return 0

    @torch.jit.export
    def logits_into(self, x: torch.Tensor, i: int, out: torch.Tensor, cap: float, rows: int) -> int:
        """out = cap · tanh(x · W_iᵀ / cap) (no cap when cap is 0), as linear_into but `rows` rows of W_i at a time,
        each piece capped in float32 where it lies in out: a 256k-row unembedding's whole bf16 product is never
        held beside the logits."""
        xb = x.to(torch.bfloat16)
        w = self.weights[i]
        n = w.size(0)
        s = 0
        while s < n:
            c = min(rows, n - s)
            target = out.narrow(-1, s, c)
            target.copy_(torch.nn.functional.linear(xb, w.narrow(0, s, c)))
            if cap > 0.0:
                target.div_(cap).tanh_().mul_(cap)
            s += c
        return 0

    @torch.jit.export
    def embed_into(self, ids: torch.Tensor, i: int, out: torch.Tensor) -> int:
        """out = the rows of W_i at ids (an embedding), widened to float32."""
        out.copy_(torch.nn.functional.embedding(ids, self.weights[i]))
        return 0

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    out = os.path.join(here, "..", "..", "compute", "src", "main", "resources", "org", "sparsescope", "compute",
                       "model", "bf16_products.pt")
    os.makedirs(os.path.dirname(out), exist_ok=True)
    torch.jit.script(Bf16Products()).save(out)
    print("wrote", os.path.normpath(out))


if __name__ == "__main__":
    main()
