package org.sparsescope.compute.synthetic;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparsescope.compute.InvalidInputException;
import org.sparsescope.compute.activations.ActivationSet;
import org.sparsescope.compute.activations.Manifest;
import org.sparsescope.compute.work.Cancellation;
import org.sparsescope.compute.work.ProgressListener;

/**
 * The generator against its parameters. Tolerances are five standard errors of the estimate (binomial for a
 * frequency, Σ p(1 − p) for the count of independent features), so an honest generator fails about once in a
 * million runs per check and a wrong one (off by the research code's decay scaling, say) fails every time.
 */
class SyntheticSetsTest {

    private static SyntheticSpec independent(long seed) {
        return new SyntheticSpec(16, 64, 4, 0.97, 0, 0, 0, SyntheticSpec.Magnitudes.RESEARCH, seed);
    }

    private static SyntheticSets.SyntheticSet make(SyntheticSpec spec, long rows, Path out) throws Exception {
        return SyntheticSets.write(spec, rows, 4096, out, ProgressListener.NONE, Cancellation.none());
    }

    @Test
    void firingProbabilitiesDecayGeometricallyAndSumToTheActiveCount() {
        double[] p = independent(1).probabilities();
        double sum = 0;
        for (double v : p) {
            sum += v;
        }
        assertEquals(4.0, sum, 1e-9);
        for (int i = 1; i < p.length; i++) {
            assertEquals(0.97, p[i] / p[i - 1], 1e-12);
        }
        // a steep decay would push the first features past 1: they fire always, the rest share what is left
        double[] capped = new SyntheticSpec(4, 8, 3, 0.1, 0, 0, 0, null, 1).probabilities();
        assertEquals(1.0, capped[0], 0);
        assertEquals(1.0, capped[1], 0);
        double rest = 0;
        for (int i = 2; i < 8; i++) {
            rest += capped[i];
            assertTrue(capped[i] < 1);
        }
        assertEquals(1.0, rest, 1e-9);
        assertEquals(0.1, capped[3] / capped[2], 1e-12);
    }

    @Test
    void frequenciesAndTheMeanActiveCountMatchTheParameters(@TempDir Path dir) throws Exception {
        long rows = 40_000;
        SyntheticSets.SyntheticSet set = make(independent(7), rows, dir.resolve("s"));
        double[] p = set.truth().probabilities(), f = set.truth().frequencies();
        double variance = 0;
        for (int i = 0; i < p.length; i++) {
            double se = Math.sqrt(p[i] * (1 - p[i]) / rows);
            assertEquals(p[i], f[i], 5 * se + 1e-12, "feature " + i);
            variance += p[i] * (1 - p[i]);
        }
        assertEquals(4.0, set.summary().trueL0(), 5 * Math.sqrt(variance / rows));
        assertEquals(0.0, set.summary().noiseFloorFvu(), 0);
        assertEquals(rows, set.summary().rows());
        for (int i = 0; i < set.truth().features(); i++) {
            double norm = 0;
            for (int j = 0; j < set.truth().d(); j++) {
                double v = set.truth().directions()[i * 16 + j];
                norm += v * v;
            }
            assertEquals(1.0, norm, 1e-5);
        }
    }

    /**
     * Sheppard's formula: two standard normals of correlation ρ both exceed 0 with probability 1/4 + asin(ρ)/(2π).
     * With every p = 1/2 the copula's thresholds are 0, so that is each pair's co-firing probability.
     */
    @Test
    void correlatedFeaturesCoFireAsTheirLatentCorrelationSays() {
        SyntheticSpec spec = new SyntheticSpec(8, 12, 6, 1.0, 3, 0.8, 0, null, 3);
        int rows = 40_000;
        GroundTruth truth = GroundTruth.of(spec);
        float[] codes = new float[rows * 12];
        new SyntheticRows(spec, truth).chunk(0, rows, new float[rows * 8], codes);
        double strongest = 0;
        for (int i = 0; i < 12; i++) {
            long alone = 0;
            for (int r = 0; r < rows; r++) {
                alone += codes[r * 12 + i] > 0 ? 1 : 0;
            }
            assertEquals(0.5, (double) alone / rows, 5 * Math.sqrt(0.25 / rows), "feature " + i);
            for (int j = i + 1; j < 12; j++) {
                double rho = truth.latentCorrelation(i, j);
                double q = 0.25 + Math.asin(rho) / (2 * Math.PI);
                long both = 0;
                for (int r = 0; r < rows; r++) {
                    both += codes[r * 12 + i] > 0 && codes[r * 12 + j] > 0 ? 1 : 0;
                }
                assertEquals(q, (double) both / rows, 5 * Math.sqrt(q * (1 - q) / rows), "pair " + i + "," + j);
                strongest = Math.max(strongest, Math.abs(rho));
            }
        }
        assertTrue(strongest > 0.5, "the check is only worth something when some pairs are strongly correlated");
    }

