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

    @torch.jit.export
    def linear(self, x: torch.Tensor, i: int) -> torch.Tensor:
        """x · W_iᵀ, float32 in and out, computed in bf16."""
        return torch.nn.functional.linear(x.to(torch.bfloat16), self.weights[i]).to(torch.float32)

    @torch.jit.export
    def linear_rows(self, x: torch.Tensor, i: int, start: int, count: int) -> torch.Tensor:
        """x · W_i[start : start + count]ᵀ (a piece of an unembedding), as linear."""
        w = self.weights[i].narrow(0, start, count)
        return torch.nn.functional.linear(x.to(torch.bfloat16), w).to(torch.float32)

    @torch.jit.export
    def embed(self, ids: torch.Tensor, i: int) -> torch.Tensor:
        """The rows of W_i at ids (an embedding), widened to float32."""
        return torch.nn.functional.embedding(ids, self.weights[i]).to(torch.float32)

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
