package org.sparsescope.compute.model;

import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.sparsescope.compute.model.HookPoint.Kind;
import org.sparsescope.compute.model.TransformerConfig.Architecture;

/**
 * Hugging Face module paths as releases name hook points (SAELens's {@code hf_hook_point_in}, sparsify's
 * {@code layers.N}, Gemma Scope 2's {@code model.layers.N.post_feedforward_layernorm.output}), read as the
 * TransformerLens place they stand for. A module's output is the place unless the path ends in {@code .input}.
 * Some paths mean different places in different families ({@code post_attention_layernorm} is the norm before
 * the MLP in Llama but the one after attention in Gemma), so those are read only when the family is known.
 */
public final class ModulePaths {
    private static final Pattern PATH = Pattern.compile(
            "(?:model\\.language_model\\.|language_model\\.model\\.|model\\.|gpt_neox\\.|transformer\\.)?"
                    + "(?:layers|h)\\.(\\d+)(?:\\.([a-z_.]+))?");
    private static final Pattern FINAL_NORM = Pattern.compile(
            "(?:model\\.language_model\\.|language_model\\.model\\.|model\\.|gpt_neox\\.|transformer\\.)?"
                    + "(?:norm|final_layer_norm|ln_f)(?:\\.output)?");
    private static final Pattern EMBED_TOKENS = Pattern.compile(
            "(?:model\\.language_model\\.|language_model\\.model\\.|model\\.)?embed_tokens(?:\\.output)?");

    private ModulePaths() {}

    /**
     * Whether two hook names are one place in {@code family} (a module path and a TransformerLens name can be);
     * names that do not parse are compared as written.
     */
    public static boolean samePlace(String a, String b, Architecture family) {
        if (a.equals(b)) {
            return true;
        }
        try {
            return placeOf(a, family).equals(placeOf(b, family));
        } catch (IllegalArgumentException e) {
            return false; // at least one names no place: they are the same only as written
        }
    }

    private static HookPoint placeOf(String name, Architecture family) {
        HookPoint h = parse(name, family);
        return h != null ? h : HookPoint.parse(name);
    }

    /** Whether {@code name} is spelled as a module path of a block or the final norm (a place or not). */
    public static boolean isModulePath(String name) {
        return PATH.matcher(name).matches()
                || FINAL_NORM.matcher(name).matches()
                || EMBED_TOKENS.matcher(name).matches();
    }

