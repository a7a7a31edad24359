package org.sparsescope.compute.model;

import ai.djl.ndarray.NDArray;

/** One architecture's pieces of the forward pass; {@link LanguageModel} runs them in order and applies hooks. */
interface TransformerFamily {
    /** Token ids [B, T] to the residual stream [B, T, D] (blocks.0.hook_resid_pre). */
    default NDArray embed(NDArray ids) {
        return embed(ids, 0);
    }

    /** Token ids [B, T] at positions offset … offset + T − 1 (after a cached prefix) to the residual stream. */
    NDArray embed(NDArray ids, int offset);

    /** One block from resid_pre to resid_post, calling {@code hooks} at attn_out, mlp_out and resid_mid. */
    default NDArray block(int layer, NDArray residPre, HookSite hooks) {
        return block(layer, residPre, hooks, null);
    }

    /**
     * One block over new positions after those {@code cache} holds (null: a whole sequence from position 0), whose
     * keys and values it appends to the cache.
     */
    NDArray block(int layer, NDArray residPre, HookSite hooks, KvCache cache);

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
