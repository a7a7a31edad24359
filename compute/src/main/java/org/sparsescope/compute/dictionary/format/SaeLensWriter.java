package org.sparsescope.compute.dictionary.format;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.sparsescope.compute.dictionary.Dictionary;
import org.sparsescope.compute.dictionary.GatedDictionary;
import org.sparsescope.compute.dictionary.InputNormalization;
import org.sparsescope.compute.dictionary.JumpReluDictionary;
import org.sparsescope.compute.dictionary.NormalizedDictionary;
import org.sparsescope.compute.dictionary.Provenance;
import org.sparsescope.compute.dictionary.StandardDictionary;
import org.sparsescope.compute.dictionary.TiedDictionary;
import org.sparsescope.compute.dictionary.TopKDictionary;
import org.sparsescope.compute.tensor.AtomicFile;
import org.sparsescope.compute.tensor.Safetensors;

/**
 * Saves a dictionary in the SAELens layout ({@code cfg.json} + {@code sae_weights.safetensors}) with the app's
 * {@link Sidecar}, so any tool of the ecosystem loads it and the app knows its provenance.
 */
public final class SaeLensWriter {
    private SaeLensWriter() {}

    /**
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
            Safetensors.write(temp.resolve(SaeLensFormat.WEIGHTS), d.tensors());
            AtomicFile.writeString(temp.resolve(SaeLensFormat.CFG), Sidecar.GSON.toJson(cfgOf(d)));
            Sidecar.write(temp, sidecar);
            new SaeLensFormat().read(temp); // what was written reads back whole before it replaces anything
            boolean replacing = Files.exists(dir);
            if (replacing) {
                Files.move(dir, old, StandardCopyOption.ATOMIC_MOVE);
            }
            Files.move(temp, dir, StandardCopyOption.ATOMIC_MOVE);
            if (replacing) {
                AtomicFile.deleteTree(old);
            }
        } catch (IOException e) {
            throw org.sparsescope.compute.WriteFailedException.of(dir, e);
        } finally {
            AtomicFile.deleteTree(temp);
        }
    }

    private static Map<String, Object> cfgOf(Dictionary dictionary) {
        // a per-row normalisation is a cfg value in SAELens, beside the inner dictionary's own weights
        Dictionary d = dictionary instanceof NormalizedDictionary n ? n.inner() : dictionary;
        Map<String, Object> cfg = new LinkedHashMap<>();
        cfg.put("architecture", d.architecture());
        cfg.put("d_in", d.dIn());
        cfg.put("d_sae", d.dSae());
        cfg.put("dtype", "float32");
        cfg.put("device", "cpu");
        boolean applyBDec = d instanceof StandardDictionary s
                ? s.applyBDecToInput()
                : d instanceof TopKDictionary t
                        ? t.base().applyBDecToInput()
                        : d instanceof JumpReluDictionary j
                                ? j.base().applyBDecToInput()
                                : !(d instanceof GatedDictionary g) || g.applyBDecToInput();
        cfg.put("apply_b_dec_to_input", applyBDec);
        cfg.put(
                "normalize_activations",
                dictionary instanceof NormalizedDictionary n
                        ? n.normalization().saeLensName()
                        : InputNormalization.NONE.saeLensName());
        cfg.put("reshape_activations", "none");
        if (d instanceof TopKDictionary t) {
            cfg.put("k", t.k());
        }
        Provenance p = d.info().provenance();
        Map<String, Object> where = new LinkedHashMap<>();
        where.put("model_name", d.info().model());
        where.put("hook_name", p.hook() != null ? p.hook().name() : p.hookName());
        where.put("hook_head_index", p.hook() != null ? p.hook().head() : null);
        where.put("prepend_bos", p.prependBos());
        if (p.contextSize() > 0) {
            where.put("context_size", p.contextSize());
        }
        if (p.datasetPath() != null) {
            where.put("dataset_path", p.datasetPath());
        }
        // flat keys for SAELens before 6.0, the metadata block for 6.x
        cfg.putAll(where);
        Map<String, Object> meta = new LinkedHashMap<>(where);
        meta.put("model_class_name", "HookedTransformer");
        meta.put("sparsescope_source", d.info().source());
        cfg.put("metadata", meta);
        return cfg;
    }
}
