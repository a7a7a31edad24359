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
    private final float[] rows; // [features, dIn]
    private final float[] bias; // [dIn]

    private HostDecoder(int dIn, float[] rows, float[] bias) {
        this.dIn = dIn;
        this.rows = rows;
        this.bias = bias;
    }

    /** The decoder of {@code codec} copied to the host; its size comes from the decoder rows [features, d_in]. */
    public static HostDecoder of(Codec codec) {
        NDArray rows = codec.decoderRows();
        long features = rows.getShape().get(0);
        int dIn = (int) rows.getShape().get(1);
        try (NDManager scope = rows.getManager().newSubManager()) {
            float[] bias = codec.decode(scope.zeros(new Shape(1, features))).toFloatArray();
            return new HostDecoder(dIn, rows.toFloatArray(), bias);
        }
    }

    /**
     * Writes into {@code out} the reconstruction of the row whose non-zero codes are entries [from, to) of
     * {@code codes}. The sum is taken in float32 in feature order, as a float32 matmul would (to a few ulps).
     */
    public void decodeRow(NonZeroCodes codes, int from, int to, float[] out) {
        System.arraycopy(bias, 0, out, 0, dIn);
        int[] feature = codes.feature();
        float[] value = codes.value();
        for (int e = from; e < to; e++) {
            float v = value[e];
            int base = feature[e] * dIn;
            for (int k = 0; k < dIn; k++) {
                out[k] += v * rows[base + k];
            }
        }
    }
}
