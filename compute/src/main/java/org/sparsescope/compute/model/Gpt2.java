package org.sparsescope.compute.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.core.Embedding;
import java.io.IOException;
import org.sparsescope.compute.model.HookPoint.Kind;

/** GPT-2: learned positions, sequential residual, Conv1D weights stored [in, out], unembedding tied to wte. */
final class Gpt2 implements TransformerFamily {
    private record Layer(
            NDArray ln1Gain,
            NDArray ln1Bias,
            NDArray ln2Gain,
            NDArray ln2Bias,
            NDArray qkvWeight,
            NDArray qkvBias,
            NDArray projWeight,
            NDArray projBias,
            NDArray fcWeight,
            NDArray fcBias,
            NDArray mlpProjWeight,
            NDArray mlpProjBias) {}

    private final TransformerConfig cfg;
    private final Nn.Constants constants;
    private final NDArray wte;
    private final NDArray wpe;
    private final Layer[] layers;
    private final NDArray finalGain;
    private final NDArray finalBias;
    private final NDArray unembedWeight;

    Gpt2(TransformerConfig cfg, WeightLoader w, Nn.Constants constants) throws IOException {
        this.cfg = cfg;
        this.constants = constants;
        long d = cfg.dModel(), f = cfg.dMlp(), v = cfg.vocabSize();
        wte = w.take(new String[] {"transformer.wte.weight", "wte.weight"}, v, d);
        wpe = w.take(new String[] {"transformer.wpe.weight", "wpe.weight"}, cfg.maxPositions(), d);
        layers = new Layer[cfg.nLayers()];
        for (int l = 0; l < layers.length; l++) {
            String p = "transformer.h." + l + ".";
            layers[l] = new Layer(
                    w.take(p + "ln_1.weight", d), w.take(p + "ln_1.bias", d),
                    w.take(p + "ln_2.weight", d), w.take(p + "ln_2.bias", d),
                    w.takeConv1D(p + "attn.c_attn.weight", d, 3 * d), w.take(p + "attn.c_attn.bias", 3 * d),
                    w.takeConv1D(p + "attn.c_proj.weight", d, d), w.take(p + "attn.c_proj.bias", d),
                    w.takeConv1D(p + "mlp.c_fc.weight", d, f), w.take(p + "mlp.c_fc.bias", f),
                    w.takeConv1D(p + "mlp.c_proj.weight", f, d), w.take(p + "mlp.c_proj.bias", d));
            w.progress(l + 1, layers.length);
        }
        finalGain = w.take(new String[] {"transformer.ln_f.weight", "ln_f.weight"}, d);
        finalBias = w.take(new String[] {"transformer.ln_f.bias", "ln_f.bias"}, d);
        unembedWeight = wte; // tied, as GPT2LMHeadModel
    }

    @Override
    public NDArray embed(NDArray ids, int offset) {
        long t = ids.getShape().get(1);
        if (offset + t > cfg.maxPositions()) {
            throw new IllegalArgumentException(
                    "sequence of " + (offset + t) + " tokens exceeds GPT-2's " + cfg.maxPositions() + " positions");
        }
        NDArray tokens = Embedding.embedding(ids, wte, SparseFormat.DENSE).singletonOrThrow(); // [B, T, D]
        // + [T, D] of positions offset …, made in the pass's scope
        return tokens.add(wpe.get(tokens.getManager(), new ai.djl.ndarray.index.NDIndex(offset + ":" + (offset + t))));
    }

    @Override
    public NDArray block(int l, NDArray x, HookSite hooks, KvCache cache) {
        Layer w = layers[l];
        return TransformerFamily.sequentialBlock(
                l,
                x,
                hooks,
                h -> attention(l, w, Nn.layerNorm(h, w.ln1Gain, w.ln1Bias, cfg.layerNormEps()), cache, hooks),
                mid -> Nn.layerNorm(mid, w.ln2Gain, w.ln2Bias, cfg.layerNormEps()),
                n -> mlp(w, n));
    }

    private NDArray attention(int l, Layer w, NDArray x, KvCache cache, HookSite hooks) {
        Shape s = x.getShape();
        int t = (int) s.get(1);
        long b = s.get(0), d = cfg.dModel(), nh = cfg.nHeads(), hs = cfg.headSize();
        NDArray qkv = Nn.linear(x, w.qkvWeight, w.qkvBias); // [B, T, 3D] as q | k | v
        NDArray q = heads(qkv.get(":, :, 0:" + d), b, t, nh, hs);
        NDArray k = heads(qkv.get(":, :, " + d + ":" + 2 * d), b, t, nh, hs);
        NDArray v = heads(qkv.get(":, :, " + 2 * d + ":"), b, t, nh, hs);
        NDArray z;
        if (cache == null) {
            z = Nn.causalAttention(q, k, v, constants.causalMask(t, q.getManager()));
        } else {
            int past = cache.length();
            NDArray[] kv = cache.append(l, k, v);
            z = Nn.cachedAttention(q, kv[0], kv[1], past, constants);
        }
        return Nn.linear(hooks.at(Kind.ATTN_Z, l, z), w.projWeight, w.projBias);
    }

    private static NDArray heads(NDArray x, long b, long t, long nh, long hs) {
        return x.reshape(b, t, nh, hs).transpose(0, 2, 1, 3); // [B, nh, T, hs]
    }

    private NDArray mlp(Layer w, NDArray x) {
        return Nn.linear(
                Nn.activation(Nn.linear(x, w.fcWeight, w.fcBias), cfg.activation()), w.mlpProjWeight, w.mlpProjBias);
    }

    @Override
    public NDArray finalNorm(NDArray resid) {
        return Nn.layerNorm(resid, finalGain, finalBias, cfg.layerNormEps());
    }

    @Override
    public NDArray directLogits(NDArray directions) {
        return Nn.linear(directions.mul(finalGain), unembedWeight, null);
    }

    @Override
    public NDArray unembed(NDArray normalized) {
        return Nn.linear(normalized, unembedWeight, null);
    }
}
