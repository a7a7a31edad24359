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

    /**
     * Logits: cap · tanh(x · Wᵀ / cap) (Gemma 2's final soft-cap; none when {@code cap} is 0), float32, computed
     * {@code rowsPerPiece} rows of W at a time into one output. Gemma's logits are half a gigabyte for four windows of
     * 128, and pieces beside their concatenation, a widened piece of a compact unembedding and a capped copy made the
     * logits step peak near three gigabytes on top of the weights (measured: 6.6 → 9.4 GB for gemma-2-2b's shape).
     */
    NDArray logits(NDArray x, double cap, long rowsPerPiece);

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
        public NDArray logits(NDArray x, double cap, long rowsPerPiece) {
            long vocab = rows();
            if (vocab <= rowsPerPiece) {
                return softcapped(times(x, null), cap);
            }
            long[] shape = x.getShape().getShape().clone();
            shape[shape.length - 1] = vocab;
            NDArray logits = x.getManager().zeros(new ai.djl.ndarray.types.Shape(shape));
            for (long r = 0; r < vocab; r += rowsPerPiece) {
                long end = Math.min(vocab, r + rowsPerPiece);
                try (NDArray rows = weight.get(r + ":" + end);
                        NDArray part = softcapped(Nn.linear(x, rows, null), cap)) {
                    logits.set(new ai.djl.ndarray.index.NDIndex("..., " + r + ":" + end), part);
                }
            }
            return logits;
        }

        /** cap · tanh(logits / cap), none when cap is 0; {@code logits} is consumed. */
        private static NDArray softcapped(NDArray logits, double cap) {
            if (cap <= 0) {
                return logits;
            }
            NDArray capped = logits.divi(cap).tanh(); // the engine has no in-place tanh: one copy, the other freed
            logits.close();
            return capped.muli(cap);
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
