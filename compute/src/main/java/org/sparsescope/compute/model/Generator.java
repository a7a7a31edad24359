package org.sparsescope.compute.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Continues a prompt token by token, greedily or by sampling at a temperature from a seed, with any hook
 * replacements (steering) applied at every position. Incremental by default: a key/value cache makes each new
 * token's pass one position long; full recomputation of the whole sequence at every step is kept as the check.
 */
public final class Generator {
    private Generator() {}

    /** Greedy when {@code temperature} is 0; else sampled from softmax(logits / temperature) with a generator seeded by {@code seed}. */
    public record Sampling(double temperature, long seed) {
        public Sampling {
            if (!(temperature >= 0) || Double.isInfinite(temperature)) {
                throw new IllegalArgumentException("temperature must be 0 (greedy) or positive, not " + temperature);
            }
        }

        public static Sampling greedy() {
            return new Sampling(0, 0);
        }

        public boolean isGreedy() {
            return temperature == 0;
        }
    }

    /** The tokens generated after the prompt, and the seconds their generation took. */
    public record Result(long[] tokens, double seconds) {
        public double tokensPerSecond() {
            return tokens.length / seconds;
        }
    }

    /** Sees each generated token with the logits it was picked from; returns false to end the generation there. */
    @FunctionalInterface
    public interface Step {
        boolean accept(int index, long token, float[] logits);
    }

    /**
     * @param hooks replacements applied to every pass (steering, clamping); the logits are always computed
     * @param cached incremental decoding with a key/value cache; false recomputes the whole sequence each step
     */
    public static Result generate(
            LanguageModel model, long[] prompt, int tokens, Sampling sampling, Hooks hooks, boolean cached) {
        return generate(model, prompt, tokens, sampling, hooks, cached, (i, t, l) -> true);
    }

    /**
     * As {@link #generate(LanguageModel, long[], int, Sampling, Hooks, boolean)}, each token shown to {@code onToken},
     * which may end the generation early (at a stop token); the result holds the tokens made until then, the one
     * that ended it included.
     */
    public static Result generate(
            LanguageModel model,
            long[] prompt,
            int tokens,
            Sampling sampling,
            Hooks hooks,
            boolean cached,
            Step onToken) {
        if (prompt.length == 0) {
            throw new IllegalArgumentException("the prompt has no tokens");
        }
        if (tokens < 0) {
            throw new IllegalArgumentException("tokens to generate must be 0 or more, not " + tokens);
        }
        SplittableRandom rnd = new SplittableRandom(sampling.seed());
        long[] out = new long[tokens];
        long t0 = System.nanoTime();
        Hooks withLogits = Hooks.builder().logits().copyOf(hooks).build();
        try (NDManager scope = model.newScope()) {
            KvCache cache = cached ? model.newCache() : null;
            long[] sequence = Arrays.copyOf(prompt, prompt.length + tokens);
            for (int i = 0; i < tokens; i++) {
                int length = prompt.length + i;
                try (NDManager step = scope.newSubManager()) {
                    float[] last;
                    if (cached) {
                        long[] fresh = i == 0 ? prompt : new long[] {out[i - 1]};
                        NDArray ids = model.idsArray(step, new long[][] {fresh});
                        last = model.runCached(ids, withLogits, cache)
                                .logits()
                                .get("0, -1, :")
                                .toFloatArray(); // of [1, T, V]
                        cache.keepIn(scope); // the step's arrays go; the keys and values stay for the next
                    } else {
                        NDArray ids = model.idsArray(step, new long[][] {Arrays.copyOf(sequence, length)});
                        last = model.run(ids, withLogits)
                                .logits()
                                .get("0, -1, :")
                                .toFloatArray();
                    }
                    out[i] = pick(last, sampling, rnd);
                    sequence[length] = out[i];
                    if (!onToken.accept(i, out[i], last)) {
                        return new Result(Arrays.copyOf(out, i + 1), (System.nanoTime() - t0) / 1e9);
                    }
                }
            }
        }
        return new Result(out, (System.nanoTime() - t0) / 1e9);
    }

    /** The next token from one position's logits. */
    static long pick(float[] logits, Sampling sampling, SplittableRandom rnd) {
        if (sampling.isGreedy()) {
            int best = 0;
            for (int v = 1; v < logits.length; v++) {
                if (logits[v] > logits[best]) {
                    best = v;
                }
            }
            return best;
        }
        double max = Double.NEGATIVE_INFINITY;
        for (float l : logits) {
            max = Math.max(max, l);
        }
        double[] p = new double[logits.length];
        double total = 0;
        for (int v = 0; v < logits.length; v++) {
            p[v] = Math.exp((logits[v] - max) / sampling.temperature());
            total += p[v];
        }
        double u = rnd.nextDouble() * total, acc = 0;
        for (int v = 0; v < p.length; v++) {
            acc += p[v];
            if (u < acc) {
                return v;
            }
        }
        return p.length - 1;
    }
}
