package org.sparsescope.compute.dictionary;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import org.sparsescope.compute.tensor.AtomicFile;
import org.sparsescope.compute.tensor.PickledObject;
import org.sparsescope.compute.tensor.Safetensors;
import org.sparsescope.compute.tensor.SafetensorsFile;
import org.sparsescope.compute.tensor.Tensor;
import org.sparsescope.compute.tensor.TorchFile;

/**
 * Reading every common dictionary layout, and writing the app's own (SAELens's). Readers are keyed by what they
 * find: {@code cfg.json} + {@code sae_weights.safetensors} (SAELens, flat or 6.x cfg), {@code cfg.json} +
 * {@code sae.safetensors} (sparsify), {@code ae.pt} + {@code config.json} (dictionary_learning), and the original
 * research code's {@code learned_dicts.pt} (a pickled list of (UntiedSAE | TiedSAE, hyperparameters) pairs).
 */
public final class DictionaryFiles {
    public static final String SAELENS_CFG = "cfg.json";
    public static final String SAELENS_WEIGHTS = "sae_weights.safetensors";
    public static final String SPARSIFY_WEIGHTS = "sae.safetensors";
    public static final String DICTIONARY_LEARNING_WEIGHTS = "ae.pt";
    public static final String SEED_FILE = "learned_dicts.pt";
    /** The app's sidecar beside a saved dictionary: training metadata and metrics. */
    public static final String SIDECAR = "sparsescope.json";

    /** The seed classes the pickle whitelist lets through, as data. */
    private static final Set<String> SEED_CLASSES = Set.of("autoencoders.learned_dict.UntiedSAE", "autoencoders.learned_dict.TiedSAE");

    private DictionaryFiles() {
    }

    /** Where a dictionary is: a file or folder, and which entry of a file holding several ({@code path#i}; -1 for none). */
    public record Location(Path path, int entry) {
        public static Location of(Path path) {
            String s = path.toString();
            int hash = s.lastIndexOf('#');
            if (hash > 0 && s.substring(hash + 1).matches("\\d+")) {
                return new Location(Path.of(s.substring(0, hash)), Integer.parseInt(s.substring(hash + 1)));
            }
            return new Location(path, -1);
        }
    }

    /** A file a dictionary is read from, named relative to the dictionary's folder (or by its own name). */
    public record SourceFile(String name, Path file) {
    }

    /**
     * The files a dictionary at {@code path} (a {@link Location}'s path) is read from, sorted: a folder's files two
     * levels down but our sidecar and hidden ones, or a file and the config.json beside it.
     */
    public static List<SourceFile> sourceFiles(Path path) throws IOException {
        if (Files.isDirectory(path)) {
            try (Stream<Path> files = Files.walk(path, 2)) {
                return files.filter(Files::isRegularFile).filter(f -> {
                    String name = f.getFileName().toString();
                    return !name.equals(SIDECAR) && !name.startsWith(".");
                }).sorted().map(f -> new SourceFile(path.relativize(f).toString(), f)).toList();
            }
        }
        Path cfg = path.resolveSibling("config.json");
        SourceFile self = new SourceFile(path.getFileName().toString(), path);
        return Files.isRegularFile(cfg) && !cfg.equals(path) ? List.of(self, new SourceFile("config.json", cfg)) : List.of(self);
    }

    /** The one dictionary at {@code path}; a file holding several (learned_dicts.pt) must be read with {@link #readAll}. */
    public static Dictionary read(Path path) throws IOException {
        List<Dictionary> all = readAll(path);
        if (all.size() != 1) {
            throw new DictionaryFormatException(path, "holds " + all.size() + " dictionaries; pick one (e.g. " + path + "#0)");
        }
        return all.get(0);
    }

