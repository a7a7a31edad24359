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
    // sparsify and dictionary_learning name Hugging Face modules: GPT-NeoX "layers.N" (or gpt_neox.layers.N), GPT-2
    // "h.N"
    private static final Pattern MODULE = Pattern.compile(
            "(?:(?:gpt_neox|transformer|model)\\.)?(?:layers|h)\\.(\\d+)(?:\\.(mlp|attention|attn|self_attn))?");
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
        Matcher m = MODULE.matcher(name);
        if (!m.matches()) {
            return null;
        }
        String layer = m.group(1);
        if (m.group(2) == null) {
            return "blocks." + layer + ".hook_resid_post"; // a block's output is the residual stream after it
        }
        return m.group(2).equals("mlp") ? "blocks." + layer + ".hook_mlp_out" : "blocks." + layer + ".hook_attn_out";
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
