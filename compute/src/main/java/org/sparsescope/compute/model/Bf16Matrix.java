package org.sparsescope.compute.model;

import ai.djl.ndarray.NDArray;

/** A matrix held in bf16 by the model's {@link Bf16Kernel}, its products computed in bf16 ({@link WeightPrecision#BF16}). */
record Bf16Matrix(Bf16Kernel kernel, long index, long rows, long cols) implements Matrix {
    @Override
    public NDArray times(NDArray x, NDArray bias) {
        NDArray product = kernel.linear(x, index, rows);
        if (bias == null) {
            return product;
        }
        NDArray out = product.add(bias);
        product.close();
        return out;
    }

    @Override
    public NDArray logits(NDArray x, double cap, long rowsPerPiece) {
        return kernel.logits(x, index, rows, cap, rowsPerPiece);
    }

    @Override
    public NDArray rowsAt(NDArray ids) {
        return kernel.embed(ids, index, cols);
    }
}