    /**
     * Every dictionary at {@code path}: a folder or a file of any known layout. A path ending in {@code #i} picks
     * the i-th of a file holding several.
     */
    public static List<Dictionary> readAll(Path path) throws IOException {
        Location at = Location.of(path);
        if (at.entry() >= 0) {
            List<Dictionary> all = readAll(at.path());
            if (at.entry() >= all.size()) {
                throw new DictionaryFormatException(at.path(), "has " + all.size() + " dictionaries, no #" + at.entry());
            }
            return List.of(all.get(at.entry()));
        }
        if (Files.isRegularFile(path)) {
            String name = path.getFileName().toString();
            if (name.equals(SAELENS_CFG) || name.equals(SAELENS_WEIGHTS) || name.equals(SPARSIFY_WEIGHTS) || name.equals("config.json")
                    || name.equals(SIDECAR)) {
                return readAll(path.toAbsolutePath().getParent());
            }
            if (name.endsWith(".pt")) {
                Path cfg = path.resolveSibling("config.json");
                return name.equals(DICTIONARY_LEARNING_WEIGHTS) || (Files.isRegularFile(cfg) && !name.equals(SEED_FILE))
                        ? List.of(readDictionaryLearning(path)) : readSeed(path);
            }
            throw new DictionaryFormatException(path, "unknown dictionary file (expected a SAELens, sparsify or dictionary_learning folder, or learned_dicts.pt)");
        }
        if (!Files.isDirectory(path)) {
            throw new DictionaryFormatException(path, "not found");
        }
        if (Files.isRegularFile(path.resolve(SAELENS_WEIGHTS))) {
            return List.of(readSaeLens(path));
        }
        if (Files.isRegularFile(path.resolve(SPARSIFY_WEIGHTS))) {
            return List.of(readSparsify(path, path.getFileName().toString()));
        }
        if (Files.isRegularFile(path.resolve(DICTIONARY_LEARNING_WEIGHTS))) {
            return List.of(readDictionaryLearning(path.resolve(DICTIONARY_LEARNING_WEIGHTS)));
        }
        if (Files.isRegularFile(path.resolve(SEED_FILE))) {
            return readSeed(path.resolve(SEED_FILE));
        }
        // a sparsify run folder: one sub-folder per hookpoint
        List<Path> sub;
        try (Stream<Path> st = Files.list(path)) {
            sub = st.filter(p -> Files.isRegularFile(p.resolve(SPARSIFY_WEIGHTS))).sorted().toList();
        }
        if (!sub.isEmpty()) {
            List<Dictionary> out = new ArrayList<>();
            for (Path p : sub) {
                out.add(readSparsify(p, p.getFileName().toString()));
            }
            return out;
        }
        if (Files.isRegularFile(path.resolve(SAELENS_CFG))) {
            throw new DictionaryFormatException(path.resolve(SAELENS_WEIGHTS), "missing: cfg.json is there but not its weights");
        }
        throw new DictionaryFormatException(path, "no dictionary here: expected cfg.json with sae_weights.safetensors (SAELens), "
                + "sae.safetensors (sparsify), ae.pt (dictionary_learning) or learned_dicts.pt");
    }

    // ---------------------------------------------------------------- SAELens

    private static Dictionary readSaeLens(Path dir) throws IOException {
        Path cfgFile = dir.resolve(SAELENS_CFG);
        JsonObject cfg = readJson(cfgFile);
        JsonObject meta = cfg.has("metadata") && cfg.get("metadata").isJsonObject() ? cfg.getAsJsonObject("metadata") : new JsonObject();
        String arch = str(cfg, "architecture", "standard");
        String hook = str(cfg, "hook_name", str(meta, "hook_name", null));
        String model = str(cfg, "model_name", str(meta, "model_name", null));
        String norm = str(cfg, "normalize_activations", "none");
        if (!norm.equals("none")) {
            throw new DictionaryFormatException(cfgFile, "normalize_activations '" + norm + "' is not supported (only 'none')");
        }
        boolean applyBDec = !cfg.has("apply_b_dec_to_input") || cfg.get("apply_b_dec_to_input").getAsBoolean();
        Map<String, String> metadata = flatten(cfg);
        DictionaryInfo info = new DictionaryInfo(hook, model, "SAELens", metadata);
        Path weights = dir.resolve(SAELENS_WEIGHTS);
        Map<String, Tensor> t = Safetensors.readAll(weights);
        try {
            StandardDictionary base = new StandardDictionary(need(t, weights, "W_enc"), t.get("b_enc") != null ? t.get("b_enc") : zeros(need(t, weights, "W_enc").shape()[1]),
                    need(t, weights, "W_dec"), need(t, weights, "b_dec"), applyBDec, info);
            Dictionary d = switch (arch) {
                case "standard" -> base;
                case "topk" -> new TopKDictionary(base, cfg.has("k") ? cfg.get("k").getAsInt() : intFrom(cfgFile, meta, "k"));
                case "jumprelu" -> new JumpReluDictionary(base, need(t, weights, "threshold"));
                case "gated" -> new GatedDictionary(need(t, weights, "W_enc"), need(t, weights, "b_gate"), need(t, weights, "r_mag"),
                        need(t, weights, "b_mag"), need(t, weights, "W_dec"), need(t, weights, "b_dec"), applyBDec, info);
                default -> throw new DictionaryFormatException(cfgFile, "architecture '" + arch + "' is not supported (standard, topk, jumprelu, gated)");
            };
            checkDims(cfgFile, cfg, d);
            return d;
        } catch (IllegalArgumentException e) {
            throw new DictionaryFormatException(weights, e.getMessage());
        }
    }

