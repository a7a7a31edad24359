package org.sparsescope.compute.dictionary.format;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.sparsescope.compute.dictionary.Dictionary;
import org.sparsescope.compute.dictionary.DictionaryFormatException;
import org.sparsescope.compute.dictionary.DictionaryInfo;
import org.sparsescope.compute.dictionary.HostTensors;
import org.sparsescope.compute.dictionary.Provenance;
import org.sparsescope.compute.dictionary.StandardDictionary;
import org.sparsescope.compute.tensor.Tensor;
import org.sparsescope.compute.tensor.TorchFile;

/**
 * A plain {@code torch.save(sae.state_dict())} of a standard dictionary under SAELens's names ({@code W_enc},
 * {@code W_dec}, {@code b_enc}, {@code b_dec}), as researchers save mid-training. It names no model or hook: the
 * user states them once.
 */
public final class StateDictFormat implements DictionaryFormat {
    @Override
    public String name() {
        return "torch state dict";
    }

    @Override
    public boolean recognises(Path path) {
        return Files.isRegularFile(path) && isStateDict(path);
    }

    /** A .pt file (not the research code's list, not dictionary_learning's ae.pt) holding W_enc and W_dec. */
    static boolean isStateDict(Path file) {
        return holdsTensors(file, "W_enc", "W_dec");
    }

    /**
     * Whether {@code file} is a .pt dict (not the research code's list, not dictionary_learning's ae.pt) with a
     * tensor under each of {@code keys}: how a state dict without a layout of its own is recognised.
     */
    static boolean holdsTensors(Path file, String... keys) {
        String name = file.getFileName().toString();
        if (!name.endsWith(".pt") || name.equals(SeedFormat.FILE) || name.equals(DictionaryLearningFormat.WEIGHTS)) {
            return false;
        }
        try {
            if (!(TorchFile.read(file) instanceof Map<?, ?> m)) {
                return false;
            }
            for (String key : keys) {
                if (!(m.get(key) instanceof Tensor)) {
                    return false;
                }
            }
            return true;
        } catch (IOException | RuntimeException e) {
            return false; // another reader says what is wrong with it
        }
    }

    @Override
    public List<Provenance> provenance(Path path) {
        return List.of(Provenance.unknown());
    }

    @Override
    public List<Dictionary> read(Path file) throws IOException {
        Map<String, Tensor> t = TorchFile.readStateDict(file);
        try {
            Tensor wEnc = Tensors.need(t, file, "W_enc");
            Tensor wDec = Tensors.need(t, file, "W_dec");
            Tensor bEnc = t.get("b_enc") != null ? t.get("b_enc") : HostTensors.zeros(wEnc.shape()[1]);
            Tensor bDec = t.get("b_dec") != null ? t.get("b_dec") : HostTensors.zeros(wEnc.shape()[0]);
            return List.of(new StandardDictionary(
                    wEnc,
                    bEnc,
                    wDec,
                    bDec,
                    true,
                    new DictionaryInfo(
                            Provenance.unknown(),
                            "torch state dict",
                            Map.of("tensors", String.join(", ", new java.util.TreeSet<>(t.keySet()))))));
        } catch (IllegalArgumentException e) {
            throw new DictionaryFormatException(file, e.getMessage());
        }
    }
}
