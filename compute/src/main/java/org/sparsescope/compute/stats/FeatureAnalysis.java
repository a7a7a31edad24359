package org.sparsescope.compute.stats;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import org.sparsescope.compute.activations.ActivationSet;
import org.sparsescope.compute.dictionary.Codec;
import org.sparsescope.compute.dictionary.Dictionary;
import org.sparsescope.compute.dictionary.DictionaryMetrics;
import org.sparsescope.compute.work.Cancellation;
import org.sparsescope.compute.work.CancelledException;
import org.sparsescope.compute.work.Progress;
import org.sparsescope.compute.work.ProgressListener;

/**
 * Computes a {@link FeatureReport} in two streaming passes over the activations with bounded memory: the first
 * encodes every row for metrics, moments and top examples; the second, knowing each feature's maximum, fills the
 * activation histograms and the banded examples.
 */
public final class FeatureAnalysis {
    /**
     * @param topK           top examples per feature
     * @param bands          equal-width activation bands of (0, max] for sampled examples
     * @param perBand        examples sampled per band
     * @param histogramBins  bins of each feature's activation histogram
     * @param batchRows      rows encoded at once
     * @param excludeSpecialTokens examples (top and banded) skip BOS, end-of-text and padding positions, as
     *                       SAEDashboard's and SAELens's {@code exclude_special_tokens} do
     * @param statisticsExcludeSpecialTokens the per-feature statistics (density, moments, histograms) skip them
     *                       too; off by default, so the statistics are over every token as the reference defines them
     */
    public record Options(int topK, int bands, int perBand, int histogramBins, int batchRows, long seed, boolean excludeSpecialTokens,
            boolean statisticsExcludeSpecialTokens) {
        public static Options defaults() {
            return new Options(20, 10, 5, 32, 4096, 0, true, false);
        }

        public Options(int topK, int bands, int perBand, int histogramBins, int batchRows, long seed) {
            this(topK, bands, perBand, histogramBins, batchRows, seed, true, false);
        }

        public Options withSpecialTokens(boolean excludeFromExamples, boolean excludeFromStatistics) {
            return new Options(topK, bands, perBand, histogramBins, batchRows, seed, excludeFromExamples, excludeFromStatistics);
        }
    }

    /** Which of rows [from, from+n) sit on special tokens (null: none known). */
    @FunctionalInterface
    public interface SpecialRows {
        boolean[] of(long from, int n) throws IOException;
    }

    public static FeatureReport run(Dictionary d, ActivationSet set, long start, long count, Options opts, ProgressListener progress,
            Cancellation cancel) throws IOException, CancelledException {
        return run(d, set, start, count, opts, org.sparsescope.compute.Devices.preferred(), progress, cancel);
    }

    private FeatureAnalysis() {
    }

    public static FeatureReport run(Dictionary d, ActivationSet set, long start, long count, Options opts, Device device,
            ProgressListener progress, Cancellation cancel) throws IOException, CancelledException {
        DictionaryMetrics.requireSameWidth(d, set.location(), set);
        SpecialRows special = (opts.excludeSpecialTokens() || opts.statisticsExcludeSpecialTokens()) && set.hasTokens()
                ? (from, n) -> set.specialTokenRows(start + from, n) : null;
        return run(d, (from, n) -> set.readRows(start + from, n), special, start, count, opts, device, progress, cancel);
    }

    public static FeatureReport run(Dictionary d, DictionaryMetrics.RowSource rows, long firstRow, long count, Options opts, Device device,
            ProgressListener progress, Cancellation cancel) throws IOException, CancelledException {
        return run(d, rows, null, firstRow, count, opts, device, progress, cancel);
    }