    private static void checkDims(Path cfgFile, JsonObject cfg, Dictionary d) throws DictionaryFormatException {
        if (cfg.has("d_in") && cfg.get("d_in").getAsInt() != d.dIn()) {
            throw new DictionaryFormatException(cfgFile, "says d_in " + cfg.get("d_in").getAsInt() + " but the weights have " + d.dIn());
        }
        if (cfg.has("d_sae") && cfg.get("d_sae").getAsInt() != d.dSae()) {
            throw new DictionaryFormatException(cfgFile, "says d_sae " + cfg.get("d_sae").getAsInt() + " but the weights have " + d.dSae());
        }
    }

    // ---------------------------------------------------------------- sparsify

    private static final Pattern SPARSIFY_LAYER = Pattern.compile("layers\\.(\\d+)");

    private static Dictionary readSparsify(Path dir, String hookpoint) throws IOException {
        Path cfgFile = dir.resolve(SAELENS_CFG);
        JsonObject cfg = Files.isRegularFile(cfgFile) ? readJson(cfgFile) : new JsonObject();
        Path weights = dir.resolve(SPARSIFY_WEIGHTS);
        Map<String, Tensor> t = Safetensors.readAll(weights);
        Matcher m = SPARSIFY_LAYER.matcher(hookpoint);
        // sparsify's "layers.N" hookpoint is the output of block N: TransformerLens's resid_post
        String hook = m.matches() ? "blocks." + m.group(1) + ".hook_resid_post" : DictionaryInfo.UNKNOWN;
        Map<String, String> metadata = flatten(cfg);
        metadata.put("sparsify_hookpoint", hookpoint);
        DictionaryInfo info = new DictionaryInfo(hook, DictionaryInfo.UNKNOWN, "sparsify", metadata);
        try {
            Tensor enc = need(t, weights, "encoder.weight");
            StandardDictionary base = new StandardDictionary(transpose(enc), need(t, weights, "encoder.bias"), need(t, weights, "W_dec"),
                    need(t, weights, "b_dec"), true, info);
            String activation = str(cfg, "activation", "topk");
            if (!activation.equals("topk")) {
                throw new DictionaryFormatException(cfgFile, "sparsify activation '" + activation + "' is not supported (topk)");
            }
            if (cfg.has("skip_connection") && cfg.get("skip_connection").getAsBoolean()) {
                throw new DictionaryFormatException(cfgFile, "skip connections (transcoders) are not supported");
            }
            return new TopKDictionary(base, intFrom(cfgFile, cfg, "k"));
        } catch (IllegalArgumentException e) {
            throw new DictionaryFormatException(weights, e.getMessage());
        }
    }

    // ---------------------------------------------------------------- dictionary_learning

    private static final Pattern DL_SUBMODULE = Pattern.compile("resid_post_layer_(\\d+)");

