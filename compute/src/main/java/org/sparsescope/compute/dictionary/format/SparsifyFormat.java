package org.sparsescope.compute.dictionary.format;

import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.sparsescope.compute.dictionary.Dictionary;
import org.sparsescope.compute.dictionary.DictionaryFormatException;
import org.sparsescope.compute.dictionary.DictionaryInfo;
import org.sparsescope.compute.dictionary.HostTensors;
import org.sparsescope.compute.dictionary.Provenance;
import org.sparsescope.compute.dictionary.StandardDictionary;
import org.sparsescope.compute.dictionary.TopKDictionary;
import org.sparsescope.compute.model.HookNames;
import org.sparsescope.compute.tensor.Safetensors;
import org.sparsescope.compute.tensor.Tensor;

/**
 * sparsify: a hookpoint folder ({@code cfg.json} + {@code sae.safetensors}, named by the module it read, e.g.
 * {@code layers.2}), or a run folder of them whose {@code config.json} names the model, dataset and context length.
 */
public final class SparsifyFormat implements DictionaryFormat {
    public static final String WEIGHTS = "sae.safetensors";
    public static final String RUN_CONFIG = "config.json";

    @Override
    public String name() {
        return "sparsify";
    }

    @Override
    public boolean recognises(Path path) {
        return Files.isDirectory(path)
                && (Files.isRegularFile(path.resolve(WEIGHTS))
                        || !hookpoints(path).isEmpty());
    }

    private static List<Path> hookpoints(Path dir) {
        if (Files.isRegularFile(dir.resolve(WEIGHTS))) {
            return List.of(dir);
        }
        try (Stream<Path> st = Files.list(dir)) {
            return st.filter(p -> Files.isRegularFile(p.resolve(WEIGHTS)))
                    .sorted()
                    .toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    @Override
    public List<Provenance> provenance(Path path) throws IOException {
        List<Provenance> out = new ArrayList<>();
        for (Path p : hookpoints(path)) {
            out.add(hookpointProvenance(p));
        }
        return out;
    }

    /** The hook from the folder's name; the model, dataset and context from the run folder's config.json above it. */
    static Provenance hookpointProvenance(Path hookpointDir) throws IOException {
        // sparsify names a hookpoint by its module path (layers.N, layers.N.mlp): read as a place where it says one
        String hook = HookNames.named(hookpointDir.getFileName().toString());
        Path run = hookpointDir.toAbsolutePath().getParent();
        Path runCfg = run == null ? null : run.resolve(RUN_CONFIG);
        String model = null, dataset = null;
        int context = 0;
        if (runCfg != null && Files.isRegularFile(runCfg)) {
            JsonObject cfg = Json.read(runCfg);
            model = Json.str(runCfg, cfg, "model", null);
            dataset = Json.str(runCfg, cfg, "dataset", null);
            Integer ctx = Json.integer(runCfg, cfg, "ctx_len");
            context = ctx == null ? 0 : ctx;
        }
        if (model == null && run != null) {
            model = modelOfRepository(run);
        }
        // sparsify packs documents without a BOS of its own
        return Provenance.stated(model, hook, null, false, context, dataset);
    }

    /**
     * EleutherAI's published runs are hub repositories of hookpoint folders with no config.json; the repository's name
     * says the model (sae-llama-3-8b-32x → Meta-Llama-3-8B, sae-llama-3.1-8b-64x → Llama-3.1-8B). Null for others.
     */
    private static String modelOfRepository(Path run) {
        java.util.regex.Matcher m = Folders.nearestMatching(run, LLAMA_REPOSITORY);
        if (m == null) {
            return null;
        }
        return m.group(1) == null ? "meta-llama/Meta-Llama-3-8B" : "meta-llama/Llama-3.1-8B";
    }

    private static final java.util.regex.Pattern LLAMA_REPOSITORY =
            java.util.regex.Pattern.compile("sae-llama-3(\\.1)?-8b-\\d+x(?:-v\\d+)?");

    @Override
    public List<Dictionary> read(Path path) throws IOException {
        List<Path> points = hookpoints(path);
        if (points.isEmpty()) {
            throw new DictionaryFormatException(path, "no sparsify hookpoint folder (with sae.safetensors) here");
        }
        List<Dictionary> out = new ArrayList<>();
        for (Path p : points) {
            out.add(readHookpoint(p));
        }
        return out;
    }

    private static Dictionary readHookpoint(Path dir) throws IOException {
        Path cfgFile = dir.resolve(SaeLensFormat.CFG);
        JsonObject cfg = Files.isRegularFile(cfgFile) ? Json.read(cfgFile) : new JsonObject();
        String activation = Json.str(cfgFile, cfg, "activation", "topk");
        if (!activation.equals("topk")) {
            throw new DictionaryFormatException(
                    cfgFile, "sparsify activation '" + activation + "' is not supported (topk)");
        }
        if (Boolean.TRUE.equals(Json.bool(cfgFile, cfg, "skip_connection"))) {
            throw new DictionaryFormatException(cfgFile, "skip connections (transcoders) are not supported");
        }
        int k = Json.requiredInt(cfgFile, cfg, "k");
        Path weights = dir.resolve(WEIGHTS);
        Map<String, Tensor> t = Safetensors.readAll(weights);
        Map<String, String> metadata = Json.flatten(cfg);
        metadata.put("sparsify_hookpoint", dir.getFileName().toString());
        DictionaryInfo info = new DictionaryInfo(hookpointProvenance(dir), "sparsify", metadata);
        try {
            StandardDictionary base = new StandardDictionary(
                    HostTensors.transpose(Tensors.need(t, weights, "encoder.weight")),
                    Tensors.need(t, weights, "encoder.bias"),
                    Tensors.need(t, weights, "W_dec"),
                    Tensors.need(t, weights, "b_dec"),
                    true,
                    info);
            return new TopKDictionary(base, k);
        } catch (IllegalArgumentException e) {
            throw new DictionaryFormatException(weights, e.getMessage());
        }
    }
}
