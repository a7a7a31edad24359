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
import org.sparsescope.compute.dictionary.HostTensors;
import org.sparsescope.compute.dictionary.JumpReluDictionary;
import org.sparsescope.compute.dictionary.Provenance;
import org.sparsescope.compute.dictionary.StandardDictionary;
import org.sparsescope.compute.model.HookPoint;
import org.sparsescope.compute.model.ModulePaths;
import org.sparsescope.compute.model.TransformerConfig;
import org.sparsescope.compute.tensor.Safetensors;
import org.sparsescope.compute.tensor.Tensor;

/**
 * Llama Scope (OpenMOSS, on Llama-3.1-8B): {@code hyperparams.json} and {@code checkpoints/final.safetensors}, read
 * as the release's own code (OpenMOSS Language-Model-SAEs) runs it:
 * <ul>
 *   <li>dataset-wise normalisation: x · √d_model / norm.in on the way in, · norm.out / √d_model on the way out,
 *       folded here into W_enc and into W_dec, b_dec, which leaves the codes as the release computes them;
 *   <li>JumpReLU with one scalar threshold (or a per-feature {@code log_jumprelu_threshold}) compared against the
 *       pre-activation times each feature's decoder norm when {@code sparsity_include_decoder_norm}: a per-feature
 *       threshold θ / ‖W_dec,i‖. SAELens's llama_scope loader leaves the decoder norm out; the release's code is
 *       followed here.
 * </ul>
 */
public final class LlamaScopeFormat implements DictionaryFormat {
    public static final String HYPERPARAMS = "hyperparams.json";
    public static final String WEIGHTS = "checkpoints/final.safetensors";
    private static final java.util.regex.Pattern LLAMA_SCOPE_FOLDER =
            java.util.regex.Pattern.compile("Llama3_1-8B-(?:Base-)?L\\d+[A-Z]+-\\d+x");

    @Override
    public String name() {
        return "Llama Scope";
    }

    @Override
    public boolean recognises(Path path) {
        return Files.isDirectory(path)
                && Files.isRegularFile(path.resolve(HYPERPARAMS))
                && Files.isRegularFile(path.resolve(WEIGHTS));
    }

    @Override
    public List<Provenance> provenance(Path path) throws IOException {
        Path file = path.resolve(HYPERPARAMS);
        return List.of(provenance(file, Json.read(file)));
    }

    private static Provenance provenance(Path file, JsonObject cfg) throws IOException {
        String in = Json.str(file, cfg, "hook_point_in", null);
        HookPoint hook = null;
        if (in != null) {
            try {
                hook = HookPoint.parse(in);
            } catch (IllegalArgumentException e) {
                throw new DictionaryFormatException(file, "hook_point_in: " + e.getMessage());
            }
        }
        // the release names no model in its files, but its folders do (Llama3_1-8B-Base-L15R-8x)
        String model = Json.str(file, cfg, "model_name", null);
        if (model == null && Folders.nearestMatching(file.getParent(), LLAMA_SCOPE_FOLDER) != null) {
            model = "meta-llama/Llama-3.1-8B";
        }
        return new Provenance(model, hook, null, true, 0, Json.str(file, cfg, "dataset_path", null), null);
    }

