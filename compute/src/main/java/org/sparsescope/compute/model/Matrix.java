package org.sparsescope.compute.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.core.Embedding;

/**
 * A weight matrix W [rows, cols] as a decoder uses it: multiplied (x · Wᵀ), taken by rows (an embedding) or in row
 * pieces (a large unembedding). Held as an engine array ({@link Dense}: float32, or float16 widened for each product)
 * or by the bf16 kernel ({@link Bf16Matrix}), as {@link WeightPrecision} says.
 */
sealed interface Matrix permits Matrix.Dense, Bf16Matrix {
    long rows();

    /** x · Wᵀ + bias (bias may be null), float32. */
    NDArray times(NDArray x, NDArray bias);

    /** x · W[from : to]ᵀ, float32. */
    NDArray timesRows(NDArray x, long from, long to);

    /** The rows at {@code ids}, float32. */
    NDArray rowsAt(NDArray ids);

    /** An engine array: float32, or float16 ({@link WeightPrecision#COMPACT}) widened by {@link Nn#linear}. */
    record Dense(NDArray weight) implements Matrix {
        @Override
        public long rows() {
            return weight.getShape().get(0);
        }

        @Override
        public NDArray times(NDArray x, NDArray bias) {
            return Nn.linear(x, weight, bias);
        }

        @Override
        public NDArray timesRows(NDArray x, long from, long to) {
            try (NDArray rows = weight.get(from + ":" + to)) {
                return Nn.linear(x, rows, null);
            }
        }

        @Override
        public NDArray rowsAt(NDArray ids) {
            NDArray x = Embedding.embedding(ids, weight, SparseFormat.DENSE).singletonOrThrow();
            if (x.getDataType() == DataType.FLOAT32) {
                return x;
            }
            NDArray wide = x.toType(DataType.FLOAT32, false); // a compact embedding's rows
            x.close();
            return wide;
        }
    }
}
