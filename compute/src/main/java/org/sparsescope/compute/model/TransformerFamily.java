package org.sparsescope.compute.model;

import ai.djl.ndarray.NDArray;
import java.util.function.UnaryOperator;
import org.sparsescope.compute.model.HookPoint.Kind;

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

    /**
     * The sequential residual block every family shares (all but GPT-NeoX's parallel one): attn_out = attention(x),
     * resid_mid = x + attn_out, ln2.hook_normalized = mlpNorm(resid_mid), mlp_out = mlp(that), resid_post =
     * resid_mid + mlp_out. {@code attention} and {@code mlp} include whatever norms a family puts around them
     * (Gemma's post-norms sit inside, so the hooks see what is added to the residual stream, as TransformerLens).
     */
    static NDArray sequentialBlock(
            int layer,
            NDArray x,
            HookSite hooks,
            UnaryOperator<NDArray> attention,
            UnaryOperator<NDArray> mlpNorm,
            UnaryOperator<NDArray> mlp) {
        NDArray attnOut = hooks.at(Kind.ATTN_OUT, layer, attention.apply(x));
        NDArray mid = hooks.at(Kind.RESID_MID, layer, x.add(attnOut));
        NDArray normalized = hooks.at(Kind.LN2_NORMALIZED, layer, mlpNorm.apply(mid));
        NDArray mlpOut = hooks.at(Kind.MLP_OUT, layer, mlp.apply(normalized));
        return mid.add(mlpOut);
    }

    /** Where a block reports an activation, which may come back replaced. */
    @FunctionalInterface
    interface HookSite {
        NDArray at(HookPoint.Kind kind, int layer, NDArray activation);
    }
}
