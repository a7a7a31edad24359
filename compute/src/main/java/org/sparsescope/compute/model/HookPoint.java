package org.sparsescope.compute.model;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A place in the forward pass. Its name is TransformerLens's, e.g. {@code blocks.2.hook_resid_post} or
 * {@code ln_final.hook_normalized}; a Hugging Face module path that releases use for the same place
 * ({@code model.layers.2}, {@code model.layers.2.self_attn.o_proj.input}, …) parses to an equal value, so
 * provenance compares places, never spellings. Hooks carry [batch, pos, d_model], except {@code attn.hook_z}:
 * [batch, pos, heads × head_dim], the heads' outputs side by side as o_proj reads them.
 *
 * <p>Parsing happens where a name comes in (a file, a command line, a text field); from there on the app passes
 * points. {@code blocks.L.hook_resid_pre} (L ≥ 1) and {@code blocks.(L−1).hook_resid_post} are one tensor: they are
 * different points, but {@link #canonical()} maps both to the latter, which is how pairs are compared.
 *
 * @param head one attention head of a per-head hook (SAELens's {@code hook_head_index}); null for every head
 */
public record HookPoint(int layer, Kind kind, Integer head) {
    public enum Kind {
        /**
         * {@code hook_embed}: the embedded tokens as the first block reads them, before any position embedding is
         * added (TransformerLens's name; on Gemma, scaled by √d_model, as TransformerLens folds the scale into W_E).
         * In the rotary families it is the same tensor as {@code blocks.0.hook_resid_pre}, but a dictionary trained
         * there says hook_embed, and pairs by point are kept as their files name them.
         */
        EMBED("hook_embed"),
        RESID_PRE("hook_resid_pre"),
        ATTN_Z("attn.hook_z"),
        ATTN_OUT("hook_attn_out"),
        RESID_MID("hook_resid_mid"),
        LN2_NORMALIZED("ln2.hook_normalized"),
        MLP_OUT("hook_mlp_out"),
        RESID_POST("hook_resid_post"),
        FINAL_NORMALIZED("hook_normalized"),
        /** a synthetic set's rows: the one place a generator has (no language model runs it) */
        SYNTHETIC("synthetic");

        final String suffix;

        Kind(String suffix) {
            this.suffix = suffix;
        }
    }

    public static final String FINAL = "ln_final.hook_normalized";
    public static final String EMBED = "hook_embed";
    public static final String SYNTHETIC = "synthetic";

    /** Hooks in the order a forward pass meets them: by block, then by place in the block; the final norm last. */
    public static final java.util.Comparator<HookPoint> FORWARD =
            java.util.Comparator.comparingInt(HookPoint::layer).thenComparing(HookPoint::kind);

    private static final Pattern BLOCK = Pattern.compile("blocks\\.(\\d+)\\.((?:attn\\.|ln2\\.)?hook_\\w+)");

    public HookPoint {
        if (kind == null) {
            throw new IllegalArgumentException("a hook point needs its kind");
        }
        if (head != null && (kind != Kind.ATTN_Z || head < 0)) {
            throw new IllegalArgumentException("a head index (" + head + ") belongs only to attn.hook_z");
        }
    }

    public HookPoint(int layer, Kind kind) {
        this(layer, kind, null);
    }

    public static HookPoint of(int layer, Kind kind) {
        return new HookPoint(layer, kind);
    }

    /** The final norm's output, {@code ln_final.hook_normalized}. */
    public static HookPoint finalNormalized() {
        return new HookPoint(Integer.MAX_VALUE, Kind.FINAL_NORMALIZED);
    }

    /** The embedded tokens, {@code hook_embed} (see {@link Kind#EMBED}). */
    public static HookPoint embed() {
        return new HookPoint(0, Kind.EMBED);
    }

    /** Where a synthetic set's rows are: its generator's output. */
    public static HookPoint synthetic() {
        return new HookPoint(0, Kind.SYNTHETIC);
    }

    /** The same point, one head of it ({@code head} null: every head). */
    public HookPoint withHead(Integer newHead) {
        return new HookPoint(layer, kind, newHead);
    }

    /**
     * The point pairs are compared at: {@code blocks.L.hook_resid_pre} for L ≥ 1 reads the same tensor as
     * {@code blocks.(L−1).hook_resid_post}, so both map to the latter; every other point is itself.
     */
    public HookPoint canonical() {
        return kind == Kind.RESID_PRE && layer > 0 ? new HookPoint(layer - 1, Kind.RESID_POST) : this;
    }

    /** Whether the two points read the same tensor. */
    public boolean sameActivations(HookPoint other) {
        return other != null && canonical().equals(other.canonical());
    }

    /**
     * Parses a hook name, TransformerLens's or a Hugging Face module path whose meaning is the same in every family
     * ({@link ModulePaths}); throws IllegalArgumentException naming the accepted spellings.
     */
    public static HookPoint parse(String name) {
        if (name.equals(FINAL)) {
            return finalNormalized();
        }
        if (name.equals(SYNTHETIC)) {
            return synthetic();
        }
        if (name.equals(EMBED)) {
            return embed();
        }
        HookPoint module = ModulePaths.parse(name, null);
        if (module != null) {
            return module;
        }
        Matcher m = BLOCK.matcher(name);
        if (m.matches()) {
            for (Kind k : Kind.values()) {
                if (inBlock(k) && k.suffix.equals(m.group(2))) {
                    return new HookPoint(Integer.parseInt(m.group(1)), k);
                }
            }
        }
        String near = nearest(name);
        throw new IllegalArgumentException(
                "unknown hook '" + name + "'" + (near == null ? "" : "; did you mean " + near + "?")
                        + " Hooks are named blocks.{layer}.hook_resid_pre, attn.hook_z, hook_attn_out, hook_resid_mid,"
                        + " ln2.hook_normalized, hook_mlp_out or hook_resid_post; hook_embed; ln_final.hook_normalized;"
                        + " or by Hugging Face module path (model.layers.{layer}, …)");
    }

    /** The well-formed hook name a mistyped one most likely meant (a few letters off), or null. */
    static String nearest(String typed) {
        Matcher layer = java.util.regex.Pattern.compile("^blocks\\.(\\d+)\\.").matcher(typed);
        java.util.List<String> names = new java.util.ArrayList<>(java.util.List.of(FINAL, EMBED));
        String l = layer.find() ? layer.group(1) : null;
        for (Kind k : Kind.values()) {
            if (inBlock(k)) {
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

    /** Whether points of this kind are named {@code blocks.L.…}. */
    private static boolean inBlock(Kind k) {
        return k != Kind.FINAL_NORMALIZED && k != Kind.SYNTHETIC && k != Kind.EMBED;
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

    /** TransformerLens's name (the head, if any, is not part of a name: SAELens states it beside). */
    public String name() {
        return switch (kind) {
            case FINAL_NORMALIZED -> FINAL;
            case SYNTHETIC -> SYNTHETIC;
            case EMBED -> EMBED;
            default -> "blocks." + layer + "." + kind.suffix;
        };
    }

    /** The name, and the head when there is one: what a label shows. */
    public String describe() {
        return head == null ? name() : name() + " (head " + head + ")";
    }

    @Override
    public String toString() {
        return name();
    }
}
