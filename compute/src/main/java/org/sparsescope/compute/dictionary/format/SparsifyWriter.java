package org.sparsescope.compute.dictionary.format;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.sparsescope.compute.InvalidInputException;
import org.sparsescope.compute.dictionary.Dictionary;
import org.sparsescope.compute.dictionary.HostTensors;
import org.sparsescope.compute.dictionary.StandardDictionary;
import org.sparsescope.compute.dictionary.TiedDictionary;
import org.sparsescope.compute.dictionary.TopKDictionary;
import org.sparsescope.compute.model.HookPoint;
import org.sparsescope.compute.model.TransformerConfig.Architecture;
import org.sparsescope.compute.tensor.AtomicFile;
import org.sparsescope.compute.tensor.Safetensors;
import org.sparsescope.compute.tensor.Tensor;

/**
 * Saves a dictionary in sparsify's layout ({@code {run}/{hookpoint}/sae.safetensors} + {@code cfg.json}, and the run's
 * {@code config.json}), so that {@code python -m sparsify … --finetune {run}} starts from it. sparsify's coder is
 * {@code topk(relu((x − b_dec)·Wᵀ + b))}, decoder {@code c·W_dec + b_dec} (sparsify/sparse_coder.py, EleutherAI/sparsify
 * 9d3b136): a TopK dictionary is written exactly; a ReLU dictionary only when a k is asked for (which changes what it
 * computes, so the caller must say so); JumpReLU, gated and input-normalised dictionaries have no sparsify form.
 */
public final class SparsifyWriter {
    private SparsifyWriter() {}

    /** What sparsify names the module whose output is {@code hook}: its hookpoints are paths in the base model. */
    public static String hookpoint(HookPoint hook, Architecture family, Path source) throws InvalidInputException {
        String layer = (family == Architecture.GPT2 ? "h." : "layers.") + hook.layer();
        boolean gemma = family == Architecture.GEMMA2 || family == Architecture.GEMMA3;
        return switch (hook.kind()) {
            case RESID_POST -> layer;
            case RESID_PRE -> {
                if (hook.layer() == 0) {
                    throw new InvalidInputException(
                            source, "blocks.0.hook_resid_pre is the embedding: no sparsify hookpoint");
                }
                yield (family == Architecture.GPT2 ? "h." : "layers.") + (hook.layer() - 1);
            }
            case MLP_OUT -> {
                if (gemma) {
                    // Gemma's mlp module's output comes before its post-feedforward norm; hook_mlp_out after it
                    throw new InvalidInputException(
                            source, "Gemma's hook_mlp_out is no module's output, so sparsify cannot hook it");
                }
                yield layer + ".mlp";
            }
            default ->
                throw new InvalidInputException(
                        source,
                        hook.name() + ": sparsify hooks module outputs; only resid_post and mlp_out are exported");
        };
    }