    private static Dictionary readDictionaryLearning(Path aePt) throws IOException {
        Path cfgFile = aePt.resolveSibling("config.json");
        JsonObject cfg = Files.isRegularFile(cfgFile) ? readJson(cfgFile) : new JsonObject();
        JsonObject trainer = cfg.has("trainer") && cfg.get("trainer").isJsonObject() ? cfg.getAsJsonObject("trainer") : new JsonObject();
        String dictClass = str(trainer, "dict_class", "AutoEncoder");
        if (!dictClass.equals("AutoEncoder")) {
            throw new DictionaryFormatException(cfgFile, "dictionary_learning dict_class '" + dictClass + "' is not supported (AutoEncoder)");
        }
        Map<String, Tensor> t = TorchFile.readStateDict(aePt);
        Matcher m = DL_SUBMODULE.matcher(str(trainer, "submodule_name", ""));
        String hook = m.matches() ? "blocks." + m.group(1) + ".hook_resid_post" : DictionaryInfo.UNKNOWN;
        DictionaryInfo info = new DictionaryInfo(hook, str(trainer, "lm_name", null), "dictionary_learning", flatten(cfg));
        try {
            // c = relu((x − bias) encoderᵀ + encoder.bias), x̂ = c decoderᵀ + bias
            return new StandardDictionary(transpose(need(t, aePt, "encoder.weight")), need(t, aePt, "encoder.bias"),
                    transpose(need(t, aePt, "decoder.weight")), need(t, aePt, "bias"), true, info);
        } catch (IllegalArgumentException e) {
            throw new DictionaryFormatException(aePt, e.getMessage());
        }
    }

    // ---------------------------------------------------------------- the original research code

