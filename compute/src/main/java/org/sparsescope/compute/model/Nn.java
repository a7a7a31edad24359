package org.sparsescope.compute.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.LayerNorm;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** The few layers both families share, as single engine calls where the engine has one (linear, layer_norm). */
final class Nn {
    private static final double SQRT_2_OVER_PI = Math.sqrt(2.0 / Math.PI);

    private Nn() {}

    /** x @ weightᵀ + bias with weight [out, in], the Hugging Face orientation. */
    static NDArray linear(NDArray x, NDArray weight, NDArray bias) {
        if (weight.getDataType() == DataType.FLOAT16) {
            return widenedLinear(x, weight, bias);
        }
        return (bias == null ? Linear.linear(x, weight) : Linear.linear(x, weight, bias)).singletonOrThrow();
    }

    /**
     * x·Wᵀ + b for a weight held in float16 ({@link WeightPrecision#COMPACT}): widened to float32 for the product
     * (the engine's float16 product is about a hundred times slower) and the widened copy freed at once. An
     * unembedding, too large to widen whole, comes here in row pieces ({@link Matrix#logits}).
     */
    private static NDArray widenedLinear(NDArray x, NDArray weight, NDArray bias) {
        try (NDArray w = weight.toType(DataType.FLOAT32, false)) {
            return linear(x, w, bias);
        }
    }

    static NDArray layerNorm(NDArray x, NDArray gamma, NDArray beta, double eps) {
        Shape s = x.getShape();
        return LayerNorm.layerNorm(x, new Shape(s.get(s.dimension() - 1)), gamma, beta, (float) eps)
                .singletonOrThrow();
    }

    /**
     * RMSNorm as transformers' Llama and Gemma compute it in float32: x · rsqrt(mean(x²) + eps) · gain, where gain is
     * Llama's weight or Gemma's (1 + weight), formed once when the weights load.
     */
    static NDArray rmsNorm(NDArray x, NDArray gain, double eps) {
        NDArray meanSquare = x.pow(2).mean(new int[] {-1}, true);
        return x.div(meanSquare.add(eps).sqrt()).mul(gain);
    }

    static NDArray activation(NDArray x, TransformerConfig.Activation kind) {
        return switch (kind) {
            case SILU -> x.mul(ai.djl.nn.Activation.sigmoid(x));
            case GELU -> ai.djl.nn.Activation.gelu(x);
            // 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))), GPT-2's gelu_new
            case GELU_TANH ->
                x.mul(0.5)
                        .mul(x.add(x.pow(3).mul(0.044715))
                                .mul(SQRT_2_OVER_PI)
                                .tanh()
                                .add(1));
        };
    }

    /**
     * softmax(q kᵀ / √hs + causal mask) v. q, k, v: [B, nh, T, hs]; returns [B, T, nh·hs].
     *
     * @param causalMask [T, T′] with 0 where a query position may attend and -∞ where it may not
     */
    static NDArray causalAttention(NDArray q, NDArray k, NDArray v, NDArray causalMask) {
        return attention(q, k, v, causalMask, 1.0 / Math.sqrt(q.getShape().get(3)), 0);
    }

    /**
     * softmax(softcap(q kᵀ · scale) + mask) v with grouped-query heads: q [B, nh, T, hs] against k, v
     * [B, nkv, S, hs], where query head h reads key/value head h ÷ (nh ÷ nkv), as transformers' repeat_kv pairs them.
     * Returns [B, T, nh·hs].
     *
     * @param mask    [T, S] with 0 where a query may attend and -∞ where it may not; null when every key is visible
     * @param softcap scores become softcap·tanh(scores / softcap) before the mask (Gemma 2); 0 for none
     */
    static NDArray attention(NDArray q, NDArray k, NDArray v, NDArray mask, double scale, double softcap) {
        Shape s = q.getShape();
        long b = s.get(0), nh = s.get(1), t = s.get(2), hs = s.get(3);
        long nkv = k.getShape().get(1), sLen = k.getShape().get(2);
        boolean grouped = nkv != nh;
        NDArray qg = grouped ? q.reshape(b, nkv, nh / nkv, t, hs) : q;
        NDArray kg = grouped ? k.reshape(b, nkv, 1, sLen, hs) : k;
        NDArray vg = grouped ? v.reshape(b, nkv, 1, sLen, hs) : v;
        int last = grouped ? 4 : 3;
        int[] swap = grouped ? new int[] {0, 1, 2, 4, 3} : new int[] {0, 1, 3, 2};
        // Scaled after the product, as transformers' eager attention does: scaling q first is cheaper but rounds
        // differently, enough to move GPT-2's final norm by 3e-4.
        NDArray scores = qg.matMul(kg.transpose(swap)).mul(scale);
        if (softcap > 0) {
            scores = scores.div(softcap).tanh().mul(softcap);
        }
        if (mask != null) {
            scores = scores.add(mask);
        }
        NDArray out = scores.softmax(last).matMul(vg); // [B, nh, T, hs] (grouped: [B, nkv, rep, T, hs])
        return out.reshape(b, nh, t, hs).transpose(0, 2, 1, 3).reshape(b, t, nh * hs);
    }

