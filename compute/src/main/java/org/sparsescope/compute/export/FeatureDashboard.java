package org.sparsescope.compute.export;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.sparsescope.compute.activations.ActivationSet;
import org.sparsescope.compute.dictionary.DictionaryOnDevice;
import org.sparsescope.compute.model.LanguageModel;
import org.sparsescope.compute.stats.ExampleContext;
import org.sparsescope.compute.stats.FeatureNeighbours;
import org.sparsescope.compute.stats.FeatureReport;
import org.sparsescope.compute.stats.FeatureStats;
import org.sparsescope.compute.stats.Histogram;
import org.sparsescope.compute.stats.LogitEffects;
import org.sparsescope.compute.work.Cancellation;
import org.sparsescope.compute.work.CancelledException;
import org.sparsescope.compute.work.Progress;
import org.sparsescope.compute.work.ProgressListener;

/**
 * Everything a feature's dashboard shows, gathered once for the exports (HTML, Neuronpedia): its statistics and
 * histogram, top examples and quantile bands in their text, direct logit effects, decoder-nearest features and,
 * when asked, the most correlated ones.
 */
public record FeatureDashboard(
        int feature,
        FeatureStats.Row stats,
        double capacity,
        Histogram activations,
        List<ExampleContext> top,
        List<Band> bands,
        LogitEffects.FeatureLogits logits,
        List<FeatureNeighbours.Neighbour> nearest,
        List<FeatureNeighbours.Neighbour> correlated,
        String topTokens) {

    /** A quantile band: its activation interval and sampled examples. */
    public record Band(int index, double lo, double hi, List<ExampleContext> examples) {}

    /** Tokens of context around each example, before and after. */
    public static final int BEFORE = 24, AFTER = 8;

    /**
     * @param bands        the statistics' band count (equal-width bands of (0, max])
     * @param correlations also the Pearson neighbours (a pass over the set per feature)
     */
    public static List<FeatureDashboard> of(
            LanguageModel model,
            DictionaryOnDevice dictionary,
            ActivationSet set,
            FeatureReport report,
            List<String> topTokens,
            int[] features,
            int bands,
            boolean correlations,
            ProgressListener progress,
            Cancellation cancel)
            throws IOException, CancelledException {
        List<FeatureDashboard> out = new ArrayList<>();
        long t0 = System.nanoTime();
        List<LogitEffects.FeatureLogits> logits = LogitEffects.of(model, dictionary, features, 10);
        for (int i = 0; i < features.length; i++) {
            cancel.check();
            int j = features[i];
            List<ExampleContext> top = contexts(
                    set, dictionary, model, report.top().rows()[j], report.top().count(j), j);
            List<ExampleContext> sampled = contexts(
                    set,
                    dictionary,
                    model,
                    report.quantiles().rows()[j],
                    report.quantiles().count(j),
                    j);
            List<Band> bandList = org.sparsescope.compute.stats.QuantileBand.group(
                            sampled,
                            c -> c.activations()[c.position()],
                            report.stats().max()[j],
                            bands)
                    .stream()
                    .map(b -> new Band(b.index(), b.lo(), b.hi(), b.items()))
                    .toList();
            List<FeatureNeighbours.Neighbour> nearest = FeatureNeighbours.nearestDecoders(dictionary, j, 8);
            List<FeatureNeighbours.Neighbour> correlated = correlations
                    ? FeatureNeighbours.correlated(
                            dictionary, set, 0, report.stats().rows(), report.stats(), j, 8, cancel)
                    : List.of();
            out.add(new FeatureDashboard(
                    j,
                    report.stats().row(j),
                    report.capacity()[j],
                    report.histogram(j),
                    top,
                    bandList,
                    logits.get(i),
                    nearest,
                    correlated,
                    j < topTokens.size() ? topTokens.get(j) : ""));
            progress.onProgress(Progress.of(
                    i + 1,
                    features.length,
                    (System.nanoTime() - t0) / 1e9,
                    "features/s",
                    "dashboards: " + (i + 1) + " of " + features.length + " features"));
        }
        return out;
    }

    private static List<ExampleContext> contexts(
            ActivationSet set, DictionaryOnDevice d, LanguageModel model, long[] rows, int count, int feature)
            throws IOException {
        List<ExampleContext> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            ExampleContext.of(set, d, model.tokenizer(), rows[i], feature, BEFORE, AFTER)
                    .ifPresent(out::add);
        }
        return out;
    }
}
