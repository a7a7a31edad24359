package org.sparsescope.compute.stats;

import java.util.SplittableRandom;
import org.sparsescope.compute.dictionary.NonZeroCodes;

/**
 * Second-pass collectors that need each feature's maximum: activation histograms over (0, max] and examples
 * sampled across the activation range (dashboards' quantile bands: equal-width bands of (0, max], a seeded
 * reservoir of a few rows in each), in bounded memory.
 */
final class BandedSamples {
    private final int n, bins, bands, perBand;
    private final double[] max;
    private final long[][] histogram;
    private final long[][] seen; // per feature, per band: activations seen
    private final long[][] rows; // [feature][band * perBand + slot]
    private final float[][] values;
    private final SplittableRandom rnd;

    BandedSamples(double[] max, int bins, int bands, int perBand, long seed) {
        this.n = max.length;
        this.max = max;
        this.bins = bins;
        this.bands = bands;
        this.perBand = perBand;
        histogram = new long[n][bins];
        seen = new long[n][bands];
        rows = new long[n][bands * perBand];
        values = new float[n][bands * perBand];
        rnd = new SplittableRandom(seed);
    }

    /**
     * A batch's non-zero codes, of rows firstRow …; rows marked in {@code skipExamples} are never sampled as examples,
     * and rows marked in {@code skipHistogram} do not count in the histograms (either may be null). Entries come
     * row-major, the order the reservoirs draw in.
     */
    void accept(NonZeroCodes codes, long firstRow, boolean[] skipExamples, boolean[] skipHistogram) {
        int[] row = codes.row(), feature = codes.feature();
        float[] value = codes.value();
        for (int e = 0; e < value.length; e++) {
            float v = value[e];
            int i = row[e], j = feature[e];
            if (v <= 0 || (skipHistogram != null && skipHistogram[i])) {
                continue;
            }
            double frac = v / max[j];
            histogram[j][Math.min(bins - 1, (int) (frac * bins))]++;
            if (skipExamples != null && skipExamples[i]) {
                continue;
            }
            int band = Math.min(bands - 1, (int) (frac * bands));
            long s = ++seen[j][band];
            int slot = s <= perBand ? (int) (s - 1) : (int) rnd.nextLong(s);
            if (slot < perBand) {
                rows[j][band * perBand + slot] = firstRow + i;
                values[j][band * perBand + slot] = v;
            }
        }
    }

    /** Histograms of positive activations, bins over (0, max_j]. */
    long[][] histograms() {
        return histogram;
    }

    Examples examples() {
        long[][] outRows = new long[n][];
        float[][] outValues = new float[n][];
        for (int j = 0; j < n; j++) {
            int count = 0;
            for (int band = 0; band < bands; band++) {
                count += (int) Math.min(perBand, seen[j][band]);
            }
            outRows[j] = new long[count];
            outValues[j] = new float[count];
            int at = 0;
            for (int band = 0; band < bands; band++) {
                int m = (int) Math.min(perBand, seen[j][band]);
                Integer[] order = new Integer[m];
                for (int s = 0; s < m; s++) {
                    order[s] = band * perBand + s;
                }
                final int jj = j;
                java.util.Arrays.sort(order, (a, c) -> Float.compare(values[jj][a], values[jj][c]));
                for (int s : order) {
                    outRows[j][at] = rows[j][s];
                    outValues[j][at++] = values[j][s];
                }
            }
        }
        return new Examples(outRows, outValues);
    }
}
