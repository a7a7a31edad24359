package org.sparsescope.compute.dictionary.format;

import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.sparsescope.compute.dictionary.Dictionary;
import org.sparsescope.compute.dictionary.DictionaryFormatException;
import org.sparsescope.compute.dictionary.DictionaryInfo;
import org.sparsescope.compute.dictionary.JumpReluDictionary;
import org.sparsescope.compute.dictionary.Provenance;
import org.sparsescope.compute.dictionary.StandardDictionary;
import org.sparsescope.compute.model.HookPoint;
import org.sparsescope.compute.model.ModulePaths;
import org.sparsescope.compute.model.TransformerConfig.Architecture;
import org.sparsescope.compute.tensor.NpyFile;
import org.sparsescope.compute.tensor.Safetensors;
import org.sparsescope.compute.tensor.Tensor;

/**
 * Google DeepMind's Gemma Scope releases, JumpReLU dictionaries that read x·W_enc + b_enc with no b_dec subtracted
 * (SAELens's gemma_2 and gemma_3 loaders at decoderesearch/SAELens 10537c1 set apply_b_dec_to_input false).
 * <ul>
 *   <li>Gemma Scope (Gemma 2): {@code gemma-scope-2b-pt-res/layer_L/width_16k/average_l0_N/params.npz} with
 *       {@code W_enc}, {@code W_dec}, {@code b_enc}, {@code b_dec}, {@code threshold}. The model comes from the
 *       repository's name (2b, 9b, 27b; pt or it), the hook from its site (res: resid_post, mlp: mlp_out, att:
 *       attn.hook_z) and the layer folder; a res repository's {@code embedding/width_W/average_l0_N} is at
 *       {@code hook_embed}, as SAELens's registry names it.
 *   <li>Gemma Scope 2 (Gemma 3): {@code params.safetensors} ({@code w_enc}, {@code w_dec}, {@code b_enc},
 *       {@code b_dec}, {@code threshold}) beside a {@code config.json} naming {@code hf_hook_point_in/out},
 *       {@code model_name} and {@code type}. Transcoders (type transcoder, or different in and out points) and
 *       affine skip connections are refused by name: the app does not run them.
 * </ul>
 */
public final class GemmaScopeFormat implements DictionaryFormat {
    public static final String NPZ = "params.npz";
    public static final String SAFETENSORS = "params.safetensors";
    public static final String CONFIG = "config.json";

    private static final Pattern SCOPE_1 = Pattern.compile(
            "(?:models--google--)?gemma-scope-(2b|9b|27b)-(pt|it)-(res|mlp|att|transcoders)(?:-canonical)?");
    private static final Pattern SCOPE_2 =
            Pattern.compile("(?:models--google--)?gemma-scope-2-(270m|1b|4b|12b|27b)-(pt|it)");
    private static final Pattern LAYER = Pattern.compile("layer_(\\d{1,6})(?:_.*)?");
    private static final Pattern EMBEDDING = Pattern.compile("embedding");

    @Override
    public String name() {
        return "Gemma Scope";
    }

    @Override
    public boolean recognises(Path path) {
        return Files.isDirectory(path)
                && (Files.isRegularFile(path.resolve(NPZ)) || Files.isRegularFile(path.resolve(SAFETENSORS)));
    }

    @Override
    public List<Provenance> provenance(Path path) throws IOException {
        return List.of(Files.isRegularFile(path.resolve(NPZ)) ? scope1Provenance(path) : scope2Provenance(path));
    }

    /** The repository's name and the layer folder, found among the folder's ancestors (a hub snapshot or a clone). */
    static Provenance scope1Provenance(Path dir) {
        Matcher repo = Folders.nearestMatching(dir, SCOPE_1);
        Matcher layerFolder = Folders.nearestMatching(dir, LAYER);
        String model = repo == null
                ? null
                : "google/gemma-2-" + repo.group(1) + (repo.group(2).equals("it") ? "-it" : "");
        String site = repo == null ? null : repo.group(3);
        Integer layer = layerFolder == null ? null : Integer.valueOf(layerFolder.group(1));
        HookPoint hook = null;
        if (layerFolder == null && "res".equals(site) && Folders.nearestMatching(dir, EMBEDDING) != null) {
            hook = HookPoint.embed(); // the res repositories' embedding/width_W/average_l0_N: SAELens's hook_embed
        } else if (layer != null && site != null) {
            hook = switch (site) {
                case "res" -> HookPoint.of(layer, HookPoint.Kind.RESID_POST);
                case "mlp" -> HookPoint.of(layer, HookPoint.Kind.MLP_OUT);
                case "att" -> HookPoint.of(layer, HookPoint.Kind.ATTN_Z);
                default -> null;
            };
        }
        return new Provenance(model, hook, null, true, 0, null, null);
    }

