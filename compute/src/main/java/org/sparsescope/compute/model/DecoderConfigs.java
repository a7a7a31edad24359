package org.sparsescope.compute.model;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import org.sparsescope.compute.InvalidInputException;
import org.sparsescope.compute.JsonInput;
import org.sparsescope.compute.tensor.Half;

/**
 * Reads the configs of the pre-norm decoders as transformers' {@code configuration_llama/qwen2/qwen3/gemma2/gemma3}
 * define them, in both spellings checkpoints use: {@code rope_theta}/{@code rope_scaling} (with {@code type} or
 * {@code rope_type}) and transformers 5's {@code rope_parameters} (flat, or one per layer type);
 * {@code torch_dtype} or {@code dtype}; {@code hidden_act} or {@code hidden_activation}.
 */
final class DecoderConfigs {
    private static final int MAX_WIDTH = TransformerConfig.MAX_WIDTH;
    private static final int MAX_LAYERS = TransformerConfig.MAX_LAYERS;
    private static final int MAX_VOCAB = TransformerConfig.MAX_VOCAB;

    private DecoderConfigs() {}

    static TransformerConfig read(JsonInput in, JsonObject c, TransformerConfig.Architecture arch) throws IOException {
        Path file = in.file();
        int d = in.positiveInt(c, "hidden_size", MAX_WIDTH);
        int layers = in.positiveInt(c, "num_hidden_layers", MAX_LAYERS);
        int heads = in.positiveInt(c, "num_attention_heads", MAX_WIDTH);
        int kvHeads =
                c.has("num_key_value_heads") && !c.get("num_key_value_heads").isJsonNull()
                        ? in.positiveInt(c, "num_key_value_heads", MAX_WIDTH)
                        : heads;
        if (heads % kvHeads != 0) {
            throw new InvalidInputException(
                    file, heads + " attention heads do not divide into " + kvHeads + " key/value heads");
        }
        boolean gemma = arch == TransformerConfig.Architecture.GEMMA2 || arch == TransformerConfig.Architecture.GEMMA3;
        int headDim = c.has("head_dim") && !c.get("head_dim").isJsonNull()
                ? in.positiveInt(c, "head_dim", MAX_WIDTH)
                : d / heads;
        if (!c.has("head_dim") && d % heads != 0) {
            throw new InvalidInputException(
                    file, "the width " + d + " is not a multiple of the " + heads + " attention heads");
        }
        if (headDim % 2 != 0) {
            throw new InvalidInputException(file, "head_dim " + headDim + " is odd; rotary embeddings pair dimensions");
        }
        if (in.bool(c, "use_sliding_window", false)) {
            throw new UnsupportedModelException(
                    file, "use_sliding_window=true (Qwen's per-layer sliding window) is not supported");
        }
        if (c.has("num_experts") || c.has("num_local_experts")) {
            throw new UnsupportedModelException(file, "mixture-of-experts layers are not supported");
        }

        String activationName = gemma
                ? in.str(c, "hidden_activation", in.str(c, "hidden_act", "gelu_pytorch_tanh"))
                : in.str(c, "hidden_act", "silu");
        TransformerConfig.Activation activation = switch (activationName) {
            case "silu", "swish" -> TransformerConfig.Activation.SILU;
            case "gelu_pytorch_tanh", "gelu_new", "gelu_fast" -> TransformerConfig.Activation.GELU_TANH;
            case "gelu" -> gemma ? TransformerConfig.Activation.GELU_TANH : TransformerConfig.Activation.GELU;
            default ->
                throw new UnsupportedModelException(
                        file, "activation '" + activationName + "' is not supported (silu, gelu_pytorch_tanh, gelu)");
        };

        boolean attentionBias = in.bool(c, "attention_bias", false);
        boolean qkvBias = arch == TransformerConfig.Architecture.QWEN2 || attentionBias;
        boolean outputBias = arch != TransformerConfig.Architecture.QWEN2 && attentionBias;
        boolean qkNorm = arch == TransformerConfig.Architecture.QWEN3 || arch == TransformerConfig.Architecture.GEMMA3;

        double scale =
                gemma ? 1.0 / Math.sqrt(in.number(c, "query_pre_attn_scalar", headDim)) : 1.0 / Math.sqrt(headDim);
        double attentionSoftcap =
                arch == TransformerConfig.Architecture.GEMMA2 ? in.number(c, "attn_logit_softcapping", 0) : 0;
        double finalSoftcap = gemma ? in.number(c, "final_logit_softcapping", 0) : 0;
        if (!(attentionSoftcap >= 0) || !(finalSoftcap >= 0) || !(scale > 0) || Double.isInfinite(scale)) {
            throw new InvalidInputException(file, "attention scale or soft-caps out of range");
        }

        Set<Integer> sliding = slidingLayers(in, c, arch, layers);
        int window = sliding.isEmpty() ? 0 : in.positiveInt(c, "sliding_window", 1 << 24);

        Rope[] ropes = ropes(in, c, arch);
        double embedScale = gemma ? roundedToStoredType(Math.sqrt(d), dtype(in, c)) : 1;
        Decoder decoder = new Decoder(
                kvHeads,
                headDim,
                qkvBias,
                outputBias,
                in.bool(c, "mlp_bias", false),
                qkNorm,
                gemma,
                scale,
                attentionSoftcap,
                finalSoftcap,
                window,
                sliding,
                ropes[0],
                ropes[1],
                embedScale);
        return new TransformerConfig(
                arch,
                d,
                layers,
                heads,
                in.positiveInt(c, "intermediate_size", MAX_WIDTH * 8),
                in.positiveInt(c, "vocab_size", MAX_VOCAB),
                in.number(c, "rms_norm_eps", 1e-6),
                activation,
                headDim,
                ropes[0].theta(),
                false,
                TransformerConfig.positions(in, c, "max_position_embeddings", 8192),
                in.bool(c, "tie_word_embeddings", gemma),
                decoder);
    }

