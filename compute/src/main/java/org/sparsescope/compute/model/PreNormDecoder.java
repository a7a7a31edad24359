package org.sparsescope.compute.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import org.sparsescope.compute.model.HookPoint.Kind;

/**
 * The pre-norm decoders of transformers' {@code modeling_llama}, {@code modeling_qwen2}, {@code modeling_qwen3},
 * {@code modeling_gemma2} and {@code modeling_gemma3} (text): RMSNorm, grouped-query attention with rotate-half
 * RoPE, a gated MLP (SwiGLU, or Gemma's GeGLU), and each family's particulars as {@link Decoder} describes them.
 * Computed in float32 from weights of any stored precision.
 */
final class PreNormDecoder implements TransformerFamily {
    /** One block's weights; Gemma's post-norms and the q/k norms and biases are null where a family lacks them. */
    private record Layer(
            NDArray inputNorm,
            NDArray postAttentionNorm,
            NDArray mlpNorm,
            NDArray postMlpNorm,
            Matrix qWeight,
            NDArray qBias,
            Matrix kWeight,
            NDArray kBias,
            Matrix vWeight,
            NDArray vBias,
            NDArray qNorm,
            NDArray kNorm,
            Matrix oWeight,
            NDArray oBias,
            Matrix gateWeight,
            NDArray gateBias,
            Matrix upWeight,
            NDArray upBias,
            Matrix downWeight,
            NDArray downBias) {}

    /** Where checkpoints keep the decoder: causal LMs under model., Gemma 3's multimodal one under its language model. */
    private static final String[] PREFIXES = {"model.", "model.language_model.", "language_model.model.", ""};

    private final TransformerConfig cfg;
    private final Decoder dec;
    private final Nn.Constants constants;
    private final Matrix embedTokens;
    private final Layer[] layers;
    private final NDArray finalNorm;
    private final Matrix lmHead;

    PreNormDecoder(TransformerConfig cfg, WeightLoader w, Nn.Constants constants) throws IOException {
        this.cfg = cfg;
        this.dec = cfg.decoder();
        this.constants = constants;
        String p = prefix(w);
        long d = cfg.dModel(), f = cfg.dMlp(), v = cfg.vocabSize();
        long q = (long) cfg.nHeads() * dec.headDim(), kv = (long) dec.kvHeads() * dec.headDim(), hd = dec.headDim();
        embedTokens = w.matrix(p + "embed_tokens.weight", v, d);
        layers = new Layer[cfg.nLayers()];
        for (int l = 0; l < layers.length; l++) {
            String b = p + "layers." + l + ".";
            boolean g = dec.gemma();
            layers[l] = new Layer(
                    gain(w, b + "input_layernorm.weight", d),
                    g ? gain(w, b + "post_attention_layernorm.weight", d) : null,
                    gain(w, b + (g ? "pre_feedforward_layernorm.weight" : "post_attention_layernorm.weight"), d),
                    g ? gain(w, b + "post_feedforward_layernorm.weight", d) : null,
                    w.matrix(b + "self_attn.q_proj.weight", q, d),
                    dec.qkvBias() ? w.take(b + "self_attn.q_proj.bias", q) : null,
                    w.matrix(b + "self_attn.k_proj.weight", kv, d),
                    dec.qkvBias() ? w.take(b + "self_attn.k_proj.bias", kv) : null,
                    w.matrix(b + "self_attn.v_proj.weight", kv, d),
                    dec.qkvBias() ? w.take(b + "self_attn.v_proj.bias", kv) : null,
                    dec.qkNorm() ? gain(w, b + "self_attn.q_norm.weight", hd) : null,
                    dec.qkNorm() ? gain(w, b + "self_attn.k_norm.weight", hd) : null,
                    w.matrix(b + "self_attn.o_proj.weight", d, q),
                    dec.outputBias() ? w.take(b + "self_attn.o_proj.bias", d) : null,
                    w.matrix(b + "mlp.gate_proj.weight", f, d),
                    dec.mlpBias() ? w.take(b + "mlp.gate_proj.bias", f) : null,
                    w.matrix(b + "mlp.up_proj.weight", f, d),
                    dec.mlpBias() ? w.take(b + "mlp.up_proj.bias", f) : null,
                    w.matrix(b + "mlp.down_proj.weight", d, f),
                    dec.mlpBias() ? w.take(b + "mlp.down_proj.bias", d) : null);
            w.progress(l + 1, layers.length);
        }
        finalNorm = gain(w, p + "norm.weight", d);
        // Llama 3.2 1B/3B, Gemma and small Qwens tie the unembedding to the embedding and store no lm_head
        boolean hasHead = w.has("lm_head.weight") || w.has("language_model.lm_head.weight");
        lmHead = cfg.tiedEmbeddings() && !hasHead
                ? embedTokens
                : w.matrix(
                        w.has("language_model.lm_head.weight") ? "language_model.lm_head.weight" : "lm_head.weight",
                        v,
                        d);
    }

