package org.sparsescope.compute.dictionary.format;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.sparsescope.compute.dictionary.Dictionary;
import org.sparsescope.compute.dictionary.DictionaryFormatException;
import org.sparsescope.compute.dictionary.DictionaryInfo;
import org.sparsescope.compute.dictionary.HostTensors;
import org.sparsescope.compute.dictionary.Provenance;
import org.sparsescope.compute.dictionary.StandardDictionary;
import org.sparsescope.compute.dictionary.TiedDictionary;
import org.sparsescope.compute.tensor.PickledObject;
import org.sparsescope.compute.tensor.Tensor;
import org.sparsescope.compute.tensor.TorchFile;

/**
 * The original research code's {@code learned_dicts.pt}: a pickled list of (UntiedSAE | TiedSAE, hyperparameters)
 * pairs, reconstructed as data through the pickle whitelist. The file names neither model nor hook: the user states
 * them once and the workspace remembers.
 */
public final class SeedFormat implements DictionaryFormat {
    public static final String FILE = "learned_dicts.pt";
    /** The seed classes the pickle whitelist lets through, as data. */
    private static final Set<String> CLASSES =
            Set.of("autoencoders.learned_dict.UntiedSAE", "autoencoders.learned_dict.TiedSAE");

    @Override
    public String name() {
        return "learned_dicts.pt";
    }

    @Override
    public boolean recognises(Path path) {
        if (Files.isDirectory(path)) {
            return Files.isRegularFile(path.resolve(FILE));
        }
        return Files.isRegularFile(path)
                && path.getFileName()
                        .toString()
                        .endsWith(".pt"); // after StateDictFormat, which takes plain state dicts
    }

    private static Path file(Path path) {
        return Files.isDirectory(path) ? path.resolve(FILE) : path;
    }

    @Override
    public List<Provenance> provenance(Path path) throws IOException {
        return Collections.nCopies(read(path).size(), Provenance.unknown());
    }

    @Override
    public List<Dictionary> read(Path path) throws IOException {
        Path file = file(path);
        Object root = TorchFile.read(file, CLASSES);
        if (!(root instanceof List<?> list)) {
            throw new DictionaryFormatException(
                    file,
                    "expected the research code's list of (dictionary, hyperparameters) pairs, found "
                            + (root instanceof java.util.Map<?, ?> m
                                    ? "a dict with the keys "
                                            + new java.util.TreeSet<>(m.keySet().stream()
                                                    .map(String::valueOf)
                                                    .toList())
                                    : TorchFile.describe(root)));
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
            DictionaryInfo info = new DictionaryInfo(Provenance.unknown(), "learned_dicts.pt #" + i, hyper);
            try {
                out.add(dictionary(file, i, p, info));
            } catch (IllegalArgumentException e) {
                throw new DictionaryFormatException(file, "entry " + i + ": " + e.getMessage());
            }
        }
        if (out.isEmpty()) {
            throw new DictionaryFormatException(file, "holds no dictionaries");
        }
        return out;
    }

    private static Dictionary dictionary(Path file, int i, PickledObject p, DictionaryInfo info)
            throws DictionaryFormatException {
        Map<String, Object> st = p.state();
        if (p.className().endsWith(".UntiedSAE")) {
            // c = relu(x encoderᵀ + encoder_bias), x̂ = c rownorm(decoder)
            Tensor enc = tensor(file, i, st, "encoder");
            Tensor dec = tensor(file, i, st, "decoder");
            return new StandardDictionary(
                    HostTensors.transpose(enc),
                    tensor(file, i, st, "encoder_bias"),
                    HostTensors.rowNormalized(dec),
                    HostTensors.zeros(enc.shape()[1]),
                    false,
                    info);
        }
        Tensor enc = tensor(file, i, st, "encoder");
        long d = enc.shape()[1];
        Tensor trans = st.get("center_trans") instanceof Tensor t ? t : HostTensors.zeros(d);
        Tensor rot = st.get("center_rot") instanceof Tensor t ? t : HostTensors.identity(d);
        float scale = st.get("center_scale") instanceof Tensor t && t.numel() >= 1
                ? t.floats()[0]
                : st.get("center_scale") instanceof Number n ? n.floatValue() : 1f;
        boolean norm = !(st.get("norm_encoder") instanceof Boolean b) || b;
        return new TiedDictionary(enc, tensor(file, i, st, "encoder_bias"), trans, rot, scale, norm, info);
    }

    private static Tensor tensor(Path file, int i, Map<String, Object> state, String name)
            throws DictionaryFormatException {
        if (state.get(name) instanceof Tensor t) {
            if (t.rank() < 1 || t.numel() == 0 || (!name.endsWith("bias") && t.rank() != 2)) {
                throw new DictionaryFormatException(
                        file,
                        "entry " + i + ": '" + name + "' has shape " + java.util.Arrays.toString(t.shape())
                                + (name.endsWith("bias") ? ", expected a vector" : ", expected a matrix"));
            }
            return t;
        }
        throw new DictionaryFormatException(file, "entry " + i + " lacks the tensor '" + name + "'");
    }
}