    /** The layers that attend through a sliding window: from layer_types, else each family's default pattern. */
    private static Set<Integer> slidingLayers(
            JsonInput in, JsonObject c, TransformerConfig.Architecture arch, int layers) throws InvalidInputException {
        Set<Integer> out = new HashSet<>();
        JsonElement types = c.get("layer_types");
        if (types != null && !types.isJsonNull()) {
            if (!types.isJsonArray() || types.getAsJsonArray().size() != layers) {
                throw in.error("\"layer_types\" should list one type for each of the " + layers + " layers");
            }
            JsonArray a = types.getAsJsonArray();
            for (int l = 0; l < layers; l++) {
                JsonElement t = a.get(l);
                String type = t.isJsonPrimitive() ? t.getAsString() : "";
                switch (type) {
                    case "sliding_attention" -> out.add(l);
                    case "full_attention" -> {}
                    default ->
                        throw new UnsupportedModelException(
                                in.file(),
                                "layer type '" + type + "' is not supported (sliding_attention, full_attention)");
                }
            }
            return out;
        }
        switch (arch) {
            // configuration_gemma2: even layers slide ("sliding_attention" if not (i + 1) % 2)
            case GEMMA2 -> {
                for (int l = 0; l < layers; l += 2) {
                    out.add(l);
                }
            }
            // configuration_gemma3: every sliding_window_pattern-th layer is global, the rest slide
            case GEMMA3 -> {
                Integer pattern = in.integer(c, "sliding_window_pattern");
                int p = pattern == null ? 6 : pattern;
                if (p <= 0) {
                    throw in.error("\"sliding_window_pattern\" should be positive, found " + p);
                }
                for (int l = 0; l < layers; l++) {
                    if ((l + 1) % p != 0) {
                        out.add(l);
                    }
                }
            }
            // Mistral's sliding_window, when set, applies to every layer
            case LLAMA -> {
                if (c.has("sliding_window") && !c.get("sliding_window").isJsonNull()) {
                    for (int l = 0; l < layers; l++) {
                        out.add(l);
                    }
                }
            }
            default -> {}
        }
        return out;
    }

