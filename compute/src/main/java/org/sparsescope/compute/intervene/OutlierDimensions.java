package org.sparsescope.compute.intervene;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.sparsescope.compute.model.HookPoint;
import org.sparsescope.compute.model.Hooks;
import org.sparsescope.compute.model.LanguageModel;
import org.sparsescope.compute.model.Perplexity;
import org.sparsescope.compute.work.Cancellation;
import org.sparsescope.compute.work.CancelledException;
import org.sparsescope.compute.work.Progress;
import org.sparsescope.compute.work.ProgressListener;

/**
 * The seed's outlier-dimension experiment: at a hook, the basis dimensions of the activation with the largest
 * mean |x_d| over the windows' tokens; each of the top ones ablated alone, and the top 1 … k together, set to zero
 * or to its mean over the same tokens, with the change of the next-token cross-entropy each causes.
 */
public final class OutlierDimensions {
    private OutlierDimensions() {}

    public enum Fill {
        ZERO,
        MEAN
    }

    /** A dimension with its mean |x_d| and mean x_d over the windows' tokens. */
    public record Dimension(int index, double meanAbs, double mean) {}

    /** CE with some dimensions ablated: {@code dimensions} are the ones set, in rank order. */
    public record Ablation(int[] dimensions, double ce, double deltaCe) {
        public Ablation {
            dimensions = dimensions.clone();
        }

        @Override
        public int[] dimensions() {
            return dimensions.clone();
        }
    }

    /**
     * @param alone      each top dimension ablated by itself, in rank order
     * @param cumulative the top 1, 2, … k ablated together
     */
    public record Report(
            HookPoint hook,
            Fill fill,
            int windows,
            int windowTokens,
            double cleanCe,
            List<Dimension> top,
            List<Ablation> alone,
            List<Ablation> cumulative) {}

    /** Every dimension's mean |x_d| and mean x_d at {@code hook} over the windows' tokens, by dimension. */
    public static Dimension[] dimensions(LanguageModel model, HookPoint hook, long[][] windows) {
        int d = model.width(hook);
        double[] abs = new double[d], sum = new double[d];
        long tokens = 0;
        Hooks capture = Hooks.builder().capture(hook).build();
        for (int start = 0; start < windows.length; start += Perplexity.BATCH_WINDOWS) {
            long[][] batch =
                    Arrays.copyOfRange(windows, start, Math.min(windows.length, start + Perplexity.BATCH_WINDOWS));
            try (NDManager scope = model.newScope()) {
                NDArray x = model.run(model.idsArray(scope, batch), capture)
                        .captures()
                        .get(hook)
                        .reshape(-1, d);
                float[] a = x.abs().sum(new int[] {0}).toFloatArray(),
                        s = x.sum(new int[] {0}).toFloatArray();
                for (int j = 0; j < d; j++) {
                    abs[j] += a[j];
                    sum[j] += s[j];
                }
                tokens += x.getShape().get(0);
            }
        }
        Dimension[] out = new Dimension[d];
        for (int j = 0; j < d; j++) {
            out[j] = new Dimension(j, abs[j] / tokens, sum[j] / tokens);
        }
        return out;
    }

    public static Report run(
            LanguageModel model,
            HookPoint hook,
            long[][] windows,
            int top,
            Fill fill,
            ProgressListener progress,
            Cancellation cancel)
            throws CancelledException {
        if (windows.length == 0) {
            throw new IllegalArgumentException("no windows of text to run on");
        }
        int d = model.width(hook);
        int k = Math.max(1, Math.min(top, d));
        long t0 = System.nanoTime();
        Dimension[] all = dimensions(model, hook, windows);
        List<Dimension> ranked = new ArrayList<>(Arrays.asList(all));
        ranked.sort((a, b) -> Double.compare(b.meanAbs(), a.meanAbs()));
        ranked = List.copyOf(ranked.subList(0, k));
        double clean = Interventions.mean(model.tokenLosses(windows, Hooks.logitsOnly(), Perplexity.BATCH_WINDOWS));
        List<Ablation> alone = new ArrayList<>(), cumulative = new ArrayList<>();
        int total = 2 * k, done = 0;
        for (int i = 0; i < k; i++) {
            cancel.check();
            int[] one = {ranked.get(i).index()};
            alone.add(ablation(model, hook, windows, one, all, fill, clean));
            progress.onProgress(Progress.of(
                    ++done, total, (System.nanoTime() - t0) / 1e9, "passes/s", "dimension " + one[0] + " alone"));
            cancel.check();
            int[] firstI =
                    ranked.subList(0, i + 1).stream().mapToInt(Dimension::index).toArray();
            cumulative.add(ablation(model, hook, windows, firstI, all, fill, clean));
            progress.onProgress(Progress.of(
                    ++done, total, (System.nanoTime() - t0) / 1e9, "passes/s", "top " + (i + 1) + " together"));
        }
        return new Report(hook, fill, windows.length, windows[0].length, clean, ranked, alone, cumulative);
    }

    private static Ablation ablation(
            LanguageModel model,
            HookPoint hook,
            long[][] windows,
            int[] dims,
            Dimension[] all,
            Fill fill,
            double clean) {
        int d = model.width(hook);
        float[] keep = new float[d], fillValues = new float[d];
        Arrays.fill(keep, 1f);
        for (int j : dims) {
            keep[j] = 0f;
            fillValues[j] = fill == Fill.MEAN ? (float) all[j].mean() : 0f;
        }
        Hooks hooks = Hooks.builder()
                .logits()
                .replace(
                        hook,
                        x -> x.mul(x.getManager().create(keep))
                                .add(x.getManager().create(fillValues)))
                .build();
        double ce = Interventions.mean(model.tokenLosses(windows, hooks, Perplexity.BATCH_WINDOWS));
        return new Ablation(dims, ce, ce - clean);
    }
}