    /**
     * The place a module path names, or null when {@code name} is not a module path. With {@code family} null,
     * only paths that mean the same place in every family are read; a path whose place depends on the family, or
     * that has no TransformerLens hook in it (Gemma's MLP output before its post-norm), throws naming why.
     */
    public static HookPoint parse(String name, Architecture family) {
        if (FINAL_NORM.matcher(name).matches()) {
            return HookPoint.finalNormalized();
        }
        if (EMBED_TOKENS.matcher(name).matches()) {
            // Gemma 3's embedding module scales by √d_model itself; Gemma 2 scales its output afterwards, so there
            // embed_tokens' output is not hook_embed (which TransformerLens takes scaled)
            if (family == null || family == Architecture.GEMMA2) {
                throw new IllegalArgumentException("'" + name + "' is hook_embed in Llama, Qwen and Gemma 3 but"
                        + (family == null
                                ? " not in Gemma 2 (whose embedding is scaled after it); it is read once the model is known"
                                : " not in Gemma 2, whose embedding is scaled by √d_model after it (hook_embed is the"
                                        + " scaled one)"));
            }
            return HookPoint.embed();
        }
        Matcher m = PATH.matcher(name);
        if (!m.matches()) {
            return null;
        }
        int layer;
        try {
            layer = Integer.parseInt(m.group(1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("layer number too large in '" + name + "'");
        }
        String module = m.group(2) == null ? "" : m.group(2);
        boolean input = module.equals("input") || module.endsWith(".input");
        if (input || module.equals("output") || module.endsWith(".output")) {
            module = module.substring(0, Math.max(0, module.lastIndexOf('.'))); // the place is the module's
        }
        boolean gemma = family == Architecture.GEMMA2 || family == Architecture.GEMMA3;
        Kind kind = switch (module) {
            case "" -> input ? Kind.RESID_PRE : Kind.RESID_POST;
            case "self_attn.o_proj", "attention.dense", "attn.c_proj" ->
                input ? Kind.ATTN_Z : outputOfAttention(name, family, gemma);
            case "self_attn", "attention", "attn" -> input ? null : outputOfAttention(name, family, gemma);
            case "mlp" -> {
                if (input) {
                    yield family == null || gemma ? null : Kind.LN2_NORMALIZED;
                }
                if (gemma) {
                    throw new IllegalArgumentException("'" + name + "' is Gemma's MLP output before its"
                            + " post_feedforward_layernorm, where TransformerLens has no hook (hook_mlp_out is"
                            + " post_feedforward_layernorm.output)");
                }
                yield Kind.MLP_OUT; // GPT-2, GPT-NeoX and the Llama layout add the MLP's output to the stream
            }
            case "post_feedforward_layernorm" -> input ? null : Kind.MLP_OUT;
            case "pre_feedforward_layernorm" -> input ? Kind.RESID_MID : Kind.LN2_NORMALIZED;
            case "input_layernorm" -> input ? Kind.RESID_PRE : null;
            case "post_attention_layernorm" -> {
                if (family == null) {
                    throw new IllegalArgumentException(
                            "'" + name + "' names a different place in Gemma (after"
                                    + " attention) than in Llama and Qwen (before the MLP); it is read once the model is known");
                }
                yield gemma ? (input ? null : Kind.ATTN_OUT) : (input ? Kind.RESID_MID : Kind.LN2_NORMALIZED);
            }
            default -> null;
        };
        if (kind == null) {
            throw new IllegalArgumentException("'" + name + "' is a module path with no TransformerLens hook"
                    + " point; hooks are read at a block's input or output, o_proj's input, and the norms' outputs");
        }
        return new HookPoint(layer, kind);
    }

    private static Kind outputOfAttention(String name, Architecture family, boolean gemma) {
        if (gemma) {
            throw new IllegalArgumentException("'" + name + "' is Gemma's attention output before its"
                    + " post_attention_layernorm, where TransformerLens has no hook (hook_attn_out is"
                    + " post_attention_layernorm.output)");
        }
        return Kind.ATTN_OUT;
    }

    /**
     * The Hugging Face module path of a place in a pre-norm decoder ({@code model.layers.L…}), or null where no
     * module's input or output is that place (resid_mid, or GPT-2's and GPT-NeoX's own layouts).
     */
    public static String name(HookPoint hook, Architecture family) {
        if (family == null || family == Architecture.GPT2 || family == Architecture.GPT_NEOX) {
            return null;
        }
        boolean gemma = family == Architecture.GEMMA2 || family == Architecture.GEMMA3;
        String layer = "model.layers." + hook.layer();
        return switch (hook.kind()) {
            // Gemma 3's embedding module scales its output by √d_model; Gemma 2 scales after it, in the model
            case EMBED -> family == Architecture.GEMMA2 ? null : "model.embed_tokens.output";
            case RESID_PRE -> layer + ".input";
            case RESID_POST -> layer + ".output";
            case ATTN_Z -> layer + ".self_attn.o_proj.input";
            case ATTN_OUT -> gemma ? layer + ".post_attention_layernorm.output" : layer + ".self_attn.output";
            case LN2_NORMALIZED ->
                layer + (gemma ? ".pre_feedforward_layernorm.output" : ".post_attention_layernorm.output");
            case MLP_OUT -> gemma ? layer + ".post_feedforward_layernorm.output" : layer + ".mlp.output";
            case RESID_MID ->
                gemma ? layer + ".pre_feedforward_layernorm.input" : layer + ".post_attention_layernorm.input";
            case FINAL_NORMALIZED -> "model.norm.output";
            case SYNTHETIC -> null;
        };
    }
}
