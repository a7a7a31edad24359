package org.sparsescope.compute.model;

import java.util.regex.Pattern;

/**
 * Which strings in other tools' files are hook names at all: a TransformerLens name (one the app runs or not) or a
 * Hugging Face module path. Whether a name is a place in a given model is {@link HookPoint#parse} and
 * {@code LanguageModel.hook}'s question.
 */
public final class HookNames {
    private static final Pattern TRANSFORMER_LENS = Pattern.compile(
            "blocks\\.\\d+\\.(?:[a-z0-9_]+\\.)?hook_[a-z_]+|ln_final\\.hook_normalized|hook_embed|hook_pos_embed");

    private HookNames() {}

    public static boolean isTransformerLens(String name) {
        return name != null && TRANSFORMER_LENS.matcher(name).matches();
    }

    /** {@code name} when it is a TransformerLens name or a module path; null for anything else (or null). */
    public static String named(String name) {
        return name != null && (isTransformerLens(name) || ModulePaths.isModulePath(name)) ? name : null;
    }
}
