package org.sparsescope.compute.model;

/** Cutting a token stream into the fixed-length windows that a model reads. */
public final class TokenWindows {
    private TokenWindows() {}

    /**
     * Consecutive, non-overlapping windows of {@code window} tokens from the start of the stream, at most
     * {@code maxWindows} of them (all that fit when {@code maxWindows} ≤ 0). A partial last window is dropped.
     */
    public static long[][] consecutive(long[] tokens, int window, int maxWindows) {
        if (window < 2) {
            throw new IllegalArgumentException("a window needs at least 2 tokens, got " + window);
        }
        int fit = tokens.length / window;
        int n = maxWindows > 0 ? Math.min(fit, maxWindows) : fit;
        long[][] out = new long[n][];
        for (int i = 0; i < n; i++) {
            out[i] = java.util.Arrays.copyOfRange(tokens, i * window, (i + 1) * window);
        }
        return out;
    }
}
