package org.sparsescope.compute.model;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A place in the forward pass. Its name is TransformerLens's, e.g. {@code blocks.2.hook_resid_post} or
 * {@code ln_final.hook_normalized}; a Hugging Face module path that releases use for the same place
 * ({@code model.layers.2}, {@code model.layers.2.self_attn.o_proj.input}, …) parses to an equal value, so
 * provenance compares places, never spellings. Hooks carry [batch, pos, d_model], except {@code attn.hook_z}:
 * [batch, pos, heads × head_dim], the heads' outputs side by side as o_proj reads them.
 */
public record HookPoint(int layer, Kind kind) {
    public enum Kind {
        RESID_PRE("hook_resid_pre"),
        ATTN_Z("attn.hook_z"),
        ATTN_OUT("hook_attn_out"),
        RESID_MID("hook_resid_mid"),
        LN2_NORMALIZED("ln2.hook_normalized"),
        MLP_OUT("hook_mlp_out"),
        RESID_POST("hook_resid_post"),
        FINAL_NORMALIZED("hook_normalized");

        final String suffix;

        Kind(String suffix) {
            this.suffix = suffix;
        }
    }

    public static final String FINAL = "ln_final.hook_normalized";

    /** Hooks in the order a forward pass meets them: by block, then by place in the block; the final norm last. */
    public static final java.util.Comparator<HookPoint> FORWARD =
            java.util.Comparator.comparingInt(HookPoint::layer).thenComparing(HookPoint::kind);

    private static final Pattern BLOCK = Pattern.compile("blocks\\.(\\d+)\\.((?:attn\\.|ln2\\.)?hook_\\w+)");

    public static HookPoint of(int layer, Kind kind) {
        return new HookPoint(layer, kind);
    }

    /**
     * Parses a hook name, TransformerLens's or a Hugging Face module path whose meaning is the same in every family
     * ({@link ModulePaths}); throws IllegalArgumentException naming the accepted spellings.
     */
    public static HookPoint parse(String name) {
        if (name.equals(FINAL)) {
            return new HookPoint(Integer.MAX_VALUE, Kind.FINAL_NORMALIZED);
        }
        HookPoint module = ModulePaths.parse(name, null);
        if (module != null) {
            return module;
        }
        Matcher m = BLOCK.matcher(name);
        if (m.matches()) {
            for (Kind k : Kind.values()) {
                if (k != Kind.FINAL_NORMALIZED && k.suffix.equals(m.group(2))) {
                    return new HookPoint(Integer.parseInt(m.group(1)), k);
                }
            }
        }
        String near = nearest(name);
        throw new IllegalArgumentException(
                "unknown hook '" + name + "'" + (near == null ? "" : "; did you mean " + near + "?")
                        + " Hooks are named blocks.{layer}.hook_resid_pre, attn.hook_z, hook_attn_out, hook_resid_mid,"
                        + " ln2.hook_normalized, hook_mlp_out, hook_resid_post, or ln_final.hook_normalized, or by"
                        + " Hugging Face module path (model.layers.{layer}, …)");
    }

    /** The well-formed hook name a mistyped one most likely meant (a few letters off), or null. */
    static String nearest(String typed) {
        Matcher layer = java.util.regex.Pattern.compile("^blocks\\.(\\d+)\\.").matcher(typed);
        java.util.List<String> names = new java.util.ArrayList<>(java.util.List.of(FINAL));
        String l = layer.find() ? layer.group(1) : null;
        for (Kind k : Kind.values()) {
            if (k != Kind.FINAL_NORMALIZED) {
                names.add("blocks." + (l != null ? l : "0") + "." + k.suffix);
            }
        }
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String n : names) {
            int dist = editDistance(typed, n);
            if (dist < bestDistance) {
                best = n;
                bestDistance = dist;
            }
        }
        return bestDistance <= 3 ? best : null;
    }

    /** Levenshtein distance: hook names are short, so the plain O(|a|·|b|) table serves. */
    private static int editDistance(String a, String b) {
        int[] prev = new int[b.length() + 1], cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                cur[j] = Math.min(
                        Math.min(cur[j - 1], prev[j]) + 1, prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1));
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }

    public boolean isFinal() {
        return kind == Kind.FINAL_NORMALIZED;
    }

    public String name() {
        return isFinal() ? FINAL : "blocks." + layer + "." + kind.suffix;
    }

    @Override
    public String toString() {
        return name();
    }
}