    private static List<Dictionary> readSeed(Path file) throws IOException {
        Object root = TorchFile.read(file, SEED_CLASSES);
        if (!(root instanceof List<?> list)) {
            throw new DictionaryFormatException(file, "expected a list of (dictionary, hyperparameters) pairs");
        }
        List<Dictionary> out = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            Object item = list.get(i);
            Object obj = item instanceof Object[] pair && pair.length >= 1 ? pair[0] : item;
            Map<String, String> hyper = new LinkedHashMap<>();
            if (item instanceof Object[] pair && pair.length >= 2 && pair[1] instanceof Map<?, ?> h) {
                h.forEach((k, v) -> hyper.put(String.valueOf(k), String.valueOf(v)));
            }
            hyper.put("index", Integer.toString(i));
            if (!(obj instanceof PickledObject p)) {
                throw new DictionaryFormatException(file, "entry " + i + " is not an UntiedSAE or TiedSAE");
            }
            DictionaryInfo info = new DictionaryInfo(DictionaryInfo.UNKNOWN, DictionaryInfo.UNKNOWN, "learned_dicts.pt #" + i, hyper);
            try {
                out.add(seedDictionary(file, i, p, info));
            } catch (IllegalArgumentException e) {
                throw new DictionaryFormatException(file, "entry " + i + ": " + e.getMessage());
            }
        }
        if (out.isEmpty()) {
            throw new DictionaryFormatException(file, "holds no dictionaries");
        }
        return out;
    }

    private static Dictionary seedDictionary(Path file, int i, PickledObject p, DictionaryInfo info) throws DictionaryFormatException {
        Map<String, Object> st = p.state();
        if (p.className().endsWith(".UntiedSAE")) {
            // c = relu(x encoderᵀ + encoder_bias), x̂ = c rownorm(decoder)
            Tensor enc = seedTensor(file, i, st, "encoder");
            Tensor dec = seedTensor(file, i, st, "decoder");
            return new StandardDictionary(transpose(enc), seedTensor(file, i, st, "encoder_bias"), rowNormalized(dec),
                    zeros(enc.shape()[1]), false, info);
        }
        Tensor enc = seedTensor(file, i, st, "encoder");
        long d = enc.shape()[1];
        Tensor trans = st.get("center_trans") instanceof Tensor t ? t : zeros(d);
        Tensor rot = st.get("center_rot") instanceof Tensor t ? t : identity(d);
        float scale = st.get("center_scale") instanceof Tensor t ? t.floats()[0] : st.get("center_scale") instanceof Number n ? n.floatValue() : 1f;
        boolean norm = !(st.get("norm_encoder") instanceof Boolean b) || b;
        return new TiedDictionary(enc, seedTensor(file, i, st, "encoder_bias"), trans, rot, scale, norm, info);
    }

    private static Tensor seedTensor(Path file, int i, Map<String, Object> state, String name) throws DictionaryFormatException {
        if (state.get(name) instanceof Tensor t) {
            return t;
        }
        throw new DictionaryFormatException(file, "entry " + i + " lacks the tensor '" + name + "'");
    }

    // ---------------------------------------------------------------- writing

    /**
     * Saves in the SAELens layout ({@code cfg.json} + {@code sae_weights.safetensors}) with the app's sidecar.
     * Written into a temporary sibling folder, read back, and only then swapped in: a crash or a bad write never
     * replaces a good dictionary. A tied dictionary is saved as its exact standard equivalent.
     */
    public static void save(Dictionary dictionary, Path dir, Map<String, Object> sidecar) throws IOException {
        Dictionary d = dictionary instanceof TiedDictionary tied ? tied.toStandard() : dictionary;
        Path parent = dir.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        String tag = Long.toHexString(ThreadLocalRandom.current().nextLong());
        Path temp = parent.resolve("." + dir.getFileName() + ".tmp-" + tag);
        Path old = parent.resolve("." + dir.getFileName() + ".old-" + tag);
        try {
            Files.createDirectories(temp);
            Safetensors.write(temp.resolve(SAELENS_WEIGHTS), d.tensors());
            AtomicFile.writeString(temp.resolve(SAELENS_CFG), new GsonBuilder().setPrettyPrinting().create().toJson(cfgOf(d)));
            AtomicFile.writeString(temp.resolve(SIDECAR), new GsonBuilder().setPrettyPrinting().serializeSpecialFloatingPointValues()
                    .create().toJson(sidecar == null ? Map.of() : sidecar));
            read(temp); // what was written reads back whole before it replaces anything
            boolean replacing = Files.exists(dir);
            if (replacing) {
                Files.move(dir, old, StandardCopyOption.ATOMIC_MOVE);
            }
            Files.move(temp, dir, StandardCopyOption.ATOMIC_MOVE);
            if (replacing) {
                deleteTree(old);
            }
        } finally {
            deleteTree(temp);
        }
    }

    /**
     * Adds an evaluation to the app's sidecar of a dictionary it saved, under "evaluations" keyed by what was
     * evaluated. Returns false, touching nothing, for a folder without the sidecar (a foreign dictionary).
     */
    public static boolean recordEvaluation(Path dir, String key, Map<String, Object> metrics) throws IOException {
        Path sidecar = dir.resolve(SIDECAR);
        if (!Files.isRegularFile(sidecar)) {
            return false;
        }
        JsonObject root = readJson(sidecar);
        JsonObject evals = root.has("evaluations") && root.get("evaluations").isJsonObject() ? root.getAsJsonObject("evaluations") : new JsonObject();
        var gson = new GsonBuilder().setPrettyPrinting().serializeSpecialFloatingPointValues().create();
        evals.add(key, gson.toJsonTree(metrics));
        root.add("evaluations", evals);
        AtomicFile.writeString(sidecar, gson.toJson(root));
        return true;
    }

    private static Map<String, Object> cfgOf(Dictionary d) {
        Map<String, Object> cfg = new LinkedHashMap<>();
        cfg.put("architecture", d.architecture());
        cfg.put("d_in", d.dIn());
        cfg.put("d_sae", d.dSae());
        cfg.put("dtype", "float32");
        cfg.put("device", "cpu");
        boolean applyBDec = d instanceof StandardDictionary s ? s.applyBDecToInput()
                : d instanceof TopKDictionary t ? t.base().applyBDecToInput()
                : d instanceof JumpReluDictionary j ? j.base().applyBDecToInput()
                : !(d instanceof GatedDictionary g) || g.applyBDecToInput();
        cfg.put("apply_b_dec_to_input", applyBDec);
        cfg.put("normalize_activations", "none");
        cfg.put("reshape_activations", "none");
        if (d instanceof TopKDictionary t) {
            cfg.put("k", t.k());
        }
        // flat keys for SAELens before 6.0, the metadata block for 6.x
        cfg.put("hook_name", d.info().hook());
        cfg.put("model_name", d.info().model());
        Map<String, Object> meta = new LinkedHashMap<>();
        meta.put("hook_name", d.info().hook());
        meta.put("model_name", d.info().model());
        meta.put("model_class_name", "HookedTransformer");
        meta.put("sparsescope_source", d.info().source());
        cfg.put("metadata", meta);
        return cfg;
    }

    private static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (Stream<Path> s = Files.walk(p)) {
            for (Path q : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(q);
            }
        }
    }

    // ---------------------------------------------------------------- helpers

    private static JsonObject readJson(Path file) throws IOException {
        try {
            JsonElement e = JsonParser.parseString(Files.readString(file));
            if (!e.isJsonObject()) {
                throw new DictionaryFormatException(file, "expected a JSON object");
            }
            return e.getAsJsonObject();
        } catch (NoSuchFileException e) {
            throw new DictionaryFormatException(file, "missing");
        } catch (JsonParseException e) {
            throw new DictionaryFormatException(file, "malformed JSON: " + e.getMessage());
        }
    }

    private static Map<String, String> flatten(JsonObject o) {
        Map<String, String> out = new LinkedHashMap<>();
        flatten("", o, out);
        return out;
    }

    private static void flatten(String prefix, JsonObject o, Map<String, String> out) {
        for (Map.Entry<String, JsonElement> e : o.entrySet()) {
            String key = prefix + e.getKey();
            if (e.getValue().isJsonObject()) {
                flatten(key + ".", e.getValue().getAsJsonObject(), out);
            } else if (!e.getValue().isJsonNull()) {
                out.put(key, e.getValue().isJsonPrimitive() ? e.getValue().getAsString() : e.getValue().toString());
            }
        }
    }

    private static String str(JsonObject o, String key, String fallback) {
        return o.has(key) && o.get(key).isJsonPrimitive() ? o.get(key).getAsString() : fallback;
    }

    private static int intFrom(Path file, JsonObject o, String key) throws DictionaryFormatException {
        if (o.has(key) && o.get(key).isJsonPrimitive()) {
            return o.get(key).getAsInt();
        }
        throw new DictionaryFormatException(file, "lacks \"" + key + "\"");
    }

    private static Tensor need(Map<String, Tensor> t, Path file, String name) throws DictionaryFormatException {
        Tensor x = t.get(name);
        if (x == null) {
            throw new DictionaryFormatException(file, "lacks the tensor '" + name + "' (has " + t.keySet() + ")");
        }
        return x;
    }

    static Tensor zeros(long n) {
        return Tensor.ofFloats(new long[] {n}, new float[(int) n]);
    }

    private static Tensor identity(long d) {
        float[] v = new float[(int) (d * d)];
        for (int i = 0; i < d; i++) {
            v[(int) (i * d + i)] = 1f;
        }
        return Tensor.ofFloats(new long[] {d, d}, v);
    }

    static Tensor transpose(Tensor t) {
        long[] s = t.shape();
        if (s.length != 2) {
            throw new IllegalArgumentException("expected a matrix, found shape " + java.util.Arrays.toString(s));
        }
        float[] v = t.floats();
        int r = (int) s[0], c = (int) s[1];
        float[] out = new float[v.length];
        for (int i = 0; i < r; i++) {
            for (int j = 0; j < c; j++) {
                out[j * r + i] = v[i * c + j];
            }
        }
        return Tensor.ofFloats(new long[] {c, r}, out);
    }

    private static Tensor rowNormalized(Tensor t) {
        try (NDManager m = NDManager.newBaseManager(ai.djl.Device.cpu())) {
            NDArray n = Params.rowNormalized(t.toFloat32(m));
            return Tensor.ofFloats(t.shape(), n.toFloatArray());
        }
    }
}