    /** RoPE of full-attention layers and of sliding-window layers, in whichever spelling the config uses. */
    private static Rope[] ropes(JsonInput in, JsonObject c, TransformerConfig.Architecture arch) throws IOException {
        double defaultTheta = arch == TransformerConfig.Architecture.GEMMA3 ? 1_000_000 : 10_000;
        JsonObject params = in.object(c, "rope_parameters");
        if (params.has("full_attention") || params.has("sliding_attention")) {
            Rope full = rope(in, in.object(params, "full_attention"), in.number(c, "rope_theta", defaultTheta));
            Rope local = params.has("sliding_attention")
                    ? rope(in, in.object(params, "sliding_attention"), in.number(c, "rope_local_base_freq", 10_000))
                    : full;
            return new Rope[] {full, local};
        }
        Rope full;
        if (params.size() > 0) {
            full = rope(in, params, in.number(c, "rope_theta", defaultTheta));
        } else {
            double theta = in.number(c, "rope_theta", defaultTheta);
            JsonObject scaling = in.object(c, "rope_scaling");
            full = scaling.size() > 0 ? rope(in, scaling, theta) : Rope.plain(theta);
        }
        Rope local = arch == TransformerConfig.Architecture.GEMMA3
                ? Rope.plain(in.number(c, "rope_local_base_freq", 10_000))
                : full;
        return new Rope[] {full, local};
    }

    private static Rope rope(JsonInput in, JsonObject o, double fallbackTheta) throws IOException {
        double theta = in.number(o, "rope_theta", fallbackTheta);
        String type = in.str(o, "rope_type", in.str(o, "type", "default"));
        if (!(theta > 1) || Double.isInfinite(theta)) {
            throw in.error("rope_theta " + theta + " is out of range");
        }
        switch (type) {
            case "default" -> {
                return Rope.plain(theta);
            }
            case "linear" -> {
                double factor = in.number(o, "factor", 1);
                if (!(factor >= 1) || Double.isInfinite(factor)) {
                    throw in.error("rope factor " + factor + " is out of range");
                }
                return new Rope(theta, type, factor, 0, 0, 0);
            }
            case "llama3" -> {
                double factor = in.number(o, "factor", 8);
                double low = in.number(o, "low_freq_factor", 1);
                double high = in.number(o, "high_freq_factor", 4);
                Integer original = in.integer(o, "original_max_position_embeddings");
                if (!(factor >= 1)
                        || !(low > 0)
                        || !(high > low)
                        || original == null
                        || original <= 0
                        || Double.isInfinite(factor)
                        || Double.isInfinite(high)) {
                    throw in.error("llama3 rope scaling needs factor ≥ 1, 0 < low_freq_factor < high_freq_factor and"
                            + " original_max_position_embeddings");
                }
                return new Rope(theta, type, factor, low, high, original);
            }
            default ->
                throw new UnsupportedModelException(
                        in.file(), "rope_type '" + type + "' is not supported (default, linear, llama3)");
        }
    }

    private static String dtype(JsonInput in, JsonObject c) throws InvalidInputException {
        return in.str(c, "dtype", in.str(c, "torch_dtype", "float32"));
    }

    /**
     * √hidden as the stored weights hold it: Gemma multiplies the embedding by a normaliser cast to the hidden
     * states' dtype (modeling_gemma2: torch.tensor(hidden_size**0.5, dtype=hidden_states.dtype)).
     */
    static double roundedToStoredType(double value, String dtype) {
        float f = (float) value;
        return switch (dtype) {
            case "bfloat16" -> {
                int bits = Float.floatToRawIntBits(f);
                bits += 0x7FFF + ((bits >>> 16) & 1); // round to nearest even on the top 16 bits
                yield Float.intBitsToFloat(bits & 0xFFFF0000);
            }
            case "float16" -> Half.toFloat(Half.fromFloat(f));
            default -> f;
        };
    }
}
