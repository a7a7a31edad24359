package org.sparsescope.compute.dictionary.format;

import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.sparsescope.compute.dictionary.Dictionary;
import org.sparsescope.compute.dictionary.DictionaryFormatException;
import org.sparsescope.compute.dictionary.DictionaryInfo;
import org.sparsescope.compute.dictionary.GatedDictionary;
import org.sparsescope.compute.dictionary.HostTensors;
import org.sparsescope.compute.dictionary.InputNormalization;
import org.sparsescope.compute.dictionary.JumpReluDictionary;
import org.sparsescope.compute.dictionary.NormalizedDictionary;
import org.sparsescope.compute.dictionary.Provenance;
import org.sparsescope.compute.dictionary.StandardDictionary;
import org.sparsescope.compute.dictionary.TopKDictionary;
import org.sparsescope.compute.tensor.Safetensors;
import org.sparsescope.compute.tensor.Tensor;

/**
 * SAELens folders: {@code cfg.json} + {@code sae_weights.safetensors}; the cfg with pre-6.0 flat keys or the 6.x
 * {@code metadata} block; standard, topk, jumprelu and gated. The app's own dictionaries are in this layout, with
 * the {@link Sidecar} beside them.
 */
public final class SaeLensFormat implements DictionaryFormat {
    public static final String CFG = "cfg.json";
    public static final String WEIGHTS = "sae_weights.safetensors";

    @Override
    public String name() {
        return "SAELens";
    }

    @Override
    public boolean recognises(Path path) {
        return Files.isDirectory(path) && Files.isRegularFile(path.resolve(WEIGHTS));
    }

    @Override
    public List<Provenance> provenance(Path dir) throws IOException {
        return List.of(provenance(dir.resolve(CFG), Json.read(dir.resolve(CFG))));
    }

    /** Flat keys win over the metadata block where both are present, as SAELens 5 wrote both. */
    static Provenance provenance(Path cfgFile, JsonObject cfg) throws IOException {
        JsonObject meta = Json.object(cfgFile, cfg, "metadata");
        String model = Json.str(cfgFile, cfg, "model_name", Json.str(cfgFile, meta, "model_name", null));
        String hook = Json.str(cfgFile, cfg, "hook_name", Json.str(cfgFile, meta, "hook_name", null));
        Integer head = Json.integer(cfgFile, cfg, "hook_head_index");
        if (head == null) {
            head = Json.integer(cfgFile, meta, "hook_head_index");
        }
        Boolean bos = Json.bool(cfgFile, cfg, "prepend_bos");
        if (bos == null) {
            bos = Json.bool(cfgFile, meta, "prepend_bos");
        }
        Integer context = Json.integer(cfgFile, cfg, "context_size");
        if (context == null) {
            context = Json.integer(cfgFile, meta, "context_size");
        }
        String dataset = Json.str(cfgFile, cfg, "dataset_path", Json.str(cfgFile, meta, "dataset_path", null));
        return Provenance.stated(model, hook, head, bos != null && bos, context == null ? 0 : context, dataset);
    }

    @Override
    public List<Dictionary> read(Path dir) throws IOException {
        Path cfgFile = dir.resolve(CFG);
        if (!Files.isRegularFile(cfgFile)) {
            throw new DictionaryFormatException(
                    cfgFile, "missing: sae_weights.safetensors is there but not its cfg.json");
        }
        JsonObject cfg = Json.read(cfgFile);
        JsonObject meta = Json.object(cfgFile, cfg, "metadata");
        for (String required : new String[] {"d_in", "d_sae"}) {
            if (!cfg.has(required)) {
                throw new DictionaryFormatException(
                        cfgFile,
                        "is no SAELens cfg: it lacks \"" + required + "\" (found the keys "
                                + new java.util.TreeSet<>(cfg.keySet()) + ")");
            }
        }
        String arch = Json.str(cfgFile, cfg, "architecture", "standard");
        String norm = normalizeActivations(cfgFile, cfg);
        Double foldedScale = norm.equals(EXPECTED_AVERAGE) ? scalingFactor(dir, cfgFile) : null;
        Boolean applyBDec = Json.bool(cfgFile, cfg, "apply_b_dec_to_input");
        boolean apply = applyBDec == null || applyBDec;
        DictionaryInfo info = new DictionaryInfo(provenance(cfgFile, cfg), "SAELens", Json.flatten(cfg));
        Path weights = dir.resolve(WEIGHTS);
        Map<String, Tensor> t = Safetensors.readAll(weights);
        if (foldedScale != null) {
            t = folded(t, weights, foldedScale);
        }
        try {
            Tensor wEnc = Tensors.need(t, weights, "W_enc");
            StandardDictionary base = new StandardDictionary(
                    wEnc,
                    t.get("b_enc") != null ? t.get("b_enc") : HostTensors.zeros(wEnc.shape()[1]),
                    Tensors.need(t, weights, "W_dec"),
                    Tensors.need(t, weights, "b_dec"),
                    apply,
                    info);
            Dictionary d = switch (arch) {
                case "standard" -> base;
                case "topk" ->
                    new TopKDictionary(
                            base,
                            cfg.has("k") ? Json.requiredInt(cfgFile, cfg, "k") : Json.requiredInt(cfgFile, meta, "k"));
                case "jumprelu" -> new JumpReluDictionary(base, Tensors.need(t, weights, "threshold"));
                case "gated" ->
                    new GatedDictionary(
                            wEnc,
                            Tensors.need(t, weights, "b_gate"),
                            Tensors.need(t, weights, "r_mag"),
                            Tensors.need(t, weights, "b_mag"),
                            Tensors.need(t, weights, "W_dec"),
                            Tensors.need(t, weights, "b_dec"),
                            apply,
                            info);
                default ->
                    throw new DictionaryFormatException(
                            cfgFile, "architecture '" + arch + "' is not supported (standard, topk, jumprelu, gated)");
            };
            checkDims(cfgFile, cfg, d);
            return List.of(
                    switch (norm) {
                        case "constant_norm_rescale" ->
                            new NormalizedDictionary(d, new InputNormalization.ConstantNormRescale());
                        case "layer_norm" ->
                            new NormalizedDictionary(d, new InputNormalization.LayerNorm(LAYER_NORM_EPS));
                        default -> d; // none, or a constant scale already folded into the weights
                    });
        } catch (IllegalArgumentException e) {
            throw new DictionaryFormatException(weights, e.getMessage());
        }
    }

