package org.sparsescope.compute.stats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.sparsescope.compute.InvalidInputException;
import org.sparsescope.compute.Reference;
import org.sparsescope.compute.activations.ActivationSet;
import org.sparsescope.compute.model.HookPoint;
import org.sparsescope.compute.work.Cancellation;
import org.sparsescope.compute.work.ProgressListener;

/**
 * The PCA baseline against a brute-force one written here from the definition, on 8192 real activations (d = 256)
 * of the reference world: covariance of the training rows by plain loops, its eigenvectors by the classical Jacobi
 * method, each held-out row projected onto the top k of them, FVU = Σ‖x − x̂‖² / Σ‖x − x̄‖².
 */
class PcaBaselineTest {
    private static final long HELD_OUT = 1024;
    private static PcaBaseline baseline;
    private static double[] bruteFvu; // index k
    private static int d;

    @BeforeAll
    static void computeBoth() throws Exception {
        try (ActivationSet set = ActivationSet.open(
                Reference.path("chunks/0.npy"), HookPoint.parse("blocks.2.hook_resid_post"), "reference")) {
            d = set.d();
            baseline =
                    PcaBaseline.compute(set, HELD_OUT, ai.djl.Device.cpu(), ProgressListener.NONE, Cancellation.none());
            float[] x = set.readRows(0, (int) set.rows());
            bruteFvu = bruteForce(x, (int) set.rows(), d, (int) (set.rows() - HELD_OUT));
        }
    }

    private static double[] bruteForce(float[] x, int rows, int d, int train) {
        double[] mu = new double[d];
        for (int r = 0; r < train; r++) {
            for (int j = 0; j < d; j++) {
                mu[j] += x[r * d + j] / (double) train;
            }
        }
        double[][] cov = new double[d][d];
        for (int r = 0; r < train; r++) {
            for (int i = 0; i < d; i++) {
                double yi = x[r * d + i] - mu[i];
                for (int j = 0; j < d; j++) {
                    cov[i][j] += yi * (x[r * d + j] - mu[j]) / train;
                }
            }
        }
        double[][] v = jacobiEigenvectors(cov); // columns, sorted by eigenvalue, largest first
        double[] residual = new double[d + 1];
        double[] heldMean = new double[d];
        for (int r = train; r < rows; r++) {
            for (int j = 0; j < d; j++) {
                heldMean[j] += x[r * d + j] / (double) (rows - train);
            }
        }
        double variance = 0;
        for (int r = train; r < rows; r++) {
            double[] y = new double[d];
            for (int j = 0; j < d; j++) {
                y[j] = x[r * d + j] - mu[j];
                variance += Math.pow(x[r * d + j] - heldMean[j], 2);
            }
            double[] recon = new double[d]; // μ + Σ_{i<k} (vᵢ·y) vᵢ, grown one component at a time
            for (int k = 0; k <= d; k++) {
                if (k > 0) {
                    double dot = 0;
                    for (int j = 0; j < d; j++) {
                        dot += v[j][k - 1] * y[j];
                    }
                    for (int j = 0; j < d; j++) {
                        recon[j] += dot * v[j][k - 1];
                    }
                }
                double err = 0;
                for (int j = 0; j < d; j++) {
                    err += Math.pow(y[j] - recon[j], 2);
                }
                residual[k] += err;
            }
        }
        for (int k = 0; k <= d; k++) {
            residual[k] /= variance;
        }
        return residual;
    }

    /** The cyclic Jacobi eigenvalue method: rotate away each off-diagonal entry until the matrix is diagonal. */
    private static double[][] jacobiEigenvectors(double[][] matrix) {
        int n = matrix.length;
        double[][] a = new double[n][];
        double[][] v = new double[n][n];
        for (int i = 0; i < n; i++) {
            a[i] = matrix[i].clone();
            v[i][i] = 1;
        }
        for (int sweep = 0; sweep < 100; sweep++) {
            double off = 0;
            for (int p = 0; p < n; p++) {
                for (int q = p + 1; q < n; q++) {
                    off += a[p][q] * a[p][q];
                }
            }
            if (off < 1e-26) {
                break;
            }
            for (int p = 0; p < n; p++) {
                for (int q = p + 1; q < n; q++) {
                    if (a[p][q] == 0) {
                        continue;
                    }
                    double theta = (a[q][q] - a[p][p]) / (2 * a[p][q]);
                    double t = Math.signum(theta == 0 ? 1 : theta) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
                    double c = 1 / Math.sqrt(t * t + 1), s = t * c;
                    for (int k = 0; k < n; k++) { // A ← A J (columns p, q)
                        double akp = a[k][p], akq = a[k][q];
                        a[k][p] = c * akp - s * akq;
                        a[k][q] = s * akp + c * akq;
                    }
                    for (int k = 0; k < n; k++) { // A ← Jᵀ A (rows p, q)
                        double apk = a[p][k], aqk = a[q][k];
                        a[p][k] = c * apk - s * aqk;
                        a[q][k] = s * apk + c * aqk;
                    }
                    for (int k = 0; k < n; k++) { // V ← V J
                        double vkp = v[k][p], vkq = v[k][q];
                        v[k][p] = c * vkp - s * vkq;
                        v[k][q] = s * vkp + c * vkq;
                    }
                }
            }
        }
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        java.util.Arrays.sort(order, (p, q) -> Double.compare(a[q][q], a[p][p]));
        double[][] sorted = new double[n][n];
        for (int r = 0; r < n; r++) {
            for (int k = 0; k < n; k++) {
                sorted[k][r] = v[k][order[r]];
            }
        }
        return sorted;
    }

    @Test
    void everyKAgreesWithABruteForceEigenDecompositionOfTheSameRows() {
        for (int k = 0; k <= d; k++) {
            assertEquals(bruteFvu[k], baseline.fvu(k), 1e-6, "FVU with " + k + " components");
        }
        assertTrue(bruteFvu[1] < 1 && bruteFvu[1] > 0.5, "one component leaves most of the variance: " + bruteFvu[1]);
    }

    @Test
    void allComponentsReconstructExactly() {
        assertEquals(0, baseline.fvu(d), 1e-6);
    }

    @Test
    void theFrontierLineIsPowersOfTwoThenD() {
        List<PcaBaseline.Point> points = baseline.points();
        assertEquals(
                List.of(1, 2, 4, 8, 16, 32, 64, 128, 256),
                points.stream().map(PcaBaseline.Point::k).toList());
        for (int i = 1; i < points.size(); i++) {
            assertTrue(points.get(i).fvu() < points.get(i - 1).fvu(), "more components explain more");
        }
        assertEquals(7168, baseline.trainRows());
        assertEquals(1024, baseline.heldOutRows());
    }

    @Test
    void eigenvaluesAreTheTrainingCovariancesLargestFirst() {
        double[] ev = baseline.eigenvalues();
        for (int i = 1; i < ev.length; i++) {
            assertTrue(ev[i] <= ev[i - 1]);
        }
        assertTrue(ev[ev.length - 1] > -1e-9, "a covariance is positive semi-definite");
    }

    @Test
    void tooFewRowsIsATypedErrorNamingTheSet() throws Exception {
        try (ActivationSet set = ActivationSet.open(
                Reference.path("chunks/0.npy"), HookPoint.parse("blocks.2.hook_resid_post"), "reference")) {
            InvalidInputException e = assertThrows(
                    InvalidInputException.class,
                    () -> PcaBaseline.compute(
                            set, set.rows(), ai.djl.Device.cpu(), ProgressListener.NONE, Cancellation.none()));
            assertTrue(e.getMessage().contains("0.npy"), e.getMessage());
        }
    }
}
