package org.sparsescope.compute.dictionary;

import ai.djl.ndarray.NDArray;

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
}
