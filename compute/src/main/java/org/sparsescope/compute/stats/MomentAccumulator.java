package org.sparsescope.compute.stats;

import org.sparsescope.compute.dictionary.NonZeroCodes;

/**
 * Exact streaming moments per feature: count, mean and central sums M2, M3, M4 merged batch by batch with
 * Pébay's pairwise formulas (stable, and independent of how the rows are split up to float64 rounding),
 * plus firing counts and maxima. Each batch's own moments are computed in float64 over its non-zero codes.
 */
final class MomentAccumulator {
    private final int n;
    private long count;
    private final double[] mean, m2, m3, m4, max;
    private final long[] fires;

    MomentAccumulator(int features) {
        n = features;
        mean = new double[n];
        m2 = new double[n];
        m3 = new double[n];
        m4 = new double[n];
        max = new double[n];
        fires = new long[n];
        java.util.Arrays.fill(max, Double.NEGATIVE_INFINITY);
    }

    /**
     * Adds a batch from its non-zero codes, leaving out the rows marked in {@code skip} (may be null). The batch's own
     * mean and central sums are taken in double over its non-zeros, each feature's zeros added in closed form
     * ((B − nnz) copies of −mean): the same sums as over the dense batch, at the cost of its non-zeros alone.
     */
    void accept(NonZeroCodes codes, boolean[] skip) {
        int b = codes.rows();
        if (skip != null) {
            for (int i = 0; i < codes.rows(); i++) {
                b -= skip[i] ? 1 : 0;
            }
        }
        if (b == 0) {
            return;
        }
        int[] row = codes.row(), feature = codes.feature();
        float[] value = codes.value();
        double[] bMean = new double[n],
                bM2 = new double[n],
                bM3 = new double[n],
                bM4 = new double[n],
                bMax = new double[n];
        int[] nonZeros = new int[n];
        java.util.Arrays.fill(bMax, Double.NEGATIVE_INFINITY);
        for (int e = 0; e < value.length; e++) {
            if (skip != null && skip[row[e]]) {
                continue;
            }
            int j = feature[e];
            double v = value[e];
            bMean[j] += v;
            nonZeros[j]++;
            bMax[j] = Math.max(bMax[j], v);
            fires[j] += v > 0 ? 1 : 0;
        }
        for (int j = 0; j < n; j++) {
            bMean[j] /= b;
        }
        for (int e = 0; e < value.length; e++) {
            if (skip != null && skip[row[e]]) {
                continue;
            }
            int j = feature[e];
            double dev = value[e] - bMean[j], dev2 = dev * dev;
            bM2[j] += dev2;
            bM3[j] += dev2 * dev;
            bM4[j] += dev2 * dev2;
        }
        for (int j = 0; j < n; j++) {
            long zeros = b - nonZeros[j];
            if (zeros > 0) {
                double mu = bMean[j], mu2 = mu * mu;
                bM2[j] += zeros * mu2;
                bM3[j] -= zeros * mu2 * mu;
                bM4[j] += zeros * mu2 * mu2;
                bMax[j] = Math.max(bMax[j], 0);
            }
        }
        merge(b, bMean, bM2, bM3, bM4);
        for (int j = 0; j < n; j++) {
            max[j] = Math.max(max[j], bMax[j]);
        }
    }

    private void merge(long nb, double[] meanB, double[] m2B, double[] m3B, double[] m4B) {
        long na = count, nn = na + nb;
        for (int j = 0; j < n; j++) {
            double delta = meanB[j] - mean[j];
            double d2 = delta * delta;
            double ma2 = m2[j], ma3 = m3[j];
            m4[j] = m4[j]
                    + m4B[j]
                    + d2
                            * d2
                            * na
                            * nb
                            * ((double) na * na - (double) na * nb + (double) nb * nb)
                            / ((double) nn * nn * nn)
                    + 6.0 * d2 * ((double) na * na * m2B[j] + (double) nb * nb * ma2) / ((double) nn * nn)
                    + 4.0 * delta * (na * m3B[j] - nb * ma3) / nn;
            m3[j] = ma3
                    + m3B[j]
                    + d2 * delta * na * nb * (na - nb) / ((double) nn * nn)
                    + 3.0 * delta * (na * m2B[j] - nb * ma2) / nn;
            m2[j] = ma2 + m2B[j] + d2 * na * nb / nn;
            mean[j] += delta * nb / nn;
        }
        count = nn;
    }

    long count() {
        return count;
    }

    double[] max() {
        return max.clone();
    }

    FeatureStats result() {
        double[] density = new double[n], std = new double[n], skew = new double[n], kurt = new double[n];
        for (int j = 0; j < n; j++) {
            density[j] = (double) fires[j] / count;
            double var = m2[j] / count;
            std[j] = Math.sqrt(var);
            if (var > 0) {
                skew[j] = (m3[j] / count) / (var * std[j]);
                kurt[j] = (m4[j] / count) / (var * var);
            } else {
                skew[j] = Double.NaN;
                kurt[j] = Double.NaN;
            }
        }
        return new FeatureStats(count, density, mean.clone(), max.clone(), std, skew, kurt);
    }
}
