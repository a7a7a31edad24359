package org.sparsescope.compute.model;

import ai.djl.ndarray.NDArray;

/** One architecture's pieces of the forward pass; {@link LanguageModel} runs them in order and applies hooks. */
interface TransformerFamily {
    /** Token ids [B, T] to the residual stream [B, T, D] (blocks.0.hook_resid_pre). */
    NDArray embed(NDArray ids);

    /** One block from resid_pre to resid_post, calling {@code hooks} at attn_out, mlp_out and resid_mid. */
    NDArray block(int layer, NDArray residPre, HookSite hooks);

    NDArray finalNorm(NDArray resid);

    /** Normalised residual [B, T, D] to logits [B, T, V]. */
    NDArray unembed(NDArray normalized);

    /**
     * The direct effect of residual directions [k, D] on the logits [k, V]: scaled by the final norm's gain and
     * unembedded (the normalisation itself, which depends on the whole residual, is left out).
     */
    NDArray directLogits(NDArray directions);

    /** Where a block reports an activation, which may come back replaced. */
    @FunctionalInterface
    interface HookSite {
        NDArray at(HookPoint.Kind kind, int layer, NDArray activation);
    }
}