    /** Over {@code count} rows read from {@code rows}; examples name rows as {@code firstRow} + their offset. */
    private static FeatureReport run(Dictionary d, DictionaryMetrics.RowSource rows, SpecialRows special, long firstRow, long count, Options opts,
            Device device, ProgressListener progress, Cancellation cancel) throws IOException, CancelledException {
        int n = d.dSae(), dIn = d.dIn();
        // float64 moments of a [B, n] batch need several B·n·8-byte arrays: keep each under ~128 MiB
        int batchRows = (int) Math.max(64, Math.min(opts.batchRows(), (1L << 24) / n));
        opts = new Options(opts.topK(), opts.bands(), opts.perBand(), opts.histogramBins(), batchRows, opts.seed(), opts.excludeSpecialTokens(),
                opts.statisticsExcludeSpecialTokens());
        boolean skipInExamples = opts.excludeSpecialTokens(), skipInStatistics = opts.statisticsExcludeSpecialTokens();
        MomentAccumulator moments = new MomentAccumulator(n);
        TopExamples top = new TopExamples(n, opts.topK());
        DictionaryMetrics.Accumulator metrics = new DictionaryMetrics.Accumulator(dIn, n);
        long t0 = System.nanoTime();
        try (NDManager weights = NDManager.newBaseManager(device)) {
            Codec codec = d.codec(weights);
            for (long from = 0; from < count; from += opts.batchRows()) {
                cancel.check();
                int b = (int) Math.min(opts.batchRows(), count - from);
                float[] x = rows.read(from, b);
                try (NDManager scope = weights.newSubManager()) {
                    NDArray xa = scope.create(x, new Shape(b, dIn));
                    NDArray c = codec.encode(xa);
                    metrics.accept(x, xa, c, codec.decode(c));
                    boolean[] skip = special == null ? null : special.of(from, b);
                    moments.accept(skip != null && skipInStatistics ? keptRows(scope, c, skip) : c);
                    top.accept(skip != null && skipInExamples ? c.mul(scope.create(keepMask(skip), new Shape(b, 1))) : c, firstRow + from);
                }
                progress.onProgress(Progress.of(from + b, 2 * count, (System.nanoTime() - t0) / 1e9, "rows/s",
                        "feature statistics: pass 1, " + (from + b) + " / " + count + " rows"));
            }
            BandedSamples banded = new BandedSamples(moments.max(), opts.histogramBins(), opts.bands(), opts.perBand(), opts.seed());
            for (long from = 0; from < count; from += opts.batchRows()) {
                cancel.check();
                int b = (int) Math.min(opts.batchRows(), count - from);
                float[] x = rows.read(from, b);
                try (NDManager scope = weights.newSubManager()) {
                    boolean[] skip = special == null ? null : special.of(from, b);
                    banded.accept(codec.encode(scope.create(x, new Shape(b, dIn))).toFloatArray(), b, firstRow + from,
                            skipInExamples || skipInStatistics ? skip : null, skipInStatistics ? skip : null);
                }
                progress.onProgress(Progress.of(count + from + b, 2 * count, (System.nanoTime() - t0) / 1e9, "rows/s",
                        "feature statistics: pass 2, " + (from + b) + " / " + count + " rows"));
            }
            return new FeatureReport(metrics.result(), moments.result(), banded.histograms(), top.result(), banded.examples(),
                    Capacity.perFeature(d, device));
        }
    }

    /** 0 for a skipped row, 1 for a kept one: codes times this lose the skipped rows' candidacy as examples. */
    private static float[] keepMask(boolean[] skip) {
        float[] m = new float[skip.length];
        for (int i = 0; i < m.length; i++) {
            m[i] = skip[i] ? 0f : 1f;
        }
        return m;
    }

    /** The rows of codes [B, n] not marked in {@code skip}, as [kept, n]. */
    private static NDArray keptRows(NDManager scope, NDArray codes, boolean[] skip) {
        int kept = 0;
        for (boolean k : skip) {
            kept += k ? 0 : 1;
        }
        long[] idx = new long[kept];
        for (int i = 0, j = 0; i < skip.length; i++) {
            if (!skip[i]) {
                idx[j++] = i;
            }
        }
        return codes.get(new ai.djl.ndarray.index.NDIndex("{}", scope.create(idx)));
    }

    /** Statistics and top examples of codes fed batch by batch, for callers that encode themselves. */
    public static final class StatsStream implements AutoCloseable {
        private final NDManager scratch;
        private final MomentAccumulator moments;
        private final TopExamples top;
        private long rows;

        public StatsStream(int features, int topK, Device device) {
            scratch = NDManager.newBaseManager(device);
            moments = new MomentAccumulator(features);
            top = new TopExamples(features, topK);
        }

        /**
         * Adds codes [b, features]. (Encoding the same rows in batches of another size can change codes in their
         * last float32 bit, as the matmul blocks differently; fed the same codes, any split agrees.)
         */
        public void acceptCodes(float[] codes, int b) {
            try (NDManager scope = scratch.newSubManager()) {
                NDArray c = scope.create(codes, new Shape(b, codes.length / b));
                moments.accept(c);
                top.accept(c, rows);
            }
            rows += b;
        }

        public FeatureStats stats() {
            return moments.result();
        }

        public Examples top() {
            return top.result();
        }

        @Override
        public void close() {
            scratch.close();
        }
    }
}
