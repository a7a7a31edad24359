package org.sparsescope.compute.model;

import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.sparsescope.compute.InvalidInputException;
import org.sparsescope.compute.JsonInput;

/**
 * The shape of a decoder-only transformer, read from a Hugging Face {@code config.json}. One type for every
 * supported family; the family's own block is chosen by {@link #architecture()}.
 *
 * @param rotaryDims   dimensions of each head that get rotary embeddings (GPT-NeoX: head size × rotary_pct; GPT-2: 0)
 * @param maxPositions longest sequence the position embedding covers (GPT-2's learned wpe)
 * @param decoder      the pre-norm decoders' settings (Llama, Qwen, Gemma); null for GPT-2 and GPT-NeoX
 */
public record TransformerConfig(
        Architecture architecture,
        int dModel,
        int nLayers,
        int nHeads,
        int dMlp,
        int vocabSize,
        double layerNormEps,
        Activation activation,
        int rotaryDims,
        double rotaryBase,
        boolean parallelResidual,
        int maxPositions,
        boolean tiedEmbeddings,
        Decoder decoder) {

    /** The families the app runs; Mistral and other LlamaForCausalLM-layout checkpoints run as LLAMA. */
    public enum Architecture {
        GPT_NEOX("GPT-NeoX"),
        GPT2("GPT-2"),
        LLAMA("Llama"),
        QWEN2("Qwen2"),
        QWEN3("Qwen3"),
        GEMMA2("Gemma 2"),
        GEMMA3("Gemma 3");

        private final String label;

        Architecture(String label) {
            this.label = label;
        }

        @Override
        public String toString() {
            return label;
        }
    }

    /** The MLP nonlinearity: exact erf GELU, the tanh approximation GPT-2 calls gelu_new, or SiLU (SwiGLU). */
    public enum Activation {
        GELU,
        GELU_TANH,
        SILU
    }

    /** Width of one attention head (a pre-norm decoder's head_dim may differ from hidden ÷ heads). */
    public int headSize() {
        return decoder != null ? decoder.headDim() : dModel / nHeads;
    }

    /** Whether the model prepends a pre-norm decoder's particulars (Llama, Qwen, Gemma), not GPT-2's or GPT-NeoX's. */
    public boolean isDecoder() {
        return decoder != null;
    }

    /** Parameters in one block's matrices and biases (attention + MLP + norms). */
    public long blockParams() {
        if (decoder != null) {
            long q = (long) nHeads * headSize(), kv = (long) decoder.kvHeads() * headSize();
            long attn = 2L * dModel * q + 2L * dModel * kv;
            long mlp = 3L * dModel * dMlp; // gate, up, down
            return attn + mlp + (decoder.gemma() ? 4L : 2L) * dModel;
        }
        long attn = 4L * dModel * dModel + 4L * dModel;
        long mlp = 2L * dModel * dMlp + dMlp + dModel;
        return attn + mlp + 4L * dModel;
    }

    /** The file a model folder describes its shape in. */
    public static final String FILE = "config.json";

    /** Bounds on sizes read from a config, checked before anything is allocated from them. */
    static final int MAX_WIDTH = 1 << 16;

    static final int MAX_LAYERS = 1 << 10;
    static final int MAX_VOCAB = 1 << 22;

    public static TransformerConfig read(Path modelDir) throws IOException {
        Path file = modelDir.resolve("config.json");
        // SyntheticSets.FILE, spelt out: the model package stays below the activation sets it would otherwise import
        if (!Files.isRegularFile(file) && Files.isRegularFile(modelDir.resolve("synthetic.json"))) {
            throw new InvalidInputException(
                    modelDir,
                    "is a synthetic activation set, made by a generator, not a language model: perplexity, KL and CE"
                            + " loss recovered, ablation, steering, generation and the inspector need a model");
        }
        if (!Files.isRegularFile(file)) {
            throw new InvalidInputException(
                    file, "missing: a model folder needs config.json, model.safetensors and tokenizer.json");
        }
        JsonInput in = JsonInput.of(file);
        JsonObject c = in.readObject();
        String type = in.str(c, "model_type", "(none)");
        // Gemma3ForConditionalGeneration keeps its language model's settings in text_config
        if (type.equals("gemma3") && c.has("text_config")) {
            c = in.object(c, "text_config");
            type = in.str(c, "model_type", "gemma3_text");
        }
        TransformerConfig t = switch (type) {
            case "gpt_neox" -> neox(in, c);
            case "gpt2" -> gpt2(in, c);
            case "llama", "mistral" -> DecoderConfigs.read(in, c, Architecture.LLAMA);
            case "qwen2" -> DecoderConfigs.read(in, c, Architecture.QWEN2);
            case "qwen3" -> DecoderConfigs.read(in, c, Architecture.QWEN3);
            case "gemma2" -> DecoderConfigs.read(in, c, Architecture.GEMMA2);
            case "gemma3", "gemma3_text" -> DecoderConfigs.read(in, c, Architecture.GEMMA3);
            case "mixtral", "qwen2_moe", "qwen3_moe", "llama4", "llama4_text", "deepseek_v2", "deepseek_v3" ->
                throw new UnsupportedModelException(
                        file, "model_type '" + type + "' is a mixture-of-experts model, which the app does not run");
            case "qwen3_next", "qwen3_5", "qwen3_5_text", "qwen3_5_moe" ->
                throw new UnsupportedModelException(
                        file,
                        "model_type '" + type + "' mixes Gated DeltaNet (linear attention) layers into the"
                                + " transformer, which the app does not run");
            default ->
                throw new UnsupportedModelException(
                        file,
                        "model_type '" + type + "' is not supported (supported: gpt_neox — the Pythia family —,"
                                + " gpt2, llama and mistral, qwen2, qwen3, gemma2, gemma3)");
        };
        if (t.decoder == null && t.dModel % t.nHeads != 0) {
            throw new InvalidInputException(
                    file, "the width " + t.dModel + " is not a multiple of the " + t.nHeads + " attention heads");
        }
        return t;
    }

    private static TransformerConfig neox(JsonInput in, JsonObject c) throws IOException {
        Path file = in.file();
        int d = in.positiveInt(c, "hidden_size", MAX_WIDTH);
        int heads = in.positiveInt(c, "num_attention_heads", MAX_WIDTH);
        // Older checkpoints say rotary_pct / rotary_emb_base; transformers 5 writes rope_parameters.
        JsonObject rope = in.object(c, "rope_parameters");
        double pct = in.number(
                rope, "partial_rotary_factor", in.number(c, "partial_rotary_factor", in.number(c, "rotary_pct", 1.0)));
        double base =
                in.number(rope, "rope_theta", in.number(c, "rope_theta", in.number(c, "rotary_emb_base", 10000.0)));
        if (!(pct >= 0 && pct <= 1) || !(base > 0)) {
            throw new InvalidInputException(
                    file, "rotary settings out of range (fraction " + pct + ", base " + base + ")");
        }
        String ropeType = in.str(
                rope,
                "rope_type",
                c.has("rope_scaling") && c.get("rope_scaling").isJsonObject() ? "scaled" : "default");
        if (!ropeType.equals("default")) {
            throw new UnsupportedModelException(
                    file, "rope_type '" + ropeType + "' is not supported (only default rotary embeddings)");
        }
        return new TransformerConfig(
                Architecture.GPT_NEOX,
                d,
                in.positiveInt(c, "num_hidden_layers", MAX_LAYERS),
                heads,
                in.positiveInt(c, "intermediate_size", MAX_WIDTH * 8),
                in.positiveInt(c, "vocab_size", MAX_VOCAB),
                in.number(c, "layer_norm_eps", 1e-5),
                activation(file, in.str(c, "hidden_act", "gelu")),
                (int) ((d / heads) * pct),
                base,
                in.bool(c, "use_parallel_residual", true),
                positions(in, c, "max_position_embeddings", 2048),
                in.bool(c, "tie_word_embeddings", false),
                null);
    }

    private static TransformerConfig gpt2(JsonInput in, JsonObject c) throws IOException {
        Path file = in.file();
        int d = in.positiveInt(c, "n_embd", MAX_WIDTH);
        if (in.bool(c, "scale_attn_by_inverse_layer_idx", false)) {
            throw new UnsupportedModelException(file, "scale_attn_by_inverse_layer_idx is not supported");
        }
        if (!in.bool(c, "scale_attn_weights", true)) {
            throw new UnsupportedModelException(file, "scale_attn_weights=false is not supported");
        }
        int inner = c.has("n_inner") && !c.get("n_inner").isJsonNull()
                ? in.positiveInt(c, "n_inner", MAX_WIDTH * 8)
                : 4 * d;
        return new TransformerConfig(
                Architecture.GPT2,
                d,
                in.positiveInt(c, "n_layer", MAX_LAYERS),
                in.positiveInt(c, "n_head", MAX_WIDTH),
                inner,
                in.positiveInt(c, "vocab_size", MAX_VOCAB),
                in.number(c, "layer_norm_epsilon", 1e-5),
                activation(file, in.str(c, "activation_function", "gelu_new")),
                0,
                0,
                false,
                positions(in, c, "n_positions", 1024),
                true,
                null);
    }

    static int positions(JsonInput in, JsonObject c, String key, int fallback) throws InvalidInputException {
        return c.has(key) && !c.get(key).isJsonNull() ? in.positiveInt(c, key, 1 << 24) : fallback;
    }

    private static Activation activation(Path file, String name) throws UnsupportedModelException {
        return switch (name) {
            case "gelu" -> Activation.GELU;
            case "gelu_new", "gelu_fast", "gelu_pytorch_tanh" -> Activation.GELU_TANH;
            default ->
                throw new UnsupportedModelException(
                        file, "activation '" + name + "' is not supported (gelu, gelu_new)");
        };
    }
}