    /**
     * Writes {@code dictionary} as hookpoint {@code hookpoint} of run folder {@code run} (created; an existing
     * hookpoint there is refused, never replaced). {@code k}: null to keep a TopK dictionary's own, or the k a ReLU
     * dictionary is to be fine-tuned with.
     */
    public static Path save(
            Dictionary dictionary,
            Path source,
            Path run,
            String hookpoint,
            Integer k,
            String model,
            Integer contextLength)
            throws IOException {
        Dictionary d = dictionary instanceof TiedDictionary tied ? tied.toStandard() : dictionary;
        StandardDictionary base;
        int topK;
        if (d instanceof TopKDictionary t) {
            base = t.base();
            topK = k != null ? k : t.k();
        } else if (d instanceof StandardDictionary s) {
            if (k == null) {
                throw new InvalidInputException(
                        source,
                        "is a ReLU dictionary; sparsify trains TopK only: give the k to fine-tune it with (this changes"
                                + " which features fire)");
            }
            base = s;
            topK = k;
        } else {
            throw new InvalidInputException(
                    source, "is a " + d.architecture() + " dictionary, which sparsify has no form for (TopK or ReLU)");
        }
        if (topK < 1 || topK > base.dSae()) {
            throw new InvalidInputException(source, "k " + topK + " is outside 1 … " + base.dSae());
        }
        Path dir = run.resolve(hookpoint);
        if (Files.exists(dir)) {
            throw new InvalidInputException(dir, "exists; choose a new run folder");
        }
        int dIn = base.dIn(), n = base.dSae();
        float[] wEnc = base.wEnc().floats(); // [d, n]
        float[] bEnc = base.bEnc().floats();
        float[] bDec = base.bDec().floats();
        float[] bias = new float[n];
        for (int j = 0; j < n; j++) {
            // sparsify always subtracts b_dec first: fold b_dec·W_enc into the bias when this dictionary does not
            double acc = bEnc[j];
            if (!base.applyBDecToInput()) {
                for (int i = 0; i < dIn; i++) {
                    acc += (double) bDec[i] * wEnc[i * n + j];
                }
            }
            bias[j] = (float) acc;
        }
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        tensors.put("encoder.weight", HostTensors.transpose(Tensor.ofFloats(new long[] {dIn, n}, wEnc)));
        tensors.put("encoder.bias", Tensor.ofFloats(new long[] {n}, bias));
        tensors.put("W_dec", Tensor.ofFloats(new long[] {n, dIn}, base.wDec().floats()));
        tensors.put("b_dec", Tensor.ofFloats(new long[] {dIn}, bDec));

        JsonObject cfg = new JsonObject(); // SparseCoderConfig.to_dict() order, then d_in, as save_to_disk writes it
        cfg.addProperty("activation", "topk");
        cfg.addProperty("expansion_factor", Math.max(1, n / dIn));
        cfg.addProperty("normalize_decoder", unitRows(base.wDec().floats(), n, dIn));
        cfg.addProperty("num_latents", n);
        cfg.addProperty("k", topK);
        cfg.addProperty("multi_topk", false);
        cfg.addProperty("skip_connection", false);
        cfg.addProperty("transcode", false);
        cfg.addProperty("d_in", dIn);

        Files.createDirectories(run);
        Path temp = run.resolve("." + hookpoint + ".tmp");
        AtomicFile.deleteTree(temp);
        try {
            Files.createDirectories(temp);
            Safetensors.write(temp.resolve(SparsifyFormat.WEIGHTS), tensors);
            AtomicFile.writeString(temp.resolve(SaeLensFormat.CFG), Sidecar.GSON.toJson(cfg));
            Files.move(temp, dir, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } finally {
            AtomicFile.deleteTree(temp);
        }
        writeRunConfig(run, hookpoint, model, contextLength);
        return dir;
    }

    /** The run's config.json: the model, the context length and the hookpoints, merged with one already there. */
    private static void writeRunConfig(Path run, String hookpoint, String model, Integer contextLength)
            throws IOException {
        Path file = run.resolve(SparsifyFormat.RUN_CONFIG);
        JsonObject cfg = Files.isRegularFile(file) ? Json.read(file) : new JsonObject();
        if (model != null) {
            cfg.addProperty("model", model);
        }
        if (contextLength != null) {
            cfg.addProperty("ctx_len", contextLength);
        }
        JsonArray points = cfg.has("hookpoints") && cfg.get("hookpoints").isJsonArray()
                ? cfg.getAsJsonArray("hookpoints")
                : new JsonArray();
        if (!points.contains(new com.google.gson.JsonPrimitive(hookpoint))) {
            points.add(hookpoint);
        }
        cfg.add("hookpoints", points);
        AtomicFile.writeString(file, Sidecar.GSON.toJson(cfg));
    }

    /** Whether every decoder row has unit norm (sparsify's normalize_decoder keeps them so while training). */
    static boolean unitRows(float[] wDec, int n, int d) {
        for (int r = 0; r < n; r++) {
            double s = 0;
            for (int i = 0; i < d; i++) {
                double v = wDec[r * d + i];
                s += v * v;
            }
            if (Math.abs(Math.sqrt(s) - 1) > 1e-3) {
                return false;
            }
        }
        return true;
    }
}
