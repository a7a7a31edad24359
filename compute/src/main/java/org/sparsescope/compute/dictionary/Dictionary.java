package org.sparsescope.compute.dictionary;

import ai.djl.ndarray.NDManager;
import java.util.Map;
import org.sparsescope.compute.tensor.Tensor;

/**
 * A sparse autoencoder: x ↦ codes c = f(…) ↦ x̂. One record of host-side parameters per architecture; its
 * {@link #codec} puts them on a device to run. Weights use SAELens orientation: W_enc [d_in, d_sae],
 * W_dec [d_sae, d_in].
 */
public sealed interface Dictionary
        permits StandardDictionary,
                TopKDictionary,
                JumpReluDictionary,
                GatedDictionary,
                TiedDictionary,
                NormalizedDictionary {
    int dIn();

    int dSae();

    /** SAELens's architecture name: standard, topk, jumprelu, gated; "tied" for the seed's TiedSAE. */
    String architecture();

    DictionaryInfo info();

    Dictionary withInfo(DictionaryInfo info);

    /** The parameters under their SAELens names, as saved. */
    Map<String, Tensor> tensors();

    /** The weights as engine arrays in {@code manager}, with this architecture's encode and decode. */
    Codec codec(NDManager manager);
}
