package org.sparsescope.compute.dictionary;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/**
 * A dictionary's decoder on the host, x̂ = b + Σ_j c_j · row_j, for reconstructing rows from their non-zero codes.
 * Every decoder here is affine in the codes, so its rows (decode(e_j) − decode(0)) and bias (decode(0)) say all.
 * Written by hand because a row holds a few dozen non-zeros of thousands: the engine's dense decode multiplies by all
 * the zeros too (as much work as the encoder), and its sparse product does about 1/40 of the dense one's work per second.
 */
public final class HostDecoder {
    private final int dIn;
    /**
     * One array per feature, not one [features, dIn] array: with {@code out[k]} and {@code row[k]} at the same index
     * the JIT can prove the loop free of cross-iteration dependences and vectorises it; with {@code rows[base + k]} it
     * must assume {@code out} might be {@code rows} and runs scalar (measured: 1.6 against 12 G multiply-adds/s at
     * 1024 × 256, four rows per sweep).
     */
    private final float[][] rows;

    private final float[] bias; // [dIn]
    private final InputNormalization normalization;

    private HostDecoder(int dIn, float[][] rows, float[] bias, InputNormalization normalization) {
        this.dIn = dIn;
        this.rows = rows;
        this.bias = bias;
        this.normalization = normalization;
    }

    /** The decoder of {@code codec} copied to the host; its size comes from the decoder rows [features, d_in]. */
    public static HostDecoder of(Codec codec) {
        NDArray rows = codec.decoderRows();
        long features = rows.getShape().get(0);
        int dIn = (int) rows.getShape().get(1);
        try (NDManager scope = rows.getManager().newSubManager()) {
            float[] bias = codec.decode(scope.zeros(new Shape(1, features))).toFloatArray();
            float[] flat = rows.toFloatArray();
            float[][] perFeature = new float[(int) features][];
            for (int j = 0; j < features; j++) {
                perFeature[j] = java.util.Arrays.copyOfRange(flat, j * dIn, (j + 1) * dIn);
            }
            return new HostDecoder(dIn, perFeature, bias, codec.normalization());
        }
    }

    /**
     * Writes into {@code out} the reconstruction of row {@code x[base, base + d_in)} from its non-zero codes, entries
     * [from, to) of {@code codes}: {@link #decodeRow}, then the row's normalisation undone where the dictionary has one.
     */
    public void reconstructRow(NonZeroCodes codes, int from, int to, float[] x, int base, float[] out) {
        decodeRow(codes, from, to, out);
        normalization.outOnHost(x, base, out);
    }

    /**
     * Writes into {@code out} the decoder's output for the row whose non-zero codes are entries [from, to) of
     * {@code codes}. The sum is taken in float32 in feature order, as a float32 matmul would (to a few ulps).
     */
    public void decodeRow(NonZeroCodes codes, int from, int to, float[] out) {
        System.arraycopy(bias, 0, out, 0, dIn);
        int[] feature = codes.feature();
        float[] value = codes.value();
        int e = from;
        // four rows per sweep over out, added left to right: the same float32 sums, in the same order, as one row at a
        // time
        for (; e + 4 <= to; e += 4) {
            float v0 = value[e], v1 = value[e + 1], v2 = value[e + 2], v3 = value[e + 3];
            float[] r0 = rows[feature[e]],
                    r1 = rows[feature[e + 1]],
                    r2 = rows[feature[e + 2]],
                    r3 = rows[feature[e + 3]];
            for (int k = 0; k < dIn; k++) {
                out[k] = out[k] + v0 * r0[k] + v1 * r1[k] + v2 * r2[k] + v3 * r3[k];
            }
        }
        for (; e < to; e++) {
            float v = value[e];
            float[] row = rows[feature[e]];
            for (int k = 0; k < dIn; k++) {
                out[k] += v * row[k];
            }
        }
    }
}