    static Provenance scope2Provenance(Path dir) throws IOException {
        Path cfgFile = dir.resolve(CONFIG);
        JsonObject cfg = Files.isRegularFile(cfgFile) ? Json.read(cfgFile) : new JsonObject();
        String model = Json.str(cfgFile, cfg, "model_name", null);
        if (model != null && !model.contains("/")) {
            model = "google/" + model;
        }
        for (Path p = dir.toAbsolutePath().normalize();
                model == null && p != null && p.getFileName() != null;
                p = p.getParent()) {
            Matcher m = SCOPE_2.matcher(p.getFileName().toString());
            if (m.matches()) {
                model = "google/gemma-3-" + m.group(1) + "-" + m.group(2);
            }
        }
        String in = Json.str(cfgFile, cfg, "hf_hook_point_in", null);
        HookPoint hook = null;
        if (in != null) {
            try {
                HookPoint h = ModulePaths.parse(in, Architecture.GEMMA3);
                hook = h == null ? HookPoint.parse(in) : h;
            } catch (IllegalArgumentException e) {
                throw new DictionaryFormatException(cfgFile, "hf_hook_point_in: " + e.getMessage());
            }
        }
        return new Provenance(model, hook, null, true, 0, null, null);
    }

    @Override
    public List<Dictionary> read(Path dir) throws IOException {
        boolean scope1 = Files.isRegularFile(dir.resolve(NPZ));
        Path weights = dir.resolve(scope1 ? NPZ : SAFETENSORS);
        Map<String, String> metadata = new LinkedHashMap<>();
        Provenance provenance;
        Map<String, Tensor> t;
        if (scope1) {
            provenance = scope1Provenance(dir);
            if (isTranscoderRepository(dir)) {
                throw new DictionaryFormatException(
                        weights, "is a Gemma Scope transcoder; transcoders are not supported yet");
            }
            t = NpyFile.readNpz(weights);
        } else {
            Path cfgFile = dir.resolve(CONFIG);
            JsonObject cfg = Files.isRegularFile(cfgFile) ? Json.read(cfgFile) : new JsonObject();
            metadata.putAll(Json.flatten(cfg));
            String type = Json.str(cfgFile, cfg, "type", "sae");
            String in = Json.str(cfgFile, cfg, "hf_hook_point_in", null);
            String out = Json.str(cfgFile, cfg, "hf_hook_point_out", in);
            if (type.contains("transcoder") || (in != null && !ModulePaths.samePlace(in, out, Architecture.GEMMA3))) {
                throw new DictionaryFormatException(
                        cfgFile,
                        "is a Gemma Scope 2 transcoder (" + in + " → " + out + "); transcoders are not supported"
                                + " yet, and it is not a dictionary of its input hook");
            }
            if (Boolean.TRUE.equals(Json.bool(cfgFile, cfg, "affine_connection"))) {
                throw new DictionaryFormatException(cfgFile, "has an affine skip connection, which is not supported");
            }
            provenance = scope2Provenance(dir);
            t = Safetensors.readAll(weights);
            if (t.containsKey("affine_skip_connection")) {
                throw new DictionaryFormatException(weights, "has an affine_skip_connection, which is not supported");
            }
        }
        metadata.put(
                "gemma_scope_folder",
                dir.getFileName() == null ? "" : dir.getFileName().toString());
        DictionaryInfo info = new DictionaryInfo(provenance, "Gemma Scope" + (scope1 ? "" : " 2"), metadata);
        try {
            StandardDictionary base = new StandardDictionary(
                    need(t, weights, "W_enc"),
                    need(t, weights, "b_enc"),
                    need(t, weights, "W_dec"),
                    need(t, weights, "b_dec"),
                    false,
                    info);
            return List.of(new JumpReluDictionary(base, need(t, weights, "threshold")));
        } catch (IllegalArgumentException e) {
            throw new DictionaryFormatException(weights, e.getMessage());
        }
    }

    /** A tensor by SAELens's name or the release's lower-case one (Gemma Scope 2 writes w_enc, w_dec). */
    private static Tensor need(Map<String, Tensor> t, Path file, String name) throws DictionaryFormatException {
        Tensor v = t.get(name);
        if (v == null) {
            v = t.get(name.toLowerCase(java.util.Locale.ROOT));
        }
        return v != null ? v : Tensors.need(t, file, name);
    }

    private static boolean isTranscoderRepository(Path dir) {
        Matcher repo = Folders.nearestMatching(dir, SCOPE_1);
        return repo != null && repo.group(3).equals("transcoders");
    }
}
