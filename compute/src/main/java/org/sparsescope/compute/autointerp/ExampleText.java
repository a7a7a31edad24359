package org.sparsescope.compute.autointerp;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.sparsescope.compute.stats.ExampleContext;

/**
 * An example as a prompt shows it: its tokens joined, special tokens (BOS, end-of-text) left out, and the tokens
 * where the feature fires marked {@code <<like this>>} (a run of them marked once). Corpus text is data: any
 * {@code <<} or {@code >>} already in it is shown as {@code ‹‹} / {@code ››}, so it cannot forge a mark.
 */
public final class ExampleText {
    private ExampleText() {}

    /** Tokens that are not text: a model's BOS and the end-of-text joiner. */
    static boolean special(String token) {
        return token.matches("<\\|[a-z_]+\\|>|<s>|</s>|<bos>|<eos>|<pad>");
    }

    private static String clean(String token) {
        return token.replace("<<", "‹‹").replace(">>", "››").replace('\n', '↵');
    }

    /** The text with nothing marked (detection shows examples so). */
    public static String plain(ExampleContext c) {
        return render(c, new boolean[c.tokens().length]);
    }

    /** The text with the tokens where the feature is above zero marked. */
    public static String marked(ExampleContext c) {
        boolean[] on = new boolean[c.tokens().length];
        for (int i = 0; i < on.length; i++) {
            on[i] = c.activations()[i] > 0;
        }
        return render(c, on);
    }

    /**
     * The text with as many marks as the feature has, on tokens where it does not fire (fuzzing's deliberately wrong
     * marks); at least one.
     */
    public static String misMarked(ExampleContext c, Random rng) {
        int n = c.tokens().length;
        List<Integer> off = new ArrayList<>();
        int count = 0;
        for (int i = 0; i < n; i++) {
            if (special(c.tokens()[i])) {
                continue;
            }
            if (c.activations()[i] > 0) {
                count++;
            } else {
                off.add(i);
            }
        }
        boolean[] on = new boolean[n];
        java.util.Collections.shuffle(off, rng);
        for (int i = 0; i < Math.min(Math.max(1, count), off.size()); i++) {
            on[off.get(i)] = true;
        }
        return render(c, on);
    }

    /** The marked tokens with their activations, strongest first, as the explainer reads them. */
    public static String activations(ExampleContext c) {
        List<Integer> idx = new ArrayList<>();
        for (int i = 0; i < c.tokens().length; i++) {
            if (c.activations()[i] > 0 && !special(c.tokens()[i])) {
                idx.add(i);
            }
        }
        idx.sort((a, b) -> Float.compare(c.activations()[b], c.activations()[a]));
        StringBuilder s = new StringBuilder();
        for (int i : idx) {
            if (s.length() > 0) {
                s.append(", ");
            }
            s.append('"')
                    .append(clean(c.tokens()[i]).strip())
                    .append("\" ")
                    .append(String.format(Locale.ROOT, "%.2f", c.activations()[i]));
        }
        return s.toString();
    }

    private static String render(ExampleContext c, boolean[] on) {
        StringBuilder s = new StringBuilder();
        boolean open = false;
        for (int i = 0; i < c.tokens().length; i++) {
            String t = c.tokens()[i];
            if (special(t)) {
                continue;
            }
            if (on[i] && !open) {
                // a mark opens after the token's leading space: "the <<cat>>", not "the<< cat>>"
                String lead = t.startsWith(" ") ? " " : "";
                s.append(lead).append("<<").append(clean(t.substring(lead.length())));
                open = true;
            } else if (!on[i] && open) {
                s.append(">>").append(clean(t));
                open = false;
            } else {
                s.append(clean(t));
            }
        }
        if (open) {
            s.append(">>");
        }
        return s.toString().strip();
    }
}
