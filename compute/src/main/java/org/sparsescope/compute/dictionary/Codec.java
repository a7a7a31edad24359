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

    /**
     * Codes [B, d_sae] to the decoder's output [B, d_in]: the reconstruction itself, unless the dictionary normalises
     * each row ({@link #normalization()}); reconstructing rows is {@link #decode(NDArray, NDArray)}.
     */
    NDArray decode(NDArray codes);

    /** The reconstructions [B, d_in] of rows {@code x} [B, d_in] from their (possibly edited) codes [B or 1, d_sae]. */
    default NDArray decode(NDArray codes, NDArray x) {
        return decode(codes);
    }

    /**
     * The direction each feature adds to the decoder's output, [d_sae, d_in]: decode(e_j) − decode(0). In activation
     * space it is scaled per row by {@link InputNormalization#outputScale} where the dictionary normalises rows.
     */
    NDArray decoderRows();

    /** How the dictionary normalises each row; {@link InputNormalization#NONE} for most. */
    default InputNormalization normalization() {
        return InputNormalization.NONE;
    }

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