    private static final String EXPECTED_AVERAGE = "expected_average_only_in";
    /** The ε SAELens's layer_norm adds to the standard deviation (sae.py, run_time_activation_ln_in). */
    private static final double LAYER_NORM_EPS = 1e-5;
    /** What SAELens's trainer writes beside a checkpoint whose estimated scale is not yet folded in. */
    public static final String ACTIVATION_SCALER = "activation_scaler.json";

    /**
     * SAELens's {@code normalize_activations}: "none", "expected_average_only_in", "constant_norm_rescale",
     * "layer_norm", or a boolean as SAELens before 3.0 wrote it (true meaning expected_average_only_in, as its
     * handle_config_defaulting reads it).
     */
    private static String normalizeActivations(Path cfgFile, JsonObject cfg) throws IOException {
        com.google.gson.JsonElement e = cfg.get("normalize_activations");
        String norm;
        if (e == null || e.isJsonNull()) {
            norm = "none";
        } else if (e.isJsonPrimitive() && e.getAsJsonPrimitive().isBoolean()) {
            norm = e.getAsBoolean() ? EXPECTED_AVERAGE : "none";
        } else {
            norm = Json.str(cfgFile, cfg, "normalize_activations", "none");
        }
        return switch (norm) {
            case "none", EXPECTED_AVERAGE, "constant_norm_rescale", "layer_norm" -> norm;
            default ->
                throw new DictionaryFormatException(
                        cfgFile,
                        "normalize_activations '" + norm + "' is not one SAELens defines (none, " + EXPECTED_AVERAGE
                                + ", constant_norm_rescale, layer_norm)");
        };
    }

    /**
     * The constant scale of an {@code expected_average_only_in} dictionary. SAELens folds it into the weights when
     * training ends (and then writes "none"); a checkpoint saved before that keeps it in activation_scaler.json
     * beside it, and a pretrained release in its registry's norm_scaling_factor. Without it the dictionary's codes
     * cannot be reproduced, so it is refused rather than run on unscaled activations.
     */
    private static double scalingFactor(Path dir, Path cfgFile) throws IOException {
        Path scaler = dir.resolve(ACTIVATION_SCALER);
        if (!Files.isRegularFile(scaler)) {
            throw new DictionaryFormatException(
                    cfgFile,
                    "normalize_activations is '" + EXPECTED_AVERAGE + "' but its scaling factor is not here: SAELens"
                            + " keeps it in " + ACTIVATION_SCALER + " beside a checkpoint, or in pretrained_saes.yaml's"
                            + " norm_scaling_factor for a release (fold it in with sae.fold_activation_norm_scaling_factor"
                            + " and save again)");
        }
        JsonObject o = Json.read(scaler);
        Double s = Json.number(scaler, o, "scaling_factor");
        if (s == null) {
            throw new DictionaryFormatException(
                    scaler,
                    "has no scaling_factor (null: the trainer had not estimated it), so '" + EXPECTED_AVERAGE
                            + "' cannot be applied");
        }
        if (!(s > 0) || s.isInfinite()) {
            throw new DictionaryFormatException(scaler, "scaling_factor is " + s + "; it should be positive");
        }
        return s;
    }

    /** SAELens's fold_activation_norm_scaling_factor: W_enc · s, W_dec / s, b_dec / s; the rest as it is. */
    private static Map<String, Tensor> folded(Map<String, Tensor> t, Path weights, double s) throws IOException {
        Map<String, Tensor> out = new java.util.LinkedHashMap<>(t);
        out.put("W_enc", HostTensors.scaled(Tensors.need(t, weights, "W_enc"), s));
        out.put("W_dec", HostTensors.scaled(Tensors.need(t, weights, "W_dec"), 1 / s));
        out.put("b_dec", HostTensors.scaled(Tensors.need(t, weights, "b_dec"), 1 / s));
        return out;
    }

    private static void checkDims(Path cfgFile, JsonObject cfg, Dictionary d) throws IOException {
        Integer dIn = Json.integer(cfgFile, cfg, "d_in");
        Integer dSae = Json.integer(cfgFile, cfg, "d_sae");
        if (dIn != null && dIn != d.dIn()) {
            throw new DictionaryFormatException(cfgFile, "says d_in " + dIn + " but the weights have " + d.dIn());
        }
        if (dSae != null && dSae != d.dSae()) {
            throw new DictionaryFormatException(cfgFile, "says d_sae " + dSae + " but the weights have " + d.dSae());
        }
    }
}
