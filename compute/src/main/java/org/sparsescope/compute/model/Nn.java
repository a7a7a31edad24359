package org.sparsescope.compute.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
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
        return (bias == null ? Linear.linear(x, weight) : Linear.linear(x, weight, bias)).singletonOrThrow();
    }

    static NDArray layerNorm(NDArray x, NDArray gamma, NDArray beta, double eps) {
        Shape s = x.getShape();
        return LayerNorm.layerNorm(x, new Shape(s.get(s.dimension() - 1)), gamma, beta, (float) eps)
                .singletonOrThrow();
    }

    static NDArray gelu(NDArray x, TransformerConfig.Activation kind) {
        return switch (kind) {
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
        Shape s = q.getShape();
        long b = s.get(0), nh = s.get(1), t = s.get(2), hs = s.get(3);
        // Scaled after the product, as transformers' eager attention does: scaling q first is cheaper but rounds
        // differently, enough to move GPT-2's final norm by 3e-4.
        NDArray scores =
                q.matMul(k.transpose(0, 1, 3, 2)).mul(1.0 / Math.sqrt(hs)).add(causalMask); // [B, nh, T, T′]
        NDArray out = scores.softmax(-1).matMul(v); // [B, nh, T, hs]
        return out.transpose(0, 2, 1, 3).reshape(b, t, nh * hs);
    }

    /**
     * Attention of T new positions after P cached ones: q [B, nh, T, hs] against k, v [B, nh, P + T, hs]; each new
     * position sees the cached ones and the new ones up to itself. With P = 0 this is {@link #causalAttention}.
     */
    static NDArray cachedAttention(NDArray q, NDArray k, NDArray v, int past, Constants constants) {
        int t = (int) q.getShape().get(2);
        NDArray mask = past == 0
                ? constants.causalMask(t)
                : t == 1
                        ? null
                        : constants
                                .causalMask(past + t)
                                .get(q.getManager(), new ai.djl.ndarray.index.NDIndex(past + ":" + (past + t) + ", :"));
        if (mask == null) {
            Shape s = q.getShape();
            long b = s.get(0), nh = s.get(1), hs = s.get(3);
            NDArray scores = q.matMul(k.transpose(0, 1, 3, 2))
                    .mul(1.0 / Math.sqrt(hs)); // one position sees everything before it
            return scores.softmax(-1).matMul(v).transpose(0, 2, 1, 3).reshape(b, t, nh * hs);
        }
        return causalAttention(q, k, v, mask);
    }

    /** Per-length constants (masks, rotary tables) kept on the model's long-lived manager. */
    static final class Constants {
        private final NDManager manager;
        private final Map<String, NDArray> cache = new ConcurrentHashMap<>();

        Constants(NDManager manager) {
            this.manager = manager;
        }

        NDArray causalMask(int t) {
            return cache.computeIfAbsent("mask" + t, k -> {
                float[] m = new float[t * t];
                for (int i = 0; i < t; i++) {
                    for (int j = i + 1; j < t; j++) {
                        m[i * t + j] = Float.NEGATIVE_INFINITY;
                    }
                }
                return manager.create(m, new Shape(t, t));
            });
        }

        /** cos and sin tables [T, rotaryDims] of the rotate-half convention (GPT-NeoX), angles in float32 as transformers does. */
        NDArray rotary(String which, int t, int dims, double base) {
            return cache.computeIfAbsent(which + t, k -> {
                float[] table = new float[t * dims];
                int half = dims / 2;
                for (int i = 0; i < half; i++) {
                    float invFreq = (float) (1.0 / Math.pow(base, (2.0 * i) / dims));
                    for (int p = 0; p < t; p++) {
                        float angle = p * invFreq;
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