    /** The prefix under which this checkpoint keeps embed_tokens; "model." when none does, so take() names it. */
    private static String prefix(WeightLoader w) {
        for (String p : PREFIXES) {
            if (w.has(p + "embed_tokens.weight")) {
                return p;
            }
        }
        return PREFIXES[0];
    }

    /** An RMSNorm's gain: Llama's weight as stored; Gemma's (1 + weight), formed once in float32 as Gemma computes it. */
    private NDArray gain(WeightLoader w, String name, long width) throws IOException {
        NDArray weight = w.take(name, width);
        if (!dec.gemma()) {
            return weight;
        }
        NDArray gain = weight.add(1f);
        weight.close();
        return gain;
    }

    @Override
    public NDArray embed(NDArray ids, int offset) {
        NDArray x = embedTokens.rowsAt(ids);
        return dec.embedScale() == 1 ? x : x.mul((float) dec.embedScale());
    }

    @Override
    public NDArray block(int l, NDArray x, HookSite hooks, KvCache cache) {
        Layer w = layers[l];
        double eps = cfg.layerNormEps();
        return TransformerFamily.sequentialBlock(
                l,
                x,
                hooks,
                h -> {
                    NDArray out = attention(l, w, Nn.rmsNorm(h, w.inputNorm, eps), cache, hooks);
                    return w.postAttentionNorm == null ? out : Nn.rmsNorm(out, w.postAttentionNorm, eps);
                },
                mid -> Nn.rmsNorm(mid, w.mlpNorm, eps),
                n -> {
                    NDArray out = mlp(w, n);
                    return w.postMlpNorm == null ? out : Nn.rmsNorm(out, w.postMlpNorm, eps);
                });
    }

    private NDArray attention(int l, Layer w, NDArray x, KvCache cache, HookSite hooks) {
        Shape s = x.getShape();
        int t = (int) s.get(1);
        int past = cache == null ? 0 : cache.length();
        long b = s.get(0), hd = dec.headDim();
        Rope rope = dec.ropeOf(l);
        NDArray q = heads(w.qWeight.times(x, w.qBias), b, t, cfg.nHeads(), hd);
        NDArray k = heads(w.kWeight.times(x, w.kBias), b, t, dec.kvHeads(), hd);
        NDArray v = heads(w.vWeight.times(x, w.vBias), b, t, dec.kvHeads(), hd);
        if (w.qNorm != null) { // per head, before RoPE (Qwen3, Gemma 3)
            q = Nn.rmsNorm(q, w.qNorm, cfg.layerNormEps());
            k = Nn.rmsNorm(k, w.kNorm, cfg.layerNormEps());
        }
        q = Nn.rotateHalf(q, past, rope, constants);
        k = Nn.rotateHalf(k, past, rope, constants);
        if (cache != null) {
            NDArray[] kv = cache.append(l, k, v);
            k = kv[0];
            v = kv[1];
        }
        int window = dec.sliding(l) ? dec.slidingWindow() : 0;
        NDArray mask = Nn.maskAfter(past, t, window, x, constants);
        NDArray z = Nn.attention(q, k, v, mask, dec.attentionScale(), dec.attentionSoftcap());
        return w.oWeight.times(hooks.at(Kind.ATTN_Z, l, z), w.oBias);
    }

    private static NDArray heads(NDArray x, long b, long t, long n, long hd) {
        return x.reshape(b, t, n, hd).transpose(0, 2, 1, 3); // [B, n, T, hd]
    }

    /** down(act(gate(x)) · up(x)): SwiGLU for Llama and Qwen, GeGLU with tanh-GELU for Gemma. */
    private NDArray mlp(Layer w, NDArray x) {
        NDArray gate = Nn.activation(w.gateWeight.times(x, w.gateBias), cfg.activation());
        return w.downWeight.times(gate.mul(w.upWeight.times(x, w.upBias)), w.downBias);
    }

    @Override
    public NDArray finalNorm(NDArray resid) {
        return Nn.rmsNorm(resid, finalNorm, cfg.layerNormEps());
    }

    /**
     * Vocabulary rows unembedded at a time. A compact piece is widened to float32 for its product: 8192 rows of a
     * 2048-wide unembedding are 67 MB widened (32768 were 268 MB, which kept Llama-3.2-1B's peak 0.3–0.5 GB above its
     * memory goal; measured `bench lm`, same speed), and 17 MB of logits for four windows of 128.
     */
    private static final long UNEMBED_ROWS = 8192;

    /** Logits [B, T, V], soft-capped where the family caps them, a large vocabulary in row pieces ({@link Matrix#logits}). */
    @Override
    public NDArray unembed(NDArray normalized) {
        return lmHead.logits(normalized, dec.finalSoftcap(), UNEMBED_ROWS);
    }

    /** The final norm's gain and the unembedding; Gemma 2's final soft-cap, a bound on whole logits, is left out. */
    @Override
    public NDArray directLogits(NDArray directions) {
        try (NDArray scaled = directions.mul(finalNorm)) {
            return lmHead.logits(scaled, 0, UNEMBED_ROWS);
        }
    }
}
