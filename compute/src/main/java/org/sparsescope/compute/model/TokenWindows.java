package org.sparsescope.compute.model;

/** Cutting a token stream into the fixed-length windows that a model reads. */
public final class TokenWindows {
    private TokenWindows() {}

    /**
     * Consecutive, non-overlapping windows of {@code window} tokens from the start of the stream, at most
     * {@code maxWindows} of them (all that fit when {@code maxWindows} ≤ 0). A partial last window is dropped.
     */
    public static long[][] consecutive(long[] tokens, int window, int maxWindows) {
        return consecutive(tokens, window, maxWindows, -1);
    }

    /**
     * As {@link #consecutive(long[], int, int)}, but with {@code bos} ≥ 0 each window is that token followed by
     * window − 1 consecutive text tokens.
     */
    public static long[][] consecutive(long[] tokens, int window, int maxWindows, long bos) {
        if (window < 2) {
            throw new IllegalArgumentException("a window needs at least 2 tokens, got " + window);
        }
        int text = bos >= 0 ? window - 1 : window;
        int fit = tokens.length / text;
        int n = maxWindows > 0 ? Math.min(fit, maxWindows) : fit;
        long[][] out = new long[n][];
        for (int i = 0; i < n; i++) {
            long[] w = new long[window];
            int at = 0;
            if (bos >= 0) {
                w[at++] = bos;
            }
            System.arraycopy(tokens, i * text, w, at, text);
            out[i] = w;
        }
        return out;
    }
}
