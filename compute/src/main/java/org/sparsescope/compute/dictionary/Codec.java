package org.sparsescope.compute.dictionary;

import ai.djl.ndarray.NDArray;
import java.util.function.UnaryOperator;

/**
 * A dictionary's weights on the engine's device, ready to encode and decode batches. Results attach to the
 * input's manager; the weights live in the manager the codec was made with.
 */
public interface Codec {
    /** Activations [B, d_in] to codes [B, d_sae]. */
    NDArray encode(NDArray x);

    /** Codes [B, d_sae] to reconstructions [B, d_in]. */
    NDArray decode(NDArray codes);

    /** The direction each feature adds to the reconstruction, [d_sae, d_in], in activation space: decode(e_j) − decode(0). */
    NDArray decoderRows();

    /** {@code encoder} with the affine decoder x̂ = c W_dec + b_dec, whose rows are W_dec's: every architecture but the tied one. */
    static Codec withAffineDecoder(UnaryOperator<NDArray> encoder, NDArray wDec, NDArray bDec) {
        return new Codec() {
            @Override
            public NDArray encode(NDArray x) {
                return encoder.apply(x);
            }

            @Override
            public NDArray decode(NDArray c) {
                return c.matMul(wDec).add(bDec);
            }

            @Override
            public NDArray decoderRows() {
                return wDec;
            }
        };
    }
}
