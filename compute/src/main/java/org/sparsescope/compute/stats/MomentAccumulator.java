package org.sparsescope.compute.stats;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;

/**
 * Exact streaming moments per feature: count, mean and central sums M2, M3, M4 merged batch by batch with
 * Pébay's pairwise formulas (stable, and independent of how the rows are split up to float64 rounding),
 * plus firing counts and maxima. Each batch's own moments are computed on the engine in float64.
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

    /** Adds a batch of codes [B, n]. */
    void accept(NDArray codes) {
        long b = codes.getShape().get(0);
        if (b == 0) {
            return;
        }
        NDArray c = codes.toType(DataType.FLOAT64, false);
        NDArray mu = c.mean(new int[] {0}, true);
        NDArray dev = c.sub(mu);
        NDArray dev2 = dev.square();
        double[] bMean = mu.toDoubleArray();
        double[] bM2 = dev2.sum(new int[] {0}).toDoubleArray();
        double[] bM3 = dev2.mul(dev).sum(new int[] {0}).toDoubleArray();
        double[] bM4 = dev2.square().sum(new int[] {0}).toDoubleArray();
        double[] bMax = c.max(new int[] {0}).toDoubleArray();
        long[] bFires = codes.gt(0f).toType(DataType.INT64, false).sum(new int[] {0}).toLongArray();
        merge(b, bMean, bM2, bM3, bM4);
        for (int j = 0; j < n; j++) {
            max[j] = Math.max(max[j], bMax[j]);
            fires[j] += bFires[j];
        }
    }

    private void merge(long nb, double[] meanB, double[] m2B, double[] m3B, double[] m4B) {
        long na = count, nn = na + nb;
        for (int j = 0; j < n; j++) {
            double delta = meanB[j] - mean[j];
            double d2 = delta * delta;
            double ma2 = m2[j], ma3 = m3[j];
            m4[j] = m4[j] + m4B[j]
                    + d2 * d2 * na * nb * ((double) na * na - (double) na * nb + (double) nb * nb) / ((double) nn * nn * nn)
                    + 6.0 * d2 * ((double) na * na * m2B[j] + (double) nb * nb * ma2) / ((double) nn * nn)
                    + 4.0 * delta * (na * m3B[j] - nb * ma3) / nn;
            m3[j] = ma3 + m3B[j] + d2 * delta * na * nb * (na - nb) / ((double) nn * nn)
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
