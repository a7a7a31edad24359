package org.sparsescope.compute.stats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.Device;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.sparsescope.compute.Reference;
import org.sparsescope.compute.dictionary.Dictionary;
import org.sparsescope.compute.dictionary.DictionaryFiles;
import org.sparsescope.compute.dictionary.StandardDictionary;
import org.sparsescope.compute.tensor.Tensor;
import org.sparsescope.compute.work.Cancellation;
import org.sparsescope.compute.work.ProgressListener;

/**
 * The MCS matrix on the reference world's two dictionaries and a permuted copy, against the definition written
 * here with plain loops in double: cell (i, j) = mean over i's decoder rows of max over j's rows of the cosine.
 */
class McsMatrixTest {

    private static double[][] unitRows(Dictionary d) {
        float[] w = d.tensors().get("W_dec").floats();
        int n = d.dSae(), dim = d.dIn();
        double[][] rows = new double[n][dim];
        for (int f = 0; f < n; f++) {
            double norm = 0;
            for (int i = 0; i < dim; i++) {
                norm += (double) w[f * dim + i] * w[f * dim + i];
            }
            for (int i = 0; i < dim; i++) {
                rows[f][i] = w[f * dim + i] / Math.sqrt(norm);
            }
        }
        return rows;
    }

    /** Per feature of a, its best cosine with b's decoder rows. */
    private static double[] bestCosines(Dictionary a, Dictionary b) {
        double[][] ra = unitRows(a), rb = unitRows(b);
        double[] best = new double[ra.length];
        for (int f = 0; f < ra.length; f++) {
            best[f] = Double.NEGATIVE_INFINITY;
            for (double[] g : rb) {
                double dot = 0;
                for (int i = 0; i < g.length; i++) {
                    dot += ra[f][i] * g[i];
                }
                best[f] = Math.max(best[f], dot);
            }
        }
        return best;
    }

    private static Dictionary permuted(StandardDictionary d, long seed) {
        int n = d.dSae(), dim = d.dIn();
        int[] perm = new int[n];
        for (int i = 0; i < n; i++) {
            perm[i] = i;
        }
        Random rnd = new Random(seed);
        for (int i = n - 1; i > 0; i--) {
            int j = rnd.nextInt(i + 1);
            int t = perm[i];
            perm[i] = perm[j];
            perm[j] = t;
        }
        float[] v = d.wDec().floats(), out = new float[v.length];
        for (int i = 0; i < n; i++) {
            System.arraycopy(v, perm[i] * dim, out, i * dim, dim);
        }
        return new StandardDictionary(
                d.wEnc(), d.bEnc(), Tensor.ofFloats(new long[] {n, dim}, out), d.bDec(), true, d.info());
    }

    @Test
    void diagonalIsOneAPermutedCopyScoresOneAndEveryCellIsTheDefinition() throws Exception {
        StandardDictionary a = (StandardDictionary) DictionaryFiles.read(Reference.path("saes/l1_4.11e-03"));
        Dictionary b = DictionaryFiles.read(Reference.path("saes/l1_5.01e-04"));
        List<Dictionary> dicts = List.of(a, permuted(a, 3), b);
        McsMatrix m = McsMatrix.of(dicts, Device.cpu(), ProgressListener.NONE, Cancellation.none());
        assertEquals(3, m.size());
        for (int i = 0; i < 3; i++) {
            assertEquals(1.0, m.mmcs(i, i), 1e-6, "diagonal " + i);
            assertEquals(1.0, m.fractionAtLeast(i, i, 0.9), 0.0, "every feature matches itself");
        }
        assertEquals(1.0, m.mmcs(0, 1), 1e-6, "a permuted copy scores 1");
        assertEquals(1.0, m.mmcs(1, 0), 1e-6);
        for (int[] cell : new int[][] {{0, 2}, {2, 0}, {1, 2}}) {
            double[] best = bestCosines(dicts.get(cell[0]), dicts.get(cell[1]));
            double mean = 0;
            long above = 0;
            for (double v : best) {
                mean += v / best.length;
                above += v >= 0.9 ? 1 : 0;
            }
            assertEquals(mean, m.mmcs(cell[0], cell[1]), 1e-5, "cell " + cell[0] + "," + cell[1] + " is row → column");
            assertEquals(
                    (double) above / best.length,
                    m.fractionAtLeast(cell[0], cell[1], 0.9),
                    2.0 / best.length,
                    "fraction ≥ 0.9 at " + cell[0] + "," + cell[1]);
        }
        double[][] full = m.mmcs();
        assertEquals(full[0][2], m.mmcs(0, 2));
    }

    @Test
    void dictionariesOfDifferentWidthsAreRefused() throws Exception {
        Dictionary a = DictionaryFiles.read(Reference.path("saes/l1_4.11e-03"));
        Dictionary other = new StandardDictionary(
                Tensor.ofFloats(new long[] {3, 2}, new float[6]),
                Tensor.ofFloats(new long[] {2}, new float[2]),
                Tensor.ofFloats(new long[] {2, 3}, new float[] {1, 0, 0, 0, 1, 0}),
                Tensor.ofFloats(new long[] {3}, new float[3]),
                true,
                a.info());
        assertThrows(
                IllegalArgumentException.class,
                () -> McsMatrix.of(List.of(a, other), Device.cpu(), ProgressListener.NONE, Cancellation.none()));
    }
}
