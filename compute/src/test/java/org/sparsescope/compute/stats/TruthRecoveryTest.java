package org.sparsescope.compute.stats;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.Device;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.sparsescope.compute.dictionary.DictionaryInfo;
import org.sparsescope.compute.dictionary.StandardDictionary;
import org.sparsescope.compute.synthetic.GroundTruth;
import org.sparsescope.compute.synthetic.SyntheticSpec;
import org.sparsescope.compute.tensor.Tensor;

class TruthRecoveryTest {

    private static StandardDictionary withDecoder(float[] rows, int n, int d) {
        return new StandardDictionary(
                Tensor.ofFloats(new long[] {d, n}, new float[d * n]),
                Tensor.ofFloats(new long[] {n}, new float[n]),
                Tensor.ofFloats(new long[] {n, d}, rows),
                Tensor.ofFloats(new long[] {d}, new float[d]),
                true,
                DictionaryInfo.unknown("test"));
    }

    @Test
    void theTruthItselfScoresOneAndRecoversEveryFeatureInAnyOrderAndScale() {
        GroundTruth truth = GroundTruth.of(new SyntheticSpec(32, 96, 4, 0.99, 0, 0, 0, null, 2));
        float[] rows = new float[96 * 32];
        for (int i = 0; i < 96; i++) {
            int from = (i * 37) % 96; // a permutation, since 37 and 96 are coprime
            for (int j = 0; j < 32; j++) {
                rows[i * 32 + j] = 3f * truth.directions()[from * 32 + j];
            }
        }
        TruthRecovery r = TruthRecovery.of(withDecoder(rows, 96, 32), truth, Device.cpu());
        assertEquals(1.0, r.truthMmcs(), 1e-6);
        assertEquals(1.0, r.dictionaryMmcs(), 1e-6);
        assertEquals(1.0, r.recovered(0.9), 0);
        for (int i = 0; i < 96; i++) {
            assertEquals((i * 37) % 96, r.dictionaryMatch()[i]);
            assertEquals(i, (r.truthMatch()[i] * 37) % 96);
        }
    }

    /**
     * The cosine of a fixed unit vector with a uniformly random one in d dimensions has density ∝ (1 − c²)^((d−3)/2);
     * the best of n independent ones has mean ∫ c · n F(c)^(n−1) f(c) dc. A random dictionary's MMCS to the truth must
     * be that, within the sampling error of a mean over hundreds of features.
     */
    @Test
    void aRandomDictionaryScoresTheAnalyticExpectationForItsDimension() {
        int d = 64, nTrue = 512, nDict = 256;
        GroundTruth truth = GroundTruth.of(new SyntheticSpec(d, nTrue, 4, 0.99, 0, 0, 0, null, 5));
        SplittableRandom random = new SplittableRandom(99);
        float[] rows = new float[nDict * d];
        for (int i = 0; i < rows.length; i++) {
            rows[i] = (float) random.nextGaussian();
        }
        TruthRecovery r = TruthRecovery.of(withDecoder(rows, nDict, d), truth, Device.cpu());
        assertEquals(expectedBestCosine(d, nDict), r.truthMmcs(), 0.01);
        assertEquals(expectedBestCosine(d, nTrue), r.dictionaryMmcs(), 0.01);
        assertEquals(0.0, r.recovered(0.9), 0);
    }

    static double expectedBestCosine(int d, int n) {
        int steps = 200_000;
        double h = 2.0 / steps;
        double[] f = new double[steps + 1];
        double total = 0;
        for (int k = 0; k <= steps; k++) {
            double c = -1 + k * h;
            f[k] = Math.pow(Math.max(0, 1 - c * c), (d - 3) / 2.0);
            if (k > 0) {
                total += (f[k] + f[k - 1]) / 2 * h;
            }
        }
        double cdf = 0, mean = 0, previous = 0;
        for (int k = 1; k <= steps; k++) {
            cdf += (f[k] + f[k - 1]) / 2 * h / total;
            double c = -1 + k * h;
            // P(max ≤ c) = F(c)^n; the mean is Σ c · ΔP
            double p = Math.pow(Math.min(1, cdf), n);
            mean += (c - h / 2) * (p - previous);
            previous = p;
        }
        return mean;
    }
}
