package org.sparsescope.compute.dictionary;

import org.sparsescope.compute.model.HookPoint;

/**
 * What a dictionary reads, as its files (or the user) say: the model, the hook point, and the training conditions
 * that decide how its activations must be harvested. A field its files do not state is null (or false/0), never
 * guessed.
 *
 * <p>The hook is a {@link HookPoint} when its name says which place it is on its own. A name that does not — a
 * Hugging Face module path that means different places in different families, or a hook Sparsescope does not run —
 * is kept as written in {@code hookName} with {@code hook} null: the workspace reads it once the model is found
 * ({@code LanguageModel.hook}), or says why it cannot.
 *
 * @param model       the model as named by the files: a hub id, a TransformerLens short name or a folder path
 * @param hook        the place it reads; null when not stated or not yet readable
 * @param hookName    the hook as the files (or the user) wrote it; null when not stated
 * @param prependBos  whether each training window began with the BOS token
 * @param contextSize tokens per training window; 0 when not stated
 * @param datasetPath the training dataset as named (a hub id or a path); null when not stated
 * @param statedBy    who said so
 */
public record Provenance(
        String model,
        HookPoint hook,
        String hookName,
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
        hookName = blankToNull(hookName);
        if (hook != null && hookName == null) {
            hookName = hook.name();
        }
        datasetPath = blankToNull(datasetPath);
        if (statedBy == null) {
            statedBy = model != null && hookName != null ? StatedBy.FILES : StatedBy.NOBODY;
        }
    }

    public static Provenance unknown() {
        return new Provenance(null, null, null, false, 0, null, StatedBy.NOBODY);
    }

    public static Provenance of(String model, HookPoint hook) {
        return new Provenance(model, hook, null, false, 0, null, null);
    }

    /**
     * The conditions a file states, its hook given by name: read as a point when the name says which place on its
     * own, else kept as written (see the class comment). {@code head} is SAELens's {@code hook_head_index}.
     */
    public static Provenance stated(
            String model, String hookName, Integer head, boolean prependBos, int contextSize, String datasetPath) {
        HookPoint point = readable(hookName);
        if (point != null && head != null) {
            point = point.withHead(head);
        }
        return new Provenance(model, point, hookName, prependBos, contextSize, datasetPath, null);
    }

    /** The point a name says on its own, or null (a family's module path, a hook the app does not run). */
    public static HookPoint readable(String hookName) {
        if (blankToNull(hookName) == null) {
            return null;
        }
        try {
            return HookPoint.parse(hookName);
        } catch (IllegalArgumentException e) {
            return null; // kept by name: the model, once found, reads it or says why not
        }
    }

    /** Whether both the model and the hook point are known. */
    public boolean complete() {
        return model != null && hook != null;
    }

    /** The same conditions with the model and hook the user stated. */
    public Provenance statedByUser(String newModel, HookPoint newHook) {
        return new Provenance(newModel, newHook, null, prependBos, contextSize, datasetPath, StatedBy.USER);
    }

    /** The same conditions with the hook read as {@code point} (once the model could read its name). */
    public Provenance readAs(HookPoint point) {
        return new Provenance(model, point, hookName, prependBos, contextSize, datasetPath, statedBy);
    }

    /** The hook as it should be shown: the point's name, else the name as written, else "unknown". */
    public String hookLabel() {
        return hook != null ? hook.describe() : hookName != null ? hookName : DictionaryInfo.UNKNOWN;
    }

    /** "model @ hook", with "unknown" for what is not known. */
    public String describe() {
        return (model == null ? DictionaryInfo.UNKNOWN : model) + " @ " + hookLabel();
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() || s.equals(DictionaryInfo.UNKNOWN) ? null : s;
    }
}