    @Test
    void eachRowIsTheSumOfItsFiringDirectionsTimesTheirMagnitudes(@TempDir Path dir) throws Exception {
        SyntheticSpec spec = independent(9);
        SyntheticSets.SyntheticSet set = make(spec, 3000, dir.resolve("r"));
        float[] codes = new float[3000 * 64], again = new float[3000 * 16];
        new SyntheticRows(spec, set.truth()).chunk(0, 3000, again, codes);
        float[] x;
        try (ActivationSet s = ActivationSet.open(set.folder())) {
            x = s.readRows(0, 3000);
        }
        assertArrayEquals(again, x);
        float[] dirs = set.truth().directions();
        for (int r = 0; r < 3000; r++) {
            for (int j = 0; j < 16; j++) {
                double sum = 0;
                for (int i = 0; i < 64; i++) {
                    sum += (double) codes[r * 64 + i] * dirs[i * 16 + j];
                }
                assertEquals(sum, x[r * 16 + j], 1e-5, "row " + r + " dimension " + j);
            }
        }
    }

    @Test
    void noiseSetsTheFloorAtItsShareOfTheVariance(@TempDir Path dir) throws Exception {
        double sigma = 0.05;
        SyntheticSpec spec = new SyntheticSpec(16, 64, 4, 0.97, 0, 0, sigma, null, 5);
        SyntheticSets.SyntheticSet set = make(spec, 20_000, dir.resolve("n"));
        double mean[] = new double[16], total = 0;
        float[] x;
        try (ActivationSet s = ActivationSet.open(set.folder())) {
            x = s.readRows(0, 20_000);
        }
        for (int r = 0; r < 20_000; r++) {
            for (int j = 0; j < 16; j++) {
                mean[j] += x[r * 16 + j] / 20_000.0;
            }
        }
        for (int r = 0; r < 20_000; r++) {
            for (int j = 0; j < 16; j++) {
                double c = x[r * 16 + j] - mean[j];
                total += c * c;
            }
        }
        double expected = 20_000 * 16 * sigma * sigma / total; // E‖noise‖² over the set's centred variance
        assertEquals(expected, set.summary().noiseFloorFvu(), 0.03 * expected);
    }

    @Test
    void theSetPairsWithItsGeneratorAndOpensWithItsTruth(@TempDir Path dir) throws Exception {
        SyntheticSpec spec = independent(11);
        SyntheticSets.SyntheticSet made = make(spec, 5000, dir.resolve("p"));
        try (ActivationSet s = ActivationSet.open(made.folder())) {
            Manifest m = s.manifest();
            assertTrue(SyntheticSets.isSynthetic(m));
            assertEquals(spec.modelName(), m.model());
            assertEquals(SyntheticSets.HOOK, s.hook());
            assertEquals(5000, s.rows());
            assertEquals(16, s.d());
            SyntheticSets.SyntheticSet read = SyntheticSets.of(s).orElseThrow();
            assertEquals(spec, read.spec());
            assertArrayEquals(made.truth().directions(), read.truth().directions());
            assertEquals(made.summary(), read.summary());
        }
        assertNotEquals(spec.modelName(), independent(12).modelName());
        assertEquals(spec.modelName(), independent(11).modelName());
    }

    @Test
    void aKilledRunResumesToTheSameBytesAndAnotherGeneratorIsRefused(@TempDir Path dir) throws Exception {
        SyntheticSpec spec = independent(13);
        Path whole = dir.resolve("whole"), resumed = dir.resolve("resumed");
        make(spec, 10_000, whole);
        make(spec, 10_000, resumed);
        // as if killed after the first chunk was listed: the later chunks are gone, the manifest lists one
        Manifest m = Manifest.read(resumed);
        m.withChunks(List.of(m.chunks().get(0)), false).write(resumed);
        Files.delete(resumed.resolve(m.chunks().get(1).file()));
        Files.delete(resumed.resolve(m.chunks().get(2).file()));
        make(spec, 10_000, resumed);
        for (Manifest.Chunk c : Manifest.read(whole).chunks()) {
            assertArrayEquals(
                    Files.readAllBytes(whole.resolve(c.file())), Files.readAllBytes(resumed.resolve(c.file())));
        }
        assertEquals(
                Files.readString(whole.resolve(SyntheticSets.FILE)),
                Files.readString(resumed.resolve(SyntheticSets.FILE)));
        byte[] before = Files.readAllBytes(whole.resolve(Manifest.FILE));
        InvalidInputException other =
                assertThrows(InvalidInputException.class, () -> make(independent(14), 10_000, whole));
        assertTrue(other.getMessage().contains("another"), other.getMessage());
        assertThrows(InvalidInputException.class, () -> make(spec, 20_000, whole));
        assertArrayEquals(before, Files.readAllBytes(whole.resolve(Manifest.FILE)));
    }

    @Test
    void parametersOutOfRangeAreRefusedByName() {
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> new SyntheticSpec(16, 8, 9, 0.9, 0, 0, 0, null, 0));
        assertTrue(e.getMessage().contains("active"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new SyntheticSpec(16, 8, 2, 1.5, 0, 0, 0, null, 0));
        assertThrows(IllegalArgumentException.class, () -> new SyntheticSpec(16, 8, 2, 0.9, 2, 1.0, 0, null, 0));
        assertThrows(IllegalArgumentException.class, () -> SyntheticSpec.Magnitudes.parse("1.0"));
    }
}
