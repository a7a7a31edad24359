package org.sparsescope.compute.dictionary;

import java.util.Map;
import org.sparsescope.compute.model.HookPoint;

/**
 * What a dictionary is of, beside its weights: its {@link Provenance} (model, hook, training conditions), where it
 * came from, and whatever training metadata its format carried (kept as strings for display).
 *
 * @param source a short description of the file it was read from, e.g. "SAELens", "sparsify"
 */
public record DictionaryInfo(Provenance provenance, String source, Map<String, String> metadata) {
    public static final String UNKNOWN = "unknown";

    public DictionaryInfo {
        provenance = provenance == null ? Provenance.unknown() : provenance;
        metadata = Map.copyOf(metadata);
    }

    /** Model and hook alone, as the trainer and tests know them. */
    public DictionaryInfo(HookPoint hook, String model, String source, Map<String, String> metadata) {
        this(Provenance.of(model, hook), source, metadata);
    }

    public static DictionaryInfo unknown(String source) {
        return new DictionaryInfo(Provenance.unknown(), source, Map.of());
    }

    /** The hook point; null when not known. */
    public HookPoint hook() {
        return provenance.hook();
    }

    /** The model as the files name it, or "unknown". */
    public String model() {
        return provenance.model() == null ? UNKNOWN : provenance.model();
    }

    public DictionaryInfo withProvenance(Provenance p) {
        return new DictionaryInfo(p, source, metadata);
    }
}
