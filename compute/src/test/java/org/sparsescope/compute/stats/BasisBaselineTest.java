package org.sparsescope.compute.stats;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.Device;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparsescope.compute.activations.ActivationSet;
import org.sparsescope.compute.synthetic.SyntheticSets;
import org.sparsescope.compute.synthetic.SyntheticSpec;
import org.sparsescope.compute.work.Cancellation;
import org.sparsescope.compute.work.ProgressListener;

/** Both "no learning" lines against their definitions written as plain loops in double precision. */
class BasisBaselineTest {

    @Test
    void neuronAndRandomLinesAreTheirDefinitions(@TempDir Path dir) throws Exception {
        int d = 8, rows = 3000, held = 600;
        SyntheticSpec spec = new SyntheticSpec(d, 32, 3, 0.95, 0, 0, 0.01, null, 4);
        SyntheticSets.write(spec, rows, 1000, dir.resolve("s"), ProgressListener.NONE, Cancellation.none());
        List<BasisBaseline> lines;
        float[] x;
        try (ActivationSet set = ActivationSet.open(dir.resolve("s"))) {
            lines = BasisBaseline.compute(set, held, 17, Device.cpu(), ProgressListener.NONE, Cancellation.none());
            x = set.readRows(0, rows);
        }
        double[] mu = new double[d];
        for (int r = 0; r < rows - held; r++) {
            for (int j = 0; j < d; j++) {
                mu[j] += x[r * d + j] / (double) (rows - held);
            }
        }
        double[] heldMean = new double[d];
        for (int r = rows - held; r < rows; r++) {
            for (int j = 0; j < d; j++) {
                heldMean[j] += x[r * d + j] / (double) held;
            }
        }
        double variance = 0;
        double[][] c = new double[held][d];
        for (int r = 0; r < held; r++) {
            for (int j = 0; j < d; j++) {
                double v = x[(rows - held + r) * d + j];
                variance += (v - heldMean[j]) * (v - heldMean[j]);
                c[r][j] = v - mu[j];
            }
        }
        BasisBaseline neurons = lines.get(0), random = lines.get(1);
        assertEquals(BasisBaseline.NEURONS, neurons.kind());
        assertEquals(
                List.of(1, 2, 4, 8),
                neurons.points().stream().map(BasisBaseline.Point::k).toList());
        for (BasisBaseline.Point p : neurons.points()) {
            double residual = 0;
            for (double[] row : c) {
                double[] sq = Arrays.stream(row).map(v -> v * v).sorted().toArray();
                for (int j = 0; j < d - p.k(); j++) {
                    residual += sq[j];
                }
            }
            assertEquals(residual / variance, p.fvu(), 1e-4 * Math.max(1e-3, residual / variance), "k " + p.k());
            assertEquals(p.k(), p.l0(), 1e-9); // every centred coordinate is non-zero
        }
        assertEquals(0.0, neurons.points().get(3).fvu(), 1e-12);
        int n = d * BasisBaseline.RANDOM_RATIO;
        float[] w = BasisBaseline.randomDirections(n, d, 17);
        assertEquals(n, random.features());
        for (BasisBaseline.Point p : random.points()) {
            double dot = 0, yy = 0, cc = 0, l0 = 0;
            for (double[] row : c) {
                double[] z = new double[n];
                for (int i = 0; i < n; i++) {
                    double s = 0;
                    for (int j = 0; j < d; j++) {
                        s += w[i * d + j] * row[j];
                    }
                    z[i] = Math.max(0, s);
                }
                double[] order = Arrays.stream(z).sorted().toArray();
                double kth = order[n - p.k()];
                double[] y = new double[d];
                int nonZero = 0;
                for (int i = 0; i < n; i++) {
                    nonZero += z[i] > 0 ? 1 : 0;
                    if (z[i] >= kth && z[i] > 0) {
                        for (int j = 0; j < d; j++) {
                            y[j] += z[i] * w[i * d + j];
                        }
                    }
                }
                l0 += Math.min(p.k(), nonZero);
                for (int j = 0; j < d; j++) {
                    dot += y[j] * row[j];
                    yy += y[j] * y[j];
                    cc += row[j] * row[j];
                }
            }
            double fvu = (cc - dot * dot / yy) / variance;
            assertEquals(fvu, p.fvu(), 1e-4 * fvu, "k " + p.k());
            assertEquals(l0 / held, p.l0(), 1e-9, "k " + p.k());
        }
    }

    @Test
    void asDictionariesTheBaselinesCodeRowsAsTheirDefinitionsSay(@TempDir Path dir) throws Exception {
        int d = 8, rows = 3000, held = 600, n = d * BasisBaseline.RANDOM_RATIO;
        SyntheticSpec spec = new SyntheticSpec(d, 32, 3, 0.95, 0, 0, 0.01, null, 4);
        SyntheticSets.write(spec, rows, 1000, dir.resolve("s"), ProgressListener.NONE, Cancellation.none());
        try (ActivationSet set = ActivationSet.open(dir.resolve("s"))) {
            float[] x = set.readRows(0, rows);
            double[] mu = new double[d];
            for (int r = 0; r < rows - held; r++) {
                for (int j = 0; j < d; j++) {
                    mu[j] += x[r * d + j] / (double) (rows - held);
                }
            }
            var info = org.sparsescope.compute.dictionary.DictionaryInfo.unknown("baseline");
            var neurons = BasisBaseline.asDictionary(BasisBaseline.NEURONS, set, held, 17, info, Cancellation.none());
            var random = BasisBaseline.asDictionary(BasisBaseline.RANDOM, set, held, 17, info, Cancellation.none());
            assertEquals(d, neurons.dSae());
            assertEquals(n, random.dSae());
            float[] w = BasisBaseline.randomDirections(n, d, 17);
            float[] first = Arrays.copyOf(x, 10 * d);
            float[] neuronCodes = codes(neurons, first, 10), randomCodes = codes(random, first, 10);
            for (int r = 0; r < 10; r++) {
                for (int j = 0; j < d; j++) {
                    assertEquals(Math.max(0, x[r * d + j] - mu[j]), neuronCodes[r * d + j], 1e-5);
                }
                for (int i = 0; i < n; i++) {
                    double z = 0;
                    for (int j = 0; j < d; j++) {
                        z += w[i * d + j] * (x[r * d + j] - mu[j]);
                    }
                    assertEquals(Math.max(0, z), randomCodes[r * n + i], 1e-5);
                }
            }
        }
    }

    private static float[] codes(org.sparsescope.compute.dictionary.Dictionary dict, float[] x, int rows) {
        try (ai.djl.ndarray.NDManager m = ai.djl.ndarray.NDManager.newBaseManager(Device.cpu())) {
            return dict.codec(m)
                    .encode(m.create(x, new ai.djl.ndarray.types.Shape(rows, dict.dIn())))
                    .toFloatArray();
        }
    }
}
