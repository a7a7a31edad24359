package org.sparsescope.compute.stats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.sparsescope.compute.Reference;
import org.sparsescope.compute.dictionary.Dictionary;
import org.sparsescope.compute.dictionary.DictionaryFiles;
import org.sparsescope.compute.tensor.Tensor;

/** Capacity against its definition written as plain loops, and its known values. */
class CapacityTest {
    /** C_i = (W_i·W_i)² / Σ_j (W_i·W_j)², in double loops. */
    private static double[] byDefinition(float[] w, int n, int d) {
        double[] c = new double[n];
        for (int i = 0; i < n; i++) {
            double self = 0, denominator = 0;
            for (int j = 0; j < n; j++) {
                double dot = 0;
                for (int k = 0; k < d; k++) {
                    dot += (double) w[i * d + k] * w[j * d + k];
                }
                if (j == i) {
                    self = dot;
                }
                denominator += dot * dot;
            }
            c[i] = denominator > 0 ? self * self / denominator : 0;
        }
        return c;
    }

    @Test
    void capacityEqualsItsDefinitionOnARandomDecoderAndOnAReferenceDictionary() throws Exception {
        Random r = new Random(7);
        int n = 300, d = 40;
        float[] w = new float[n * d];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) r.nextGaussian();
        }
        double[] want = byDefinition(w, n, d);
        double[] got = Capacity.perFeature(Tensor.ofFloats(new long[] {n, d}, w), Device.cpu());
        for (int i = 0; i < n; i++) {
            assertEquals(want[i], got[i], 1e-9 * Math.max(1, want[i]), "feature " + i);
        }
        assertTrue(Capacity.total(got) <= d + 1e-9, "total capacity ≤ d");

        Dictionary sae = DictionaryFiles.read(Reference.path("saes/l1_4.11e-03"));
        Tensor wDec = sae.tensors().get("W_dec");
        double[] ref = byDefinition(wDec.floats(), sae.dSae(), sae.dIn());
        double[] c = Capacity.perFeature(sae, Device.cpu());
        for (int i = 0; i < sae.dSae(); i += 37) {
            assertEquals(ref[i], c[i], 1e-9, "reference feature " + i);
        }
        assertTrue(Capacity.total(c) <= sae.dIn(), "total " + Capacity.total(c) + " ≤ d = " + sae.dIn());
    }

    @Test
    void orthogonalRowsHaveCapacityOneCopiesShareItAndAZeroRowHasNone() {
        // rows: e0, e1, e2 twice, and zero, in 4 dimensions
        float[] w = {1, 0, 0, 0, 0, 2, 0, 0, 0, 0, 3, 0, 0, 0, 3, 0, 0, 0, 0, 0};
        double[] c = Capacity.perFeature(Tensor.ofFloats(new long[] {5, 4}, w), Device.cpu());
        assertEquals(1.0, c[0], 1e-12);
        assertEquals(1.0, c[1], 1e-12);
        assertEquals(0.5, c[2], 1e-12);
        assertEquals(0.5, c[3], 1e-12);
        assertEquals(0.0, c[4], 0.0);
        assertEquals(3.0, Capacity.total(c), 1e-12);
        Histogram h = Capacity.histogram(c, 20);
        assertEquals(0.0, h.lo());
        assertEquals(1.0, h.hi());
        assertEquals(2, h.counts()[19], "the two features of capacity 1 in the last bin");
        assertEquals(2, h.counts()[10], "the two halves in [0.50, 0.55)");
        assertEquals(1, h.counts()[0], "the zero row");
        assertEquals(5, java.util.Arrays.stream(h.counts()).sum());
    }
}
