package org.sparsescope.compute.stats;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.sparsescope.compute.Reference;
import org.sparsescope.compute.dictionary.Dictionary;
import org.sparsescope.compute.dictionary.DictionaryFiles;
import org.sparsescope.compute.tensor.Safetensors;
import org.sparsescope.compute.tensor.Tensor;
import org.sparsescope.compute.work.Cancellation;
import org.sparsescope.compute.work.ProgressListener;

class FeatureStatsTest {
    static Map<String, Tensor> fixture;
    static Dictionary dict;
    static float[] x;

    @BeforeAll
    static void load() throws Exception {
        fixture = Safetensors.readAll(Reference.path("fixtures/feature_stats.safetensors"));
        dict = DictionaryFiles.read(Reference.path("saes/l1_4.11e-03"));
        x = fixture.get("activations_input").floats();
    }

    private static float[] codes() {
        try (NDManager m = NDManager.newBaseManager()) {
            return dict.codec(m).encode(m.create(x, new Shape(4096, 256))).toFloatArray();
        }
    }

    /** Statistics of the same codes fed in pieces of the given sizes. */
    private static FeatureStats inPieces(int... sizes) {
        float[] codes = codes();
        FeatureAnalysis.StatsStream s = new FeatureAnalysis.StatsStream(1024, 20);
        int at = 0;
        for (int size : sizes) {
            s.acceptCodes(Arrays.copyOfRange(codes, at * 1024, (at + size) * 1024), size);
            at += size;
        }
        assertEquals(4096, at);
        return s.stats();
    }

    private static void assertRelative(float[] want, double[] got, double tol, String what) {
        for (int j = 0; j < want.length; j++) {
            if (Float.isNaN(want[j])) {
                assertTrue(Double.isNaN(got[j]), what + " " + j + " is NaN where std is 0");
                continue;
            }
            assertEquals(want[j], got[j], tol * Math.abs(want[j]) + 1e-6, what + " of feature " + j);
        }
    }

    @Test
    void statisticsMatchTheFloat64Fixture() {
        FeatureStats s = inPieces(4096);
        assertEquals(4096, s.rows());
        assertRelative(fixture.get("density").floats(), s.density(), 1e-4, "density");
        assertRelative(fixture.get("mean").floats(), s.mean(), 1e-4, "mean");
        assertRelative(fixture.get("max").floats(), s.max(), 1e-4, "max");
        assertRelative(fixture.get("std").floats(), s.std(), 1e-4, "std");
        assertRelative(fixture.get("skew").floats(), s.skew(), 1e-4, "skew");
        assertRelative(fixture.get("kurtosis").floats(), s.kurtosis(), 1e-4, "kurtosis");
    }

    @Test
    void streamedInOneThreeOrSevenPiecesTheStatisticsAgree() {
        FeatureStats one = inPieces(4096),
                three = inPieces(1000, 2048, 1048),
                seven = inPieces(1, 600, 999, 7, 1489, 500, 500);
        for (FeatureStats other : List.of(three, seven)) {
            for (double[][] pair : new double[][][] {
                {one.density(), other.density()},
                {one.mean(), other.mean()},
                {one.max(), other.max()},
                {one.std(), other.std()},
                {one.skew(), other.skew()},
                {one.kurtosis(), other.kurtosis()}
            }) {
                for (int j = 0; j < pair[0].length; j++) {
                    if (Double.isNaN(pair[0][j])) {
                        assertTrue(Double.isNaN(pair[1][j]));
                    } else {
                        assertEquals(pair[0][j], pair[1][j], 1e-9 * Math.abs(pair[0][j]) + 1e-300, "feature " + j);
                    }
                }
            }
        }
    }

    @Test
    void topExamplesEqualABruteForceSort() throws Exception {
        float[] codes = codes();
        Examples top;
        FeatureAnalysis.StatsStream s = new FeatureAnalysis.StatsStream(1024, 20);
        for (int at = 0; at < 4096; at += 1000) {
            int b = Math.min(1000, 4096 - at);
            s.acceptCodes(Arrays.copyOfRange(codes, at * 1024, (at + b) * 1024), b);
        }
        top = s.top();
        for (int j = 0; j < 1024; j++) {
            List<long[]> all = new ArrayList<>();
            for (int r = 0; r < 4096; r++) {
                float v = codes[r * 1024 + j];
                if (v > 0) {
                    all.add(new long[] {Float.floatToIntBits(v), r});
                }
            }
            all.sort((a, b) -> {
                int byValue = Float.compare(Float.intBitsToFloat((int) b[0]), Float.intBitsToFloat((int) a[0]));
                return byValue != 0 ? byValue : Long.compare(a[1], b[1]);
            });
            int k = Math.min(20, all.size());
            long[] wantRows = new long[k];
            float[] wantValues = new float[k];
            for (int i = 0; i < k; i++) {
                wantRows[i] = all.get(i)[1];
                wantValues[i] = Float.intBitsToFloat((int) all.get(i)[0]);
            }
            assertArrayEquals(wantValues, top.values()[j], "values of feature " + j);
            assertArrayEquals(wantRows, top.rows()[j], "rows of feature " + j);
        }
    }

