package org.sparsescope.compute.model;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.sparsescope.compute.InvalidInputException;

/**
 * The shape of a decoder-only transformer, read from a Hugging Face {@code config.json}. One type for every
 * supported family; the family's own block is chosen by {@link #architecture()}.
 *
 * @param rotaryDims   dimensions of each head that get rotary embeddings (GPT-NeoX: head size × rotary_pct; GPT-2: 0)
 * @param maxPositions longest sequence the position embedding covers (GPT-2's learned wpe)
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
        boolean tiedEmbeddings) {

    public enum Architecture { GPT_NEOX, GPT2 }

    /** The MLP nonlinearity: exact erf GELU, or the tanh approximation GPT-2 calls gelu_new. */
    public enum Activation { GELU, GELU_TANH }

    public int headSize() {
        return dModel / nHeads;
    }

    /** Parameters in one block's matrices and biases (attention + MLP + two layer norms). */
    public long blockParams() {
        long attn = 4L * dModel * dModel + 4L * dModel;
        long mlp = 2L * dModel * dMlp + dMlp + dModel;
        return attn + mlp + 4L * dModel;
    }

    /** The file a model folder describes its shape in. */
    public static final String FILE = "config.json";

    public static TransformerConfig read(Path modelDir) throws IOException {
        Path file = modelDir.resolve("config.json");
        JsonObject c;
        try {
            JsonElement root = JsonParser.parseString(Files.readString(file));
            if (!root.isJsonObject()) {
                throw new InvalidInputException(file, "expected a JSON object");
            }
            c = root.getAsJsonObject();
        } catch (NoSuchFileException e) {
            throw new InvalidInputException(file, "missing: a model folder needs config.json, model.safetensors and tokenizer.json");
        } catch (JsonParseException e) {
            throw new InvalidInputException(file, "malformed JSON: " + e.getMessage(), e);
        }
        String type = c.has("model_type") ? c.get("model_type").getAsString() : "(none)";
        try {
            return switch (type) {
                case "gpt_neox" -> neox(file, c);
                case "gpt2" -> gpt2(file, c);
                default -> throw new UnsupportedModelException(file, "model_type '" + type
                        + "' is not supported (supported: gpt_neox — the Pythia family — and gpt2)");
            };
        } catch (IllegalStateException | UnsupportedOperationException | NullPointerException | NumberFormatException e) {
            throw new InvalidInputException(file, "malformed config: " + e.getMessage(), e);
        }
    }

    private static TransformerConfig neox(Path file, JsonObject c) throws UnsupportedModelException {
        int d = c.get("hidden_size").getAsInt();
        int heads = c.get("num_attention_heads").getAsInt();
        // Older checkpoints say rotary_pct / rotary_emb_base; transformers 5 writes rope_parameters.
        JsonObject rope = c.has("rope_parameters") && c.get("rope_parameters").isJsonObject() ? c.getAsJsonObject("rope_parameters") : new JsonObject();
        double pct = num(rope, "partial_rotary_factor", num(c, "partial_rotary_factor", num(c, "rotary_pct", 1.0)));
        double base = num(rope, "rope_theta", num(c, "rope_theta", num(c, "rotary_emb_base", 10000.0)));
        String ropeType = rope.has("rope_type") ? rope.get("rope_type").getAsString()
                : c.has("rope_scaling") && c.get("rope_scaling").isJsonObject() ? "scaled" : "default";
        if (!ropeType.equals("default")) {
            throw new UnsupportedModelException(file, "rope_type '" + ropeType + "' is not supported (only default rotary embeddings)");
        }
        return new TransformerConfig(Architecture.GPT_NEOX, d, c.get("num_hidden_layers").getAsInt(), heads,
                c.get("intermediate_size").getAsInt(), c.get("vocab_size").getAsInt(), num(c, "layer_norm_eps", 1e-5),
                activation(file, str(c, "hidden_act", "gelu")), (int) ((d / heads) * pct), base,
                !c.has("use_parallel_residual") || c.get("use_parallel_residual").getAsBoolean(),
                (int) num(c, "max_position_embeddings", 2048), c.has("tie_word_embeddings") && c.get("tie_word_embeddings").getAsBoolean());
    }

    private static TransformerConfig gpt2(Path file, JsonObject c) throws UnsupportedModelException {
        int d = c.get("n_embd").getAsInt();
        if (c.has("scale_attn_by_inverse_layer_idx") && c.get("scale_attn_by_inverse_layer_idx").getAsBoolean()) {
            throw new UnsupportedModelException(file, "scale_attn_by_inverse_layer_idx is not supported");
        }
        if (c.has("scale_attn_weights") && !c.get("scale_attn_weights").getAsBoolean()) {
            throw new UnsupportedModelException(file, "scale_attn_weights=false is not supported");
        }
        int inner = c.has("n_inner") && !c.get("n_inner").isJsonNull() ? c.get("n_inner").getAsInt() : 4 * d;
        return new TransformerConfig(Architecture.GPT2, d, c.get("n_layer").getAsInt(), c.get("n_head").getAsInt(), inner,
                c.get("vocab_size").getAsInt(), num(c, "layer_norm_epsilon", 1e-5),
                activation(file, str(c, "activation_function", "gelu_new")), 0, 0, false,
                (int) num(c, "n_positions", 1024), true);
    }

    private static Activation activation(Path file, String name) throws UnsupportedModelException {
        return switch (name) {
            case "gelu" -> Activation.GELU;
            case "gelu_new", "gelu_fast", "gelu_pytorch_tanh" -> Activation.GELU_TANH;
            default -> throw new UnsupportedModelException(file, "activation '" + name + "' is not supported (gelu, gelu_new)");
        };
    }

    private static double num(JsonObject o, String key, double fallback) {
        return o.has(key) && !o.get(key).isJsonNull() ? o.get(key).getAsDouble() : fallback;
    }

    private static String str(JsonObject o, String key, String fallback) {
        return o.has(key) && !o.get(key).isJsonNull() ? o.get(key).getAsString() : fallback;
    }
}