    /**
     * Attention of T new positions after P cached ones: q [B, nh, T, hs] against k, v [B, nh, P + T, hs]; each new
     * position sees the cached ones and the new ones up to itself. With P = 0 this is {@link #causalAttention}.
     */
    static NDArray cachedAttention(NDArray q, NDArray k, NDArray v, int past, Constants constants) {
        NDArray mask = maskAfter(past, (int) q.getShape().get(2), 0, q, constants);
        return attention(q, k, v, mask, 1.0 / Math.sqrt(q.getShape().get(3)), 0);
    }

    /**
     * Rotate-half RoPE over the whole last dimension of x [B, h, T, dims] at positions past … past + T − 1:
     * x·cos + rotate_half(x)·sin, as transformers' apply_rotary_pos_emb.
     */
    static NDArray rotateHalf(NDArray x, int past, Rope rope, Constants constants) {
        Shape s = x.getShape();
        int t = (int) s.get(2), dims = (int) s.get(3);
        NDArray x1 = x.get(":, :, :, 0:" + dims / 2);
        NDArray x2 = x.get(":, :, :, " + dims / 2 + ":");
        NDArray rotatedHalf = x2.neg().concat(x1, -1);
        NDArray cos, sin;
        if (past == 0) {
            cos = constants.rotary("cos", t, dims, rope);
            sin = constants.rotary("sin", t, dims, rope);
        } else {
            // a position's angles do not depend on the table's length: one table per 256 positions, not one per step
            int len = (past + t + 255) / 256 * 256;
            // sliced into the pass's scope, not the model's, which would keep every step's slice
            ai.djl.ndarray.index.NDIndex rows = new ai.djl.ndarray.index.NDIndex(past + ":" + (past + t));
            cos = constants.rotary("cos", len, dims, rope).get(x.getManager(), rows);
            sin = constants.rotary("sin", len, dims, rope).get(x.getManager(), rows);
        }
        return x.mul(cos).add(rotatedHalf.mul(sin));
    }

    /**
     * The attention mask of T new positions after {@code past} cached ones, [T, past + T]; null when a single new
     * position may see every key (no window, or one it does not yet exceed).
     */
    static NDArray maskAfter(int past, int t, int window, NDArray like, Constants constants) {
        if (past == 0) {
            return constants.causalMask(t, window, like.getManager());
        }
        if (t == 1 && (window == 0 || past + 1 <= window)) {
            return null;
        }
        if (t == 1) {
            // one new position past the window: a row made in the pass's scope, not a cached (past+1)² mask per step
            float[] row = new float[past + 1];
            java.util.Arrays.fill(row, 0, past + 1 - window, Float.NEGATIVE_INFINITY);
            return like.getManager().create(row, new Shape(1, past + 1));
        }
        return constants
                .causalMask(past + t, window, like.getManager())
                .get(like.getManager(), new ai.djl.ndarray.index.NDIndex(past + ":" + (past + t) + ", :"));
    }

    /** Per-length constants (masks, rotary tables) kept on the model's long-lived manager. */
    static final class Constants {
        private final NDManager manager;
        private final Map<String, NDArray> cache = new ConcurrentHashMap<>();

        Constants(NDManager manager) {
            this.manager = manager;
        }

        /** Longest sequence whose mask is kept: longer ones, each a different length, would pile up T² floats each. */
        static final int CACHED_MASK_LENGTH = 256;

        NDArray causalMask(int t, NDManager scope) {
            return causalMask(t, 0, scope);
        }

        /**
         * [T, T] causal mask; with a window w > 0, position i also sees no key at or before i − w. Kept on the model's
         * manager up to {@link #CACHED_MASK_LENGTH}; a longer one (a chat prompt, a long window) is made in
         * {@code scope}, the pass's, and goes with it.
         */
        NDArray causalMask(int t, int window, NDManager scope) {
            if (t > CACHED_MASK_LENGTH) {
                return causalMaskIn(scope, t, window);
            }
            return cache.computeIfAbsent("mask" + t + "/" + window, k -> causalMaskIn(manager, t, window));
        }

        /** The mask in {@code where}: −∞ for a later key, and (window w > 0) for a key at or before i − w. */
        private static NDArray causalMaskIn(NDManager where, int t, int window) {
            float[] m = new float[t * t];
            for (int i = 0; i < t; i++) {
                for (int j = 0; j < t; j++) {
                    if (j > i || (window > 0 && i - j >= window)) {
                        m[i * t + j] = Float.NEGATIVE_INFINITY;
                    }
                }
            }
            return where.create(m, new Shape(t, t));
        }

        /** cos or sin table [T, dims] of rotate-half RoPE with these frequencies, in float32 as transformers. */
        NDArray rotary(String which, int t, int dims, Rope rope) {
            return cache.computeIfAbsent(which + t + "/" + rope.key(dims), k -> {
                float[] inv = rope.inverseFrequencies(dims);
                float[] table = new float[t * dims];
                int half = dims / 2;
                for (int i = 0; i < half; i++) {
                    for (int p = 0; p < t; p++) {
                        float angle = p * inv[i];
                        float v = which.equals("cos") ? (float) Math.cos(angle) : (float) Math.sin(angle);
                        table[p * dims + i] = v;
                        table[p * dims + i + half] = v;
                    }
                }
                return manager.create(table, new Shape(t, dims));
            });
        }
    }
}