    @Override
    public List<Dictionary> read(Path dir) throws IOException {
        Path file = dir.resolve(HYPERPARAMS);
        JsonObject cfg = Json.read(file);
        String in = Json.str(file, cfg, "hook_point_in", null);
        String out = Json.str(file, cfg, "hook_point_out", in);
        if (in != null && !ModulePaths.samePlace(in, out, TransformerConfig.Architecture.LLAMA)) {
            throw new DictionaryFormatException(
                    file, "is a transcoder (" + in + " → " + out + "); transcoders are not supported yet");
        }
        String act = Json.str(file, cfg, "act_fn", "relu");
        if (!act.equals("jumprelu") && !act.equals("relu")) {
            throw new DictionaryFormatException(file, "act_fn '" + act + "' is not supported (jumprelu, relu)");
        }
        int dModel = Json.requiredInt(file, cfg, "d_model");
        String norm = Json.str(file, cfg, "norm_activation", "dataset-wise");
        double scaleIn = 1, scaleOut = 1;
        switch (norm) {
            case "dataset-wise" -> {
                JsonObject avg = Json.object(file, cfg, "dataset_average_activation_norm");
                double normIn = positive(file, avg, "in"), normOut = positive(file, avg, "out");
                scaleIn = Math.sqrt(dModel) / normIn;
                scaleOut = normOut / Math.sqrt(dModel);
            }
            case "inference" -> {}
            default ->
                throw new DictionaryFormatException(
                        file, "norm_activation '" + norm + "' is not supported (dataset-wise, inference)");
        }
        boolean bDecFirst = Boolean.TRUE.equals(Json.bool(file, cfg, "apply_decoder_bias_to_pre_encoder"));
        if (bDecFirst && Math.abs(scaleIn * scaleOut - 1) > 1e-12) {
            throw new DictionaryFormatException(
                    file, "apply_decoder_bias_to_pre_encoder with different in and out norms is not supported");
        }
        Path weights = dir.resolve(WEIGHTS);
        Map<String, Tensor> t = Safetensors.readAll(weights);
        try {
            float[] wEnc = HostTensors.transpose(Tensors.need(t, weights, "encoder.weight"))
                    .floats(); // [d_in, d_sae]
            Tensor wDecT = Tensors.need(t, weights, "decoder.weight"); // nn.Linear: [d_model, d_sae]
            int dSae = (int) wDecT.shape()[1];
            float[] wDec = HostTensors.transpose(wDecT).floats(); // [d_sae, d_model]
            float[] bDec = Tensors.need(t, weights, "decoder.bias").floats();
            float[] threshold = thresholds(file, cfg, t, weights, act, wDec, dSae, dModel);
            DictionaryInfo info = new DictionaryInfo(provenance(file, cfg), "Llama Scope", Json.flatten(cfg));
            StandardDictionary base = new StandardDictionary(
                    HostTensors.scaled(Tensor.ofFloats(new long[] {dModel, dSae}, wEnc), scaleIn),
                    Tensors.need(t, weights, "encoder.bias"),
                    HostTensors.scaled(Tensor.ofFloats(new long[] {dSae, dModel}, wDec), scaleOut),
                    HostTensors.scaled(Tensor.ofFloats(new long[] {dModel}, bDec), scaleOut),
                    bDecFirst,
                    info);
            return List.of(new JumpReluDictionary(base, Tensor.ofFloats(new long[] {dSae}, threshold)));
        } catch (IllegalArgumentException e) {
            throw new DictionaryFormatException(weights, e.getMessage());
        }
    }

    /** Each feature's threshold on the pre-activation: θ, or θ / ‖W_dec,i‖ when sparsity includes the decoder norm. */
    private static float[] thresholds(
            Path file, JsonObject cfg, Map<String, Tensor> t, Path weights, String act, float[] wDec, int dSae, int d)
            throws IOException {
        float[] theta = new float[dSae];
        if (act.equals("jumprelu")) {
            Tensor log = t.get("log_jumprelu_threshold");
            if (log != null) {
                float[] l = log.floats();
                if (l.length != dSae) {
                    throw new DictionaryFormatException(
                            weights, "log_jumprelu_threshold has " + l.length + " values for " + dSae + " features");
                }
                for (int i = 0; i < dSae; i++) {
                    theta[i] = (float) Math.exp(l[i]);
                }
            } else {
                java.util.Arrays.fill(theta, (float) positive(file, cfg, "jump_relu_threshold"));
            }
        }
        if (!Boolean.FALSE.equals(Json.bool(file, cfg, "sparsity_include_decoder_norm"))) {
            for (int i = 0; i < dSae; i++) {
                double sq = 0;
                for (int j = 0; j < d; j++) {
                    sq += (double) wDec[i * d + j] * wDec[i * d + j];
                }
                theta[i] = sq > 0 ? (float) (theta[i] / Math.sqrt(sq)) : Float.POSITIVE_INFINITY;
            }
        }
        return theta;
    }

    private static double positive(Path file, JsonObject o, String key) throws IOException {
        Double x = Json.number(file, o, key);
        if (x == null) {
            throw new DictionaryFormatException(file, "lacks \"" + key + "\"");
        }
        if (!(x > 0) || Double.isInfinite(x)) {
            throw new DictionaryFormatException(file, "\"" + key + "\" is " + x + "; it should be positive");
        }
        return x;
    }
}
