package org.sparsescope.compute.model;

/**
 * Mean next-token cross-entropy of a model over windows of a text, and its perplexity.
 *
 * @param meanCrossEntropy nats per predicted token, averaged over every target of every window
 * @param targets          predicted tokens counted: windows × (window − 1)
 */
public record Perplexity(double meanCrossEntropy, int windows, int window, long targets) {

    public double perplexity() {
        return Math.exp(meanCrossEntropy);
    }

    /** Windows per forward pass: large enough for efficient matmuls, small enough that logits stay ~100 MB. */
    public static final int BATCH_WINDOWS = 16;

    /** Encodes the whole text, cuts consecutive windows, and averages the loss of the unmodified model. */
    public static Perplexity of(LanguageModel model, String text, int window, int maxWindows) {
        long[][] windows = model.windows(model.tokenizer().encode(text), window, maxWindows);
        if (windows.length == 0) {
            throw new IllegalArgumentException("the text has fewer than " + window + " tokens; no window fits");
        }
        return of(model.tokenLosses(windows, Hooks.logitsOnly(), BATCH_WINDOWS), window);
    }

    /** From per-token losses [windows][window − 1]. */
    public static Perplexity of(float[][] tokenLosses, int window) {
        double sum = 0;
        long n = 0;
        for (float[] row : tokenLosses) {
            for (float v : row) {
                sum += v;
                n++;
            }
        }
        return new Perplexity(sum / n, tokenLosses.length, window, n);
    }
}
