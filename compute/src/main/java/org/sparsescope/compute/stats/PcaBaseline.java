package org.sparsescope.compute.stats;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.EigenDecomposition_F64;
import org.sparsescope.compute.InvalidInputException;
import org.sparsescope.compute.activations.ActivationSet;
import org.sparsescope.compute.work.Cancellation;
import org.sparsescope.compute.work.CancelledException;
import org.sparsescope.compute.work.Progress;
import org.sparsescope.compute.work.ProgressListener;

/**
 * The baseline a dictionary must beat at equal L0 ("do dictionaries beat PCA?"): PCA of a set's training rows (mean
 * and covariance in float64), and the FVU on its held-out rows of keeping the top k components, whose L0 is k.
 * x̂ = μ + V_k V_kᵀ (x − μ) with μ and V from the training rows; FVU = Σ‖x − x̂‖² / Σ‖x − x̄‖² over held-out rows,
 * x̄ their own mean, as the dictionaries' held-out FVU is.
 *
 * <p>Everything follows from d×d sums: with S = Σ_held (x − μ)(x − μ)ᵀ, the residual of k components is
 * tr(S) − Σ_{i≤k} v_iᵀ S v_i, so {@code captured[i] = v_iᵀ S v_i} gives the FVU of every k at once.
 *
 * @param eigenvalues the training covariance's eigenvalues (divided by the training rows), largest first
 * @param captured    v_iᵀ S v_i per component, in the same order
 * @param residualAtZero tr(S): the squared error of the mean alone
 * @param heldOutVariance Σ‖x − x̄‖² over held-out rows: the FVU's denominator
 */
