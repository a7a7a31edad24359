package org.sparsescope.compute.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.core.Embedding;
import java.io.IOException;
import java.util.function.UnaryOperator;
import org.sparsescope.compute.model.HookPoint.Kind;

/** GPT-NeoX (Pythia): partial rotary embeddings (rotate-half), parallel or sequential residual, untied embed_out. */
final class GptNeoX implements TransformerFamily {
    private record Layer(
            NDArray ln1Gain,
            NDArray ln1Bias,
            NDArray ln2Gain,
            NDArray ln2Bias,
            NDArray qkvWeight,
            NDArray qkvBias,
            NDArray denseWeight,
            NDArray denseBias,
            NDArray upWeight,
            NDArray upBias,
            NDArray downWeight,
            NDArray downBias) {}

    private final TransformerConfig cfg;
    private final Nn.Constants constants;
    private final Rope rope;
    private final NDArray embedIn;
    private final Layer[] layers;
    private final NDArray finalGain;
    private final NDArray finalBias;
    private final NDArray embedOut;

    GptNeoX(TransformerConfig cfg, WeightLoader w, Nn.Constants constants) throws IOException {
        this.cfg = cfg;
        this.constants = constants;
        this.rope = Rope.plain(cfg.rotaryBase());
        long d = cfg.dModel(), f = cfg.dMlp(), v = cfg.vocabSize();
        embedIn = w.take("gpt_neox.embed_in.weight", v, d);
        layers = new Layer[cfg.nLayers()];
        for (int l = 0; l < layers.length; l++) {
            String p = "gpt_neox.layers." + l + ".";
            layers[l] = new Layer(
                    w.take(p + "input_layernorm.weight", d), w.take(p + "input_layernorm.bias", d),
                    w.take(p + "post_attention_layernorm.weight", d), w.take(p + "post_attention_layernorm.bias", d),
                    w.take(p + "attention.query_key_value.weight", 3 * d, d),
                            w.take(p + "attention.query_key_value.bias", 3 * d),
                    w.take(p + "attention.dense.weight", d, d), w.take(p + "attention.dense.bias", d),
                    w.take(p + "mlp.dense_h_to_4h.weight", f, d), w.take(p + "mlp.dense_h_to_4h.bias", f),
                    w.take(p + "mlp.dense_4h_to_h.weight", d, f), w.take(p + "mlp.dense_4h_to_h.bias", d));
            w.progress(l + 1, layers.length);
        }
        finalGain = w.take("gpt_neox.final_layer_norm.weight", d);
        finalBias = w.take("gpt_neox.final_layer_norm.bias", d);
        // Pythia names the unembedding embed_out; newer transformers save it as lm_head.
        embedOut = cfg.tiedEmbeddings() ? embedIn : w.take(new String[] {"embed_out.weight", "lm_head.weight"}, v, d);
    }

    @Override
    public NDArray embed(NDArray ids, int offset) {
        return Embedding.embedding(ids, embedIn, SparseFormat.DENSE)
                .singletonOrThrow(); // positions enter through the rotary angles
    }

    @Override
    public NDArray block(int l, NDArray x, HookSite hooks, KvCache cache) {
        Layer w = layers[l];
        UnaryOperator<NDArray> attention =
                h -> attention(l, w, Nn.layerNorm(h, w.ln1Gain, w.ln1Bias, cfg.layerNormEps()), cache, hooks);
        UnaryOperator<NDArray> mlpNorm = h -> Nn.layerNorm(h, w.ln2Gain, w.ln2Bias, cfg.layerNormEps());
        if (cfg.parallelResidual()) {
            // x + attn(ln1(x)) + mlp(ln2(x)): both sublayers read resid_pre
            NDArray attnOut = hooks.at(Kind.ATTN_OUT, l, attention.apply(x));
            NDArray normalized = hooks.at(Kind.LN2_NORMALIZED, l, mlpNorm.apply(x));
            NDArray mlpOut = hooks.at(Kind.MLP_OUT, l, mlp(w, normalized));
            return mlpOut.add(attnOut).add(x);
        }
        return TransformerFamily.sequentialBlock(l, x, hooks, attention, mlpNorm, n -> mlp(w, n));
    }

    private NDArray attention(int l, Layer w, NDArray x, KvCache cache, HookSite hooks) {
        Shape s = x.getShape();
        int t = (int) s.get(1);
        int past = cache == null ? 0 : cache.length();
        long b = s.get(0), nh = cfg.nHeads(), hs = cfg.headSize();
        NDArray qkv = Nn.linear(x, w.qkvWeight, w.qkvBias) // [B, T, 3D]
                .reshape(b, t, nh, 3 * hs)
                .transpose(0, 2, 1, 3); // [B, nh, T, 3·hs], per head q|k|v
        NDArray q = rotary(qkv.get(":, :, :, 0:" + hs), t, past);
        NDArray k = rotary(qkv.get(":, :, :, " + hs + ":" + 2 * hs), t, past);
        NDArray v = qkv.get(":, :, :, " + 2 * hs + ":");
        NDArray merged;
        if (cache == null) {
            merged = Nn.causalAttention(q, k, v, constants.causalMask(t, q.getManager())); // [B, T, D]
        } else {
            NDArray[] kv = cache.append(l, k, v);
            merged = Nn.cachedAttention(q, kv[0], kv[1], past, constants);
        }
        return Nn.linear(hooks.at(Kind.ATTN_Z, l, merged), w.denseWeight, w.denseBias);
    }

    /** Rotates the first rotaryDims of each head at positions past … past + t − 1; the rest passes through. */
    private NDArray rotary(NDArray x, int t, int past) {
        int rd = cfg.rotaryDims();
        if (rd == 0) {
            return x;
        }
        NDArray out = Nn.rotateHalf(x.get(":, :, :, 0:" + rd), past, rope, constants);
        return rd == cfg.headSize() ? out : out.concat(x.get(":, :, :, " + rd + ":"), -1);
    }

    private NDArray mlp(Layer w, NDArray x) {
        return Nn.linear(Nn.activation(Nn.linear(x, w.upWeight, w.upBias), cfg.activation()), w.downWeight, w.downBias);
    }

    @Override
    public NDArray finalNorm(NDArray resid) {
        return Nn.layerNorm(resid, finalGain, finalBias, cfg.layerNormEps());
    }

    @Override
    public NDArray directLogits(NDArray directions) {
        return Nn.linear(directions.mul(finalGain), embedOut, null);
    }

    @Override
    public NDArray unembed(NDArray normalized) {
        return Nn.linear(normalized, embedOut, null);
    }
}
