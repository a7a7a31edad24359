package org.sparsescope.compute.dictionary;

/**
 * What a dictionary reads, as its files (or the user) say: the model, the TransformerLens hook, and the training
 * conditions that decide how its activations must be harvested. A field its files do not state is null (or
 * false/0), never guessed.
 *
 * @param model         the model as named by the files: a hub id, a TransformerLens short name or a folder path
 * @param hook          the TransformerLens hook name
 * @param hookHeadIndex the attention head for per-head hooks, else null
 * @param prependBos    whether each training window began with the BOS token
 * @param contextSize   tokens per training window; 0 when not stated
 * @param datasetPath   the training dataset as named (a hub id or a path); null when not stated
 * @param statedBy      who said so
 */
public record Provenance(
        String model,
        String hook,
        Integer hookHeadIndex,
        boolean prependBos,
        int contextSize,
        String datasetPath,
        StatedBy statedBy) {

    /** Where model and hook came from. */
    public enum StatedBy {
        /** the dictionary's own files */
        FILES,
        /** the user, once, remembered by the workspace */
        USER,
        /** nobody: the files say nothing and the user has not been asked yet */
        NOBODY
    }

    public Provenance {
        model = blankToNull(model);
        hook = blankToNull(hook);
        datasetPath = blankToNull(datasetPath);
        if (statedBy == null) {
            statedBy = model != null && hook != null ? StatedBy.FILES : StatedBy.NOBODY;
        }
    }

    public static Provenance unknown() {
        return new Provenance(null, null, null, false, 0, null, StatedBy.NOBODY);
    }

    public static Provenance of(String model, String hook) {
        return new Provenance(model, hook, null, false, 0, null, null);
    }

    /** Whether both the model and the hook are known. */
    public boolean complete() {
        return model != null && hook != null;
    }

    /** The same conditions with the model and hook the user stated. */
    public Provenance statedByUser(String newModel, String newHook) {
        return new Provenance(newModel, newHook, hookHeadIndex, prependBos, contextSize, datasetPath, StatedBy.USER);
    }

    /** "model @ hook", with "unknown" for what is not known. */
    public String describe() {
        return (model == null ? DictionaryInfo.UNKNOWN : model) + " @ "
                + (hook == null ? DictionaryInfo.UNKNOWN : hook);
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() || s.equals(DictionaryInfo.UNKNOWN) ? null : s;
    }
}
