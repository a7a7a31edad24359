package org.sparsescope.compute.stats;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import org.sparsescope.compute.activations.ActivationSet;
import org.sparsescope.compute.dictionary.Codec;
import org.sparsescope.compute.dictionary.Dictionary;
import org.sparsescope.compute.dictionary.DictionaryMetrics;
import org.sparsescope.compute.dictionary.HostDecoder;
import org.sparsescope.compute.dictionary.NonZeroCodes;
import org.sparsescope.compute.work.Cancellation;
import org.sparsescope.compute.work.CancelledException;
import org.sparsescope.compute.work.Progress;
import org.sparsescope.compute.work.ProgressListener;

/**
 * Computes a {@link FeatureReport} in two streaming passes over the activations with bounded memory: the first
 * encodes every row for metrics, moments and top examples; the second, knowing each feature's maximum, fills the
 * activation histograms and the banded examples. Rows are read a batch ahead on another thread while the engine
 * encodes; only each batch's non-zero codes come to the host, and pass 2 takes them from memory for as many
 * batches as the cache holds, reading and encoding only the rest again.
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
    public record Options(
            int topK,
            int bands,
            int perBand,
            int histogramBins,
            int batchRows,
            long seed,
            boolean excludeSpecialTokens,
            boolean statisticsExcludeSpecialTokens) {
        public static Options defaults() {
            return new Options(20, 10, 5, 32, 4096, 0, true, false);
        }

        public Options(int topK, int bands, int perBand, int histogramBins, int batchRows, long seed) {
            this(topK, bands, perBand, histogramBins, batchRows, seed, true, false);
        }

        public Options withSpecialTokens(boolean excludeFromExamples, boolean excludeFromStatistics) {
            return new Options(
                    topK, bands, perBand, histogramBins, batchRows, seed, excludeFromExamples, excludeFromStatistics);
        }
    }

    /** Which of rows [from, from+n) sit on special tokens (null: none known). */
    @FunctionalInterface
    public interface SpecialRows {
        boolean[] of(long from, int n) throws IOException;
    }

    public static FeatureReport run(
            Dictionary d,
            ActivationSet set,
            long start,
            long count,
            Options opts,
            ProgressListener progress,
            Cancellation cancel)
            throws IOException, CancelledException {
        return run(d, set, start, count, opts, org.sparsescope.compute.Devices.preferred(), progress, cancel);
    }

    private FeatureAnalysis() {}

    public static FeatureReport run(
            Dictionary d,
            ActivationSet set,
            long start,
            long count,
            Options opts,
            Device device,
            ProgressListener progress,
            Cancellation cancel)
            throws IOException, CancelledException {
        DictionaryMetrics.requireSameWidth(d, set.location(), set);
        SpecialRows special = (opts.excludeSpecialTokens() || opts.statisticsExcludeSpecialTokens()) && set.hasTokens()
                ? (from, n) -> set.specialTokenRows(start + from, n)
                : null;
        return run(
                d, (from, n) -> set.readRows(start + from, n), special, start, count, opts, device, progress, cancel);
    }

    public static FeatureReport run(
            Dictionary d,
            DictionaryMetrics.RowSource rows,
            long firstRow,
            long count,
            Options opts,
            Device device,
            ProgressListener progress,
            Cancellation cancel)
            throws IOException, CancelledException {
        return run(d, rows, null, firstRow, count, opts, device, progress, cancel);
    }

    /** Over {@code count} rows read from {@code rows}; examples name rows as {@code firstRow} + their offset. */
    private static FeatureReport run(
            Dictionary d,
            DictionaryMetrics.RowSource rows,
            SpecialRows special,
            long firstRow,
            long count,
            Options opts,
            Device device,
            ProgressListener progress,
            Cancellation cancel)
            throws IOException, CancelledException {
        try (PassOneCodes kept = PassOneCodes.withDefaultBudgets()) {
            return run(d, rows, special, firstRow, count, opts, device, progress, cancel, kept);
        } finally {
            org.sparsescope.compute.NativeHeap.release(); // the batches' freed blocks, kept for reuse during the pass
        }
    }

    /**
     * As above, pass 1's non-zero codes kept in {@code kept} (while they fit its budgets) for pass 2, which reads and
     * encodes again only the batches beyond.
     */
    static FeatureReport run(
            Dictionary d,
            DictionaryMetrics.RowSource rows,
            SpecialRows special,
            long firstRow,
            long count,
            Options opts,
            Device device,
            ProgressListener progress,
            Cancellation cancel,
            PassOneCodes kept)
            throws IOException, CancelledException {
        int n = d.dSae(), dIn = d.dIn();
        int batchRows = batchRows(opts, n);
        boolean skipInExamples = opts.excludeSpecialTokens(), skipInStatistics = opts.statisticsExcludeSpecialTokens();
        MomentAccumulator moments = new MomentAccumulator(n);
        TopExamples top = new TopExamples(n, opts.topK());
        DictionaryMetrics.Accumulator metrics = new DictionaryMetrics.Accumulator(dIn, n);
        long t0 = System.nanoTime();
        try (NDManager weights = NDManager.newBaseManager(device);
                RowPrefetcher reader = new RowPrefetcher(rows, special, count, batchRows);
                HostCollector collector = new HostCollector()) {
            Codec codec = d.codec(weights);
            HostDecoder decoder = HostDecoder.of(codec);
            for (long from = 0; from < count; from += batchRows) {
                cancel.check();
                RowPrefetcher.Batch batch = reader.next();
                int b = batch.rows();
                NonZeroCodes nz;
                try (NDManager scope = weights.newSubManager()) {
                    nz = NonZeroCodes.of(codec.encode(scope.create(batch.x(), new Shape(b, dIn))));
                }
                long at = from;
                collector.submit(() -> {
                    metrics.accept(batch.x(), nz, decoder);
                    boolean[] skip = batch.special();
                    moments.accept(nz, skip != null && skipInStatistics ? skip : null);
                    top.accept(nz, firstRow + at, skip != null && skipInExamples ? skip : null);
                    kept.add(nz, skip);
                });
                progress.onProgress(Progress.of(
                        from + b,
                        2 * count,
                        (System.nanoTime() - t0) / 1e9,
                        "rows/s",
                        "feature statistics: pass 1, " + (from + b) + " / " + count + " rows"));
            }
            collector.awaitPending();
        }
        BandedSamples banded =
                new BandedSamples(moments.max(), opts.histogramBins(), opts.bands(), opts.perBand(), opts.seed());
        int inMemory = kept.batches();
        long fromMemory = Math.min(count, inMemory * (long) batchRows);
        try (NDManager weights = NDManager.newBaseManager(device);
                RowPrefetcher reader = fromMemory < count
                        ? new RowPrefetcher(
                                shifted(rows, fromMemory), shifted(special, fromMemory), count - fromMemory, batchRows)
                        : null) {
            Codec codec = reader == null ? null : d.codec(weights);
            for (long from = 0; from < count; from += batchRows) {
                cancel.check();
                int index = (int) (from / batchRows);
                NonZeroCodes nz;
                boolean[] skip;
                if (index < inMemory) {
                    nz = kept.take(index);
                    skip = kept.special(index);
                } else {
                    RowPrefetcher.Batch batch = reader.next();
                    try (NDManager scope = weights.newSubManager()) {
                        nz = NonZeroCodes.of(codec.encode(scope.create(batch.x(), new Shape(batch.rows(), dIn))));
                    }
                    skip = batch.special();
                }
                banded.accept(
                        nz,
                        firstRow + from,
                        skipInExamples || skipInStatistics ? skip : null,
                        skipInStatistics ? skip : null);
                progress.onProgress(Progress.of(
                        count + from + nz.rows(),
                        2 * count,
                        (System.nanoTime() - t0) / 1e9,
                        "rows/s",
                        "feature statistics: pass 2, " + (from + nz.rows()) + " / " + count + " rows"
                                + (index < inMemory ? " (kept from pass 1)" : "")));
            }
        }
        return new FeatureReport(
                metrics.result(),
                moments.result(),
                banded.histograms(),
                top.result(),
                banded.examples(),
                Capacity.perFeature(d, device));
    }

    /** The rows the pass encodes at once for n features: a [B, n] float32 batch kept under ~64 MiB. */
    public static int batchRows(Options opts, int n) {
        return (int) Math.max(64, Math.min(opts.batchRows(), (1L << 24) / n));
    }

    private static DictionaryMetrics.RowSource shifted(DictionaryMetrics.RowSource rows, long by) {
        return (from, n) -> rows.read(by + from, n);
    }

    private static SpecialRows shifted(SpecialRows special, long by) {
        return special == null ? null : (from, n) -> special.of(by + from, n);
    }

    /** Statistics and top examples of codes fed batch by batch, for callers that encode themselves. */
    public static final class StatsStream {
        private final MomentAccumulator moments;
        private final TopExamples top;
        private long rows;

        public StatsStream(int features, int topK) {
            moments = new MomentAccumulator(features);
            top = new TopExamples(features, topK);
        }

        /**
         * Adds codes [b, features]. (Encoding the same rows in batches of another size can change codes in their
         * last float32 bit, as the matmul blocks differently; fed the same codes, any split agrees.)
         */
        public void acceptCodes(float[] codes, int b) {
            NonZeroCodes nz = NonZeroCodes.ofHost(codes, b, codes.length / b);
            moments.accept(nz, null);
            top.accept(nz, rows, null);
            rows += b;
        }

        public FeatureStats stats() {
            return moments.result();
        }

        public Examples top() {
            return top.result();
        }
    }
}
