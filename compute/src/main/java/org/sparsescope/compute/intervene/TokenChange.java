package org.sparsescope.compute.intervene;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.sparsescope.compute.model.Tokenizer;

/**
 * A predicted token whose loss an intervention changed: window, position of the predicted token (≥ 1), the
 * change in nats, and its context as text, the predicted token in brackets ("the cat sat on[ the]").
 */
public record TokenChange(int window, int position, double delta, String context) {
    /** Tokens of context shown before the predicted one. */
    public static final int CONTEXT = 8;

    /**
     * The {@code n} largest changes of {@code delta} ([window][T − 1], index t predicting token t + 1), by size, or
     * by value (largest rise first) when {@code risesOnly}.
     */
    public static List<TokenChange> largest(
            Tokenizer tokenizer, long[][] windows, float[][] delta, int n, boolean risesOnly) {
        List<int[]> all = new ArrayList<>();
        for (int w = 0; w < delta.length; w++) {
            for (int t = 0; t < delta[w].length; t++) {
                all.add(new int[] {w, t});
            }
        }
        all.sort((a, b) -> risesOnly
                ? Float.compare(delta[b[0]][b[1]], delta[a[0]][a[1]])
                : Float.compare(Math.abs(delta[b[0]][b[1]]), Math.abs(delta[a[0]][a[1]])));
        List<TokenChange> out = new ArrayList<>();
        for (int[] wt : all.subList(0, Math.min(Math.max(0, n), all.size()))) {
            int w = wt[0], t = wt[1];
            out.add(new TokenChange(w, t + 1, delta[w][t], context(tokenizer, windows[w], t + 1)));
        }
        return out;
    }

    /** The text before {@code position} (up to {@link #CONTEXT} tokens) and the token there in brackets. */
    public static String context(Tokenizer tokenizer, long[] window, int position) {
        long[] before = Arrays.copyOfRange(window, Math.max(0, position - CONTEXT), position);
        return tokenizer.decode(before) + "[" + tokenizer.tokenText(window[position]) + "]";
    }
}
