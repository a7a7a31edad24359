package org.sparsescope.compute.synthetic;

import java.util.SplittableRandom;
import org.apache.commons.math3.distribution.NormalDistribution;

/**
 * Makes a synthetic set's rows, one chunk at a time, each chunk from its own seeded stream, so that any chunk is made
 * again bit for bit (a killed run resumes at the first chunk not written) and chunks may be made in any order.
 *
 * <p>A row: each feature i fires with probability p_i — independently (a uniform below p_i, as the research code's
 * {@code generate_rand_dataset}), or through a Gaussian copula (SynthSAEBench's {@code _generate_correlated_features}:
 * fires when its latent Gaussian exceeds Φ⁻¹(1 − p_i), so each feature keeps its own p_i while pairs co-fire as
 * their latent correlation says); a firing feature's magnitude is drawn from {@link SyntheticSpec.Magnitudes}; the
 * row is Σ magnitude_i · direction_i plus N(0, noise²) in every dimension (the research code's
 * {@code SparseMixDataset} with identity noise covariance).
 */
public final class SyntheticRows {
    private final SyntheticSpec spec;
    private final GroundTruth truth;
    private final double[] probabilities;
    private final double[] thresholds; // copula only
    private final double[] ownScale; // copula only: √(1 − ‖loadings_i‖²)

    /** What one chunk held besides its rows: exact sums the set's summary is built from. */
    public record ChunkStats(long rows, long[] activeCounts, double noiseSquares, double[] rowSum, double rowSquares) {}

    public SyntheticRows(SyntheticSpec spec, GroundTruth truth) {
        this.spec = spec;
        this.truth = truth;
        this.probabilities = truth.probabilities();
        int n = spec.features();
        if (spec.correlated()) {
            NormalDistribution normal = new NormalDistribution(null, 0, 1);
            thresholds = new double[n];
            ownScale = new double[n];
            int rank = truth.rank();
            for (int i = 0; i < n; i++) {
                double p = probabilities[i];
                thresholds[i] = p >= 1
                        ? Double.NEGATIVE_INFINITY
                        : p <= 0 ? Double.POSITIVE_INFINITY : normal.inverseCumulativeProbability(1 - p);
                double shared = 0;
                for (int r = 0; r < rank; r++) {
                    shared += (double) truth.loadings()[i * rank + r] * truth.loadings()[i * rank + r];
                }
                ownScale[i] = Math.sqrt(Math.max(0, 1 - shared));
            }
        } else {
            thresholds = null;
            ownScale = null;
        }
    }

    /** The stream chunk {@code index} is made from. */
    static SplittableRandom randomOf(long seed, long index) {
        // a distinct, well-mixed seed per chunk; SplittableRandom mixes it again
        return new SplittableRandom(seed * 0x9E3779B97F4A7C15L + (index + 1) * 0xBF58476D1CE4E5B9L);
    }

    /** Fills {@code out} [rows, d] with chunk {@code index}'s first {@code rows} rows. */
    public ChunkStats chunk(long index, int rows, float[] out) {
        return chunk(index, rows, out, null);
    }

    /**
     * As {@link #chunk(long, int, float[])}, and writes each row's true codes into {@code codes} [rows, features]
     * when it is not null: a firing feature's magnitude, else 0.
     */
    public ChunkStats chunk(long index, int rows, float[] out, float[] codes) {
        int d = spec.d(), n = spec.features(), rank = truth.rank();
        SplittableRandom random = randomOf(spec.seed(), index);
        float[] dirs = truth.directions();
        float[] loadings = truth.loadings();
        long[] counts = new long[n];
        double[] rowSum = new double[d];
        double[] acc = new double[d];
        double[] g = new double[rank];
        double noiseSquares = 0, rowSquares = 0;
        for (int r = 0; r < rows; r++) {
            java.util.Arrays.fill(acc, 0);
            if (codes != null) {
                java.util.Arrays.fill(codes, r * n, (r + 1) * n, 0f);
            }
            for (int k = 0; k < rank; k++) {
                g[k] = random.nextGaussian();
            }
            for (int i = 0; i < n; i++) {
                boolean fires;
                if (thresholds == null) {
                    fires = random.nextDouble() < probabilities[i];
                } else {
                    double z = ownScale[i] * random.nextGaussian();
                    for (int k = 0; k < rank; k++) {
                        z += loadings[i * rank + k] * g[k];
                    }
                    fires = z > thresholds[i];
                }
                if (!fires) {
                    continue;
                }
                double m = magnitude(random);
                if (m == 0) {
                    continue; // a ReLU'd magnitude: the feature is not active in this row
                }
                counts[i]++;
                if (codes != null) {
                    codes[r * n + i] = (float) m;
                }
                int base = i * d;
                for (int j = 0; j < d; j++) {
                    acc[j] += m * dirs[base + j];
                }
            }
            int at = r * d;
            for (int j = 0; j < d; j++) {
                double x = acc[j];
                if (spec.noise() > 0) {
                    double e = spec.noise() * random.nextGaussian();
                    noiseSquares += e * e;
                    x += e;
                }
                float v = (float) x;
                out[at + j] = v;
                rowSum[j] += v;
                rowSquares += (double) v * v;
            }
        }
        return new ChunkStats(rows, counts, noiseSquares, rowSum, rowSquares);
    }

    private double magnitude(SplittableRandom random) {
        SyntheticSpec.Magnitudes m = spec.magnitudes();
        if (m.research()) {
            return random.nextDouble() * random.nextDouble();
        }
        return Math.max(0, m.mean() + m.std() * random.nextGaussian());
    }
}