    /**
     * The full pass (non-zeros on the host, pass 2 from memory) against the definitions written plainly over the dense
     * codes in double: two-pass central moments, counts, maxima, equal-width histograms of (0, max], and the metrics.
     */
    @Test
    void fullPassEqualsThePlainDefinitionsOverTheDenseCodes() throws Exception {
        float[] codes = codes(); // one batch of 4096, as the pass encodes it
        FeatureReport r = FeatureAnalysis.run(
                dict,
                (from, n) -> Arrays.copyOfRange(x, (int) from * 256, (int) (from + n) * 256),
                0,
                4096,
                FeatureAnalysis.Options.defaults(),
                Device.cpu(),
                ProgressListener.NONE,
                Cancellation.none());
        int rows = 4096, n = 1024;
        FeatureStats s = r.stats();
        for (int j = 0; j < n; j++) {
            double sum = 0, max = Double.NEGATIVE_INFINITY;
            long fires = 0;
            for (int i = 0; i < rows; i++) {
                double v = codes[i * n + j];
                sum += v;
                max = Math.max(max, v);
                fires += v > 0 ? 1 : 0;
            }
            double mean = sum / rows, m2 = 0, m3 = 0, m4 = 0;
            for (int i = 0; i < rows; i++) {
                double dev = codes[i * n + j] - mean;
                m2 += dev * dev;
                m3 += dev * dev * dev;
                m4 += dev * dev * dev * dev;
            }
            double var = m2 / rows, std = Math.sqrt(var);
            assertEquals((double) fires / rows, s.density()[j], 1e-12, "density of " + j);
            assertEquals(mean, s.mean()[j], 1e-6 * Math.abs(mean) + 1e-300, "mean of " + j);
            assertEquals(max, s.max()[j], 0, "max of " + j);
            assertEquals(std, s.std()[j], 1e-6 * std + 1e-300, "std of " + j);
            if (var > 0) {
                double skew = m3 / rows / (var * std), kurt = m4 / rows / (var * var);
                assertEquals(skew, s.skew()[j], 1e-6 * Math.abs(skew), "skew of " + j);
                assertEquals(kurt, s.kurtosis()[j], 1e-6 * kurt, "kurtosis of " + j);
            } else {
                assertTrue(Double.isNaN(s.kurtosis()[j]), "no kurtosis where std is 0");
            }
            long[] hist = new long[32];
            for (int i = 0; i < rows; i++) {
                float v = codes[i * n + j];
                if (v > 0) {
                    hist[Math.min(31, (int) (v / max * 32))]++;
                }
            }
            assertArrayEquals(hist, r.histograms()[j], "histogram of " + j);
        }
        double sqErr = 0, total = 0, l1 = 0, active = 0;
        float[] recon;
        try (NDManager m = NDManager.newBaseManager()) {
            var codec = dict.codec(m);
            recon = codec.decode(m.create(codes, new Shape(rows, n))).toFloatArray();
        }
        for (int dim = 0; dim < 256; dim++) {
            double mu = 0;
            for (int i = 0; i < rows; i++) {
                mu += x[i * 256 + dim];
            }
            mu /= rows;
            for (int i = 0; i < rows; i++) {
                double e = recon[i * 256 + dim] - x[i * 256 + dim], dev = x[i * 256 + dim] - mu;
                sqErr += e * e;
                total += dev * dev;
            }
        }
        for (float c : codes) {
            l1 += Math.abs(c);
            active += c > 0 ? 1 : 0;
        }
        assertEquals(sqErr / total, r.metrics().fvu(), 1e-6 * sqErr / total, "FVU");
        assertEquals(active / rows, r.metrics().l0(), 1e-12, "L0");
        assertEquals(l1 / rows, r.metrics().l1(), 1e-6 * l1 / rows, "L1");
    }

    @Test
    void fullReportHasMetricsHistogramsAndBandedExamples() throws Exception {
        FeatureReport r = FeatureAnalysis.run(
                dict,
                (from, n) -> Arrays.copyOfRange(x, (int) from * 256, (int) (from + n) * 256),
                0,
                4096,
                FeatureAnalysis.Options.defaults(),
                Device.cpu(),
                ProgressListener.NONE,
                Cancellation.none());
        assertEquals(4096, r.metrics().rows());
        assertTrue(r.metrics().fvu() > 0 && r.metrics().fvu() < 1);
        float[] density = fixture.get("density").floats();
        for (int j = 0; j < 1024; j++) {
            long positives = Arrays.stream(r.histograms()[j]).sum();
            assertEquals(
                    Math.round(density[j] * 4096),
                    positives,
                    "histogram counts every positive activation of feature " + j);
            float[] v = r.quantiles().values()[j];
            for (int i = 1; i < v.length; i++) {
                assertTrue(v[i - 1] <= v[i], "banded examples ascend");
            }
            assertTrue(v.length <= 50);
        }
    }
}
