package org.sparsescope.compute.model;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Hook names as other tools write them, mapped to TransformerLens's, and the one comparison rule the app uses to
 * decide whether two hooks read the same activations.
 */
public final class HookNames {
    private static final Pattern TRANSFORMER_LENS =
            Pattern.compile("blocks\\.\\d+\\.hook_[a-z_]+|ln_final\\.hook_normalized|hook_embed|hook_pos_embed");
    private static final Pattern RESID_PRE = Pattern.compile("blocks\\.(\\d+)\\.hook_resid_pre");

    private HookNames() {}

    public static boolean isTransformerLens(String name) {
        return name != null && TRANSFORMER_LENS.matcher(name).matches();
    }

    /**
     * TransformerLens's name for a module hookpoint ({@code layers.N} → {@code blocks.N.hook_resid_post},
     * {@code layers.N.mlp} → {@code hook_mlp_out}, {@code .attention}/{@code .attn} → {@code hook_attn_out}; GPT-2's
     * {@code h.N…} likewise); a TransformerLens name as it is; null for anything else.
     */
    public static String fromModule(String name) {
        if (name == null) {
            return null;
        }
        if (isTransformerLens(name)) {
            return name;
        }
        try {
            HookPoint h = ModulePaths.parse(name, null);
            return h == null ? null : h.name();
        } catch (IllegalArgumentException e) {
            return null; // a module path whose place depends on the family: the model decides (LanguageModel.hook)
        }
    }

    /**
     * The form two hook names are compared in: {@code blocks.L.hook_resid_pre} for L ≥ 1 reads the same tensor as
     * {@code blocks.(L−1).hook_resid_post}, so both compare equal; every other name is itself.
     */
    public static String canonical(String name) {
        if (name == null) {
            return null;
        }
        Matcher m = RESID_PRE.matcher(name);
        if (m.matches() && Integer.parseInt(m.group(1)) > 0) {
            return "blocks." + (Integer.parseInt(m.group(1)) - 1) + ".hook_resid_post";
        }
        return name;
    }

    public static boolean same(String a, String b) {
        return a != null && b != null && canonical(a).equals(canonical(b));
    }
}
