package org.sparsescope.compute.dictionary;

import java.util.Map;

/**
 * What a dictionary is of, beside its weights: the hook and model it reads, where it came from, and whatever
 * training metadata its format carried (kept as strings for display).
 *
 * @param source a short description of the file it was read from, e.g. "SAELens", "sparsify"
 */
public record DictionaryInfo(String hook, String model, String source, Map<String, String> metadata) {
    public static final String UNKNOWN = "unknown";

    public DictionaryInfo {
        hook = hook == null ? UNKNOWN : hook;
        model = model == null ? UNKNOWN : model;
        metadata = Map.copyOf(metadata);
    }

    public static DictionaryInfo unknown(String source) {
        return new DictionaryInfo(UNKNOWN, UNKNOWN, source, Map.of());
    }
}