public record PcaBaseline(
        long trainRows,
        long heldOutRows,
        double[] eigenvalues,
        double[] captured,
        double residualAtZero,
        double heldOutVariance) {

    /** One point of the baseline: k components, L0 = k. */
    public record Point(int k, double fvu) {}

    public int d() {
        return eigenvalues.length;
    }

    /** FVU on the held-out rows with the top k components (0 ≤ k ≤ d). */
    public double fvu(int k) {
        if (k < 0 || k > d()) {
            throw new IllegalArgumentException("k must be in [0, " + d() + "], got " + k);
        }
        double residual = residualAtZero;
        for (int i = 0; i < k; i++) {
            residual -= captured[i];
        }
        return Math.max(0, residual) / heldOutVariance;
    }

    /** The frontier's line: k = 1, 2, 4, … below d, then d. */
    public List<Point> points() {
        List<Point> out = new ArrayList<>();
        for (int k = 1; k < d(); k *= 2) {
            out.add(new Point(k, fvu(k)));
        }
        out.add(new Point(d(), fvu(d())));
        return out;
    }

    /** Rows per engine block: at most 2^24 doubles of a block in flight. */
    private static long blockRows(int d) {
        return Math.max(1, (1L << 24) / d);
    }

    /**
     * Computes the baseline of {@code set}, its last {@code heldOutRows} held out, in one pass over the set: sums
     * about a provisional centre (the first rows' mean), so that the float64 covariance loses nothing to a large mean.
     */
    public static PcaBaseline compute(
            ActivationSet set, long heldOutRows, Device device, ProgressListener progress, Cancellation cancel)
            throws IOException, CancelledException {
        int d = set.d();
        long trainRows = set.rows() - heldOutRows;
        if (heldOutRows < 2 || trainRows < 2) {
            throw new InvalidInputException(
                    set.location(),
                    "has " + set.rows()
                            + " rows: a PCA baseline needs at least 2 training and 2 held-out rows (held out: "
                            + heldOutRows + ")");
        }
        double[] shift = provisionalCentre(set, Math.min(trainRows, 4096));
        Sums train = new Sums(d), held = new Sums(d);
        long t0 = System.nanoTime();
        try (NDManager m = NDManager.newBaseManager(device)) {
            NDArray centre = m.create(shift, new Shape(1, d));
            long done = 0;
            for (int c = 0; c < set.chunkCount(); c++) {
                long first = set.chunkFirstRow(c), rows = set.chunkRows(c);
                for (long at = 0; at < rows; at += blockRows(d)) {
                    cancel.check();
                    long count = Math.min(blockRows(d), rows - at);
                    long row = first + at;
                    long inTrain = Math.max(0, Math.min(count, trainRows - row));
                    float[] x = set.readChunkRows(c, at, count).floats();
                    try (NDManager scope = m.newSubManager()) {
                        scope.tempAttachAll(centre);
                        NDArray block = scope.create(x, new Shape(count, d))
                                .toType(DataType.FLOAT64, false)
                                .subi(centre);
                        if (inTrain > 0) {
                            train.add(block.get("0:" + inTrain));
                        }
                        if (inTrain < count) {
                            held.add(block.get(inTrain + ":"));
                        }
                    }
                    done += count;
                    progress.onProgress(Progress.of(
                            done, set.rows(), (System.nanoTime() - t0) / 1e9, "rows/s", "PCA of " + set.hook()));
                }
            }
        }
        return fromSums(train, held);
    }

    private static double[] provisionalCentre(ActivationSet set, long rows) throws IOException {
        int d = set.d();
        double[] c = new double[d];
        float[] x = set.readRows(0, (int) rows);
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < d; j++) {
                c[j] += x[i * d + j];
            }
        }
        for (int j = 0; j < d; j++) {
            c[j] /= rows;
        }
        return c;
    }

    /** Σy and Σyyᵀ of rows y = x − shift, in float64. */
    private static final class Sums {
        final int d;
        final double[] sum;
        final double[] outer; // d×d, row-major
        long rows;

        Sums(int d) {
            this.d = d;
            sum = new double[d];
            outer = new double[d * d];
        }

        void add(NDArray y) {
            rows += y.getShape().get(0);
            double[] s = y.sum(new int[] {0}).toDoubleArray();
            double[] o = y.transpose().matMul(y).toDoubleArray();
            for (int j = 0; j < d; j++) {
                sum[j] += s[j];
            }
            for (int j = 0; j < o.length; j++) {
                outer[j] += o[j];
            }
        }
    }

    static PcaBaseline fromSums(Sums train, Sums held) {
        int d = train.d;
        double[] a = new double[d]; // μ − shift
        double[] b = new double[d]; // x̄_held − shift
        for (int j = 0; j < d; j++) {
            a[j] = train.sum[j] / train.rows;
            b[j] = held.sum[j] / held.rows;
        }
        // covariance of the training rows about μ, and S = Σ_held (y − a)(y − a)ᵀ
        DMatrixRMaj cov = new DMatrixRMaj(d, d);
        double[] s = new double[d * d];
        for (int i = 0; i < d; i++) {
            for (int j = 0; j < d; j++) {
                cov.set(i, j, (train.outer[i * d + j] - train.rows * a[i] * a[j]) / train.rows);
                s[i * d + j] =
                        held.outer[i * d + j] - a[i] * held.sum[j] - held.sum[i] * a[j] + held.rows * a[i] * a[j];
            }
        }
        double traceS = 0, heldVariance = 0;
        for (int i = 0; i < d; i++) {
            traceS += s[i * d + i];
            heldVariance += held.outer[i * d + i] - held.rows * b[i] * b[i];
        }
        EigenDecomposition_F64<DMatrixRMaj> eig = DecompositionFactory_DDRM.eig(d, true, true);
        if (!eig.decompose(cov)) {
            throw new ArithmeticException("the covariance's eigen-decomposition did not converge");
        }
        Integer[] order = new Integer[d];
        double[] values = new double[d];
        for (int i = 0; i < d; i++) {
            order[i] = i;
            values[i] = eig.getEigenvalue(i).getReal();
        }
        java.util.Arrays.sort(order, (p, q) -> Double.compare(values[q], values[p]));
        double[] sorted = new double[d], captured = new double[d];
        DMatrixRMaj vectors = new DMatrixRMaj(d, d); // column r: the r-th component, unit length
        for (int r = 0; r < d; r++) {
            sorted[r] = values[order[r]];
            DMatrixRMaj v = eig.getEigenVector(order[r]);
            double norm = org.ejml.dense.row.NormOps_DDRM.normP2(v);
            for (int p = 0; p < d; p++) {
                vectors.set(p, r, v.get(p) / norm);
            }
        }
        DMatrixRMaj sv = new DMatrixRMaj(d, d);
        org.ejml.dense.row.CommonOps_DDRM.mult(DMatrixRMaj.wrap(d, d, s), vectors, sv);
        for (int r = 0; r < d; r++) {
            double q = 0;
            for (int p = 0; p < d; p++) {
                q += vectors.get(p, r) * sv.get(p, r);
            }
            captured[r] = q;
        }
        return new PcaBaseline(train.rows, held.rows, sorted, captured, traceS, heldVariance);
    }
}
