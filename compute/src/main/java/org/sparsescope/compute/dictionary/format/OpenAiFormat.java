package org.sparsescope.compute.dictionary.format;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.sparsescope.compute.dictionary.Dictionary;
import org.sparsescope.compute.dictionary.DictionaryFormatException;
import org.sparsescope.compute.dictionary.DictionaryInfo;
import org.sparsescope.compute.dictionary.InputNormalization;
import org.sparsescope.compute.dictionary.NormalizedDictionary;
import org.sparsescope.compute.dictionary.Provenance;
import org.sparsescope.compute.dictionary.StandardDictionary;
import org.sparsescope.compute.dictionary.TopKDictionary;
import org.sparsescope.compute.model.HookPoint;
import org.sparsescope.compute.tensor.Tensor;
import org.sparsescope.compute.tensor.TorchFile;

/**
 * OpenAI's GPT-2 small autoencoders (openai/sparse_autoencoder 4965b94, {@code model.py} and {@code paths.py}):
 * {@code gpt2-small/{location}[_v4|_v5_32k|_v5_128k]/autoencoders/{layer}.pt}, a torch.save of
 * {@code Autoencoder.state_dict()}: {@code pre_bias}, {@code latent_bias}, {@code encoder.weight} [n, d],
 * {@code decoder.weight} [d, n], and the activation as plain data ({@code activation} "ReLU" or "TopK",
 * {@code activation_state_dict} {k, postact_fn}) — strings and ints the pickle reader admits without any global.
 * <p>As {@code Autoencoder.from_state_dict} decides, a TopK autoencoder normalises its input with a weightless
 * layer norm (its {@code LN}) and undoes it on the way out; a ReLU one (v1, v4) does not. Codes are
 * activation((LN(x) − pre_bias) W_encᵀ + latent_bias), reconstructions (codes W_decᵀ + pre_bias) · σ + μ.
 * Location names map to TransformerLens hooks as the repository's README does.
 */
public final class OpenAiFormat implements DictionaryFormat {
    private static final Pattern LOCATION = Pattern.compile(
            "(mlp_post_act|resid_delta_attn|resid_post_attn|resid_delta_mlp|resid_post_mlp)(?:_v4|_v5_32k|_v5_128k)?");
    private static final Pattern LAYER_FILE = Pattern.compile("(\\d{1,3})\\.pt");
    /** The ε of the release's LN. */
    private static final double LN_EPS = 1e-5;

    @Override
    public String name() {
        return "OpenAI sparse_autoencoder";
    }

    @Override
    public boolean recognises(Path path) {
        return Files.isRegularFile(path) && (inReleaseLayout(path) || hasOpenAiKeys(path));
    }

    private static boolean inReleaseLayout(Path file) {
        Path parent = file.toAbsolutePath().getParent();
        return LAYER_FILE.matcher(file.getFileName().toString()).matches()
                && parent != null
                && parent.getFileName() != null
                && parent.getFileName().toString().equals("autoencoders")
                && parent.getParent() != null
                && parent.getParent().getFileName() != null
                && LOCATION.matcher(parent.getParent().getFileName().toString()).matches();
    }

    /** A renamed file is still recognised by its own keys (pre_bias and latent_bias are this layout's names). */
    private static boolean hasOpenAiKeys(Path file) {
        return StateDictFormat.holdsTensors(file, "pre_bias", "latent_bias", "encoder.weight");
    }

    @Override
    public List<Provenance> provenance(Path file) {
        return List.of(provenanceOf(file));
    }

    private static Provenance provenanceOf(Path file) {
        if (!inReleaseLayout(file)) {
            return Provenance.unknown();
        }
        Matcher layerName = LAYER_FILE.matcher(file.getFileName().toString());
        Matcher location = LOCATION.matcher(
                file.toAbsolutePath().getParent().getParent().getFileName().toString());
        if (!layerName.matches() || !location.matches()) {
            return Provenance.unknown();
        }
        int layer = Integer.parseInt(layerName.group(1));
        String hook = switch (location.group(1)) {
            // the MLP's hidden activations: a TransformerLens hook the app names but does not harvest
            case "mlp_post_act" -> "blocks." + layer + ".mlp.hook_post";
            case "resid_delta_attn" ->
                HookPoint.of(layer, HookPoint.Kind.ATTN_OUT).name();
            case "resid_post_attn" ->
                HookPoint.of(layer, HookPoint.Kind.RESID_MID).name();
            case "resid_delta_mlp" ->
                HookPoint.of(layer, HookPoint.Kind.MLP_OUT).name();
            default -> HookPoint.of(layer, HookPoint.Kind.RESID_POST).name();
        };
        // the README harvests with TransformerLens's to_tokens, which prepends BOS; windows of 64 tokens (train.py)
        return Provenance.stated("gpt2", hook, null, true, 64, null);
    }

    @Override
    public List<Dictionary> read(Path file) throws IOException {
        Object root = TorchFile.read(file);
        if (!(root instanceof Map<?, ?> m)) {
            throw new DictionaryFormatException(
                    file, "expected the autoencoder's state dict, found " + TorchFile.describe(root));
        }
        Map<String, Tensor> t = TorchFile.tensorsOf(m); // read once: the activation is plain data beside them
        String activation = m.containsKey("activation") ? text(file, m.get("activation"), "activation") : "ReLU";
        StandardDictionary base = Tensors.fromLinearLayers(
                t,
                file,
                "encoder.weight",
                "latent_bias",
                "decoder.weight",
                "pre_bias",
                true,
                new DictionaryInfo(
                        provenanceOf(file),
                        name(),
                        Map.of("file", file.getFileName().toString(), "activation", activation)));
        try {
            return List.of(
                    switch (activation) {
                        case "ReLU" -> base;
                        case "TopK" -> {
                            if (!(m.get("activation_state_dict") instanceof Map<?, ?> state)) {
                                throw new DictionaryFormatException(
                                        file, "is a TopK autoencoder without activation_state_dict");
                            }
                            Object k = state.get("k");
                            if (!(k instanceof Number n) || n.doubleValue() != Math.rint(n.doubleValue())) {
                                throw new DictionaryFormatException(
                                        file,
                                        "activation_state_dict's k is " + TorchFile.describe(k) + ", not an integer");
                            }
                            Object post = state.get("postact_fn");
                            if (post != null && !"ReLU".equals(post)) {
                                throw new DictionaryFormatException(
                                        file,
                                        "TopK with postact_fn " + TorchFile.describe(post)
                                                + " is not supported (ReLU)");
                            }
                            // from_state_dict: "normalize = activation_class_name == 'TopK'"
                            yield new NormalizedDictionary(
                                    new TopKDictionary(base, (int) Math.min(Integer.MAX_VALUE, n.longValue())),
                                    new InputNormalization.LayerNorm(LN_EPS));
                        }
                        default ->
                            throw new DictionaryFormatException(
                                    file, "activation '" + activation + "' is not supported (ReLU, TopK)");
                    });
        } catch (IllegalArgumentException e) {
            throw new DictionaryFormatException(file, e.getMessage());
        }
    }

    private static String text(Path file, Object value, String key) throws DictionaryFormatException {
        if (value instanceof String s) {
            return s;
        }
        throw new DictionaryFormatException(file, key + " is " + TorchFile.describe(value) + ", not a name");
    }
}
