package org.sparsescope.compute.stats;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.sparsescope.compute.InvalidInputException;
import org.sparsescope.compute.activations.ActivationSet;
import org.sparsescope.compute.dictionary.Dictionary;
import org.sparsescope.compute.dictionary.DictionaryInfo;
import org.sparsescope.compute.dictionary.StandardDictionary;
import org.sparsescope.compute.tensor.Tensor;
import org.sparsescope.compute.work.Cancellation;
import org.sparsescope.compute.work.CancelledException;
import org.sparsescope.compute.work.Progress;
import org.sparsescope.compute.work.ProgressListener;

/**
 * "No learning" lines for the frontier, beside PCA: a fixed basis, each row coded by its k largest coefficients, so
 * that a dictionary's point can be read against what no training gives at the same L0. Rows are centred on the
 * training rows' mean μ and measured on the held-out rows, FVU's denominator about their own mean, as for PCA and
 * the dictionaries.
 * <ul>
 * <li><b>Neuron basis</b> (the research code's {@code Identity}): codes c = x − μ, the k of largest |c_j| kept;
 * x̂ = μ + those coordinates. At k = d it reconstructs exactly, its L0 the number of non-zero dimensions.</li>
 * <li><b>Random directions with ReLU</b> (the research code's {@code RandomDict}): n unit directions w_i drawn from
 * a seeded Gaussian, codes z = ReLU(W (x − μ)), the k largest kept; x̂ = μ + α_k Σ z_i w_i with one least-squares
 * scale α_k per k over the measured rows (the research code's decoder is W itself, whose scale is arbitrary).</li>
 * </ul>
 * L0 at k is the mean over rows of min(k, non-zero codes in the row).
 *
 * @param kind     "neuron basis" or "random directions"
 * @param features the basis size (d for the neuron basis)
 */
public record BasisBaseline(String kind, int features, long rows, List<Point> points) {

    /** One vertex: k kept per row, the resulting mean L0 and held-out FVU. */
    public record Point(int k, double l0, double fvu) {}

    public static final String NEURONS = "neuron basis";
    public static final String RANDOM = "random directions";
    /** Random directions per dimension of the hook (the research code's sweeps used ratios 1 to 32; 4 is typical). */
    public static final int RANDOM_RATIO = 4;
    /** The seed of the random directions the frontier draws (and autointerp explains as a baseline). */
    public static final long SEED = 0;
    /** The most held-out rows measured: the random line's cost is a matmul per k per row. */
    public static final long MAX_ROWS = 16_384;

    private static final int BLOCK = 2048;

    /** k = 1, 2, 4, … below n, then n. */
    static int[] ks(int n) {
        List<Integer> out = new ArrayList<>();
        for (int k = 1; k < n; k *= 2) {
            out.add(k);
        }
        out.add(n);
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    /** Both lines for a set with its last {@code heldOutRows} held out (at most {@link #MAX_ROWS} of them measured). */
    public static List<BasisBaseline> compute(
            ActivationSet set,
            long heldOutRows,
            long seed,
            Device device,
            ProgressListener progress,
            Cancellation cancel)
            throws IOException, CancelledException {
        int d = set.d();
        long trainRows = set.rows() - heldOutRows;
        if (heldOutRows < 2 || trainRows < 1) {
            throw new InvalidInputException(
                    set.location(),
                    "has " + set.rows() + " rows: the neuron and random baselines need training rows and at least 2"
                            + " held-out rows (held out: " + heldOutRows + ")");
        }
        double[] mu = trainingMean(set, trainRows, cancel);
        long first = trainRows, rows = Math.min(heldOutRows, MAX_ROWS);
        int n = d * RANDOM_RATIO;
        int[] neuronKs = ks(d), randomKs = ks(n);
        double[] neuronResidual = new double[neuronKs.length], neuronL0 = new double[neuronKs.length];
        double[] dot = new double[randomKs.length],
                yy = new double[randomKs.length],
                randomL0 = new double[randomKs.length];
        double centredSquares = 0; // Σ‖x − μ‖²
        double[] heldSum = new double[d];
        double heldSquares = 0;
        float[] w = randomDirections(n, d, seed);
        long t0 = System.nanoTime();
        try (NDManager m = NDManager.newBaseManager(device)) {
            NDArray wRows = m.create(w, new Shape(n, d));
            NDArray wT = wRows.transpose();
            NDArray centre = m.create(toFloats(mu), new Shape(1, d));
            for (long at = 0; at < rows; at += BLOCK) {
                cancel.check();
                int count = (int) Math.min(BLOCK, rows - at);
                float[] x = set.readRows(first + at, count);
                for (int r = 0; r < count; r++) {
                    for (int j = 0; j < d; j++) {
                        double v = x[r * d + j];
                        heldSum[j] += v;
                        heldSquares += v * v;
                    }
                }
                try (NDManager scope = m.newSubManager()) {
                    NDArray c = scope.create(x, new Shape(count, d)).sub(centre);
                    float[] cf = c.toFloatArray();
                    for (float v : cf) {
                        centredSquares += (double) v * v;
                    }
                    neuronLine(cf, count, d, neuronKs, neuronResidual, neuronL0);
                    NDArray z = c.matMul(wT).maximum(0f); // [count, n]
                    // each row's k-th largest code, for every k at once: the row sorted in descending order
                    float[] sorted = z.neg().sort(1).neg().toFloatArray();
                    long[] nonZero = z.gt(0f).sum(new int[] {1}).toLongArray();
                    for (int i = 0; i < randomKs.length; i++) {
                        int k = randomKs[i];
                        float[] thresholds = new float[count];
                        for (int r = 0; r < count; r++) {
                            thresholds[r] = sorted[r * n + k - 1];
                            randomL0[i] += Math.min(k, nonZero[r]);
                        }
                        NDArray t = scope.create(thresholds, new Shape(count, 1));
                        NDArray kept = z.mul(z.gte(t).toType(ai.djl.ndarray.types.DataType.FLOAT32, false));
                        NDArray y = kept.matMul(wRows); // Σ z_i w_i, [count, d]
                        dot[i] += y.mul(c)
                                .sum()
                                .toType(ai.djl.ndarray.types.DataType.FLOAT64, false)
                                .getDouble();
                        yy[i] += y.mul(y)
                                .sum()
                                .toType(ai.djl.ndarray.types.DataType.FLOAT64, false)
                                .getDouble();
                    }
                }
                progress.onProgress(Progress.of(
                        at + count, rows, (System.nanoTime() - t0) / 1e9, "rows/s", "neuron and random baselines"));
            }
        }
        double heldVariance = heldSquares;
        for (double s : heldSum) {
            heldVariance -= s * s / rows;
        }
        List<Point> neurons = new ArrayList<>(), random = new ArrayList<>();
        for (int i = 0; i < neuronKs.length; i++) {
            neurons.add(new Point(neuronKs[i], neuronL0[i] / rows, Math.max(0, neuronResidual[i]) / heldVariance));
        }
        for (int i = 0; i < randomKs.length; i++) {
            double residual = yy[i] > 0 ? centredSquares - dot[i] * dot[i] / yy[i] : centredSquares;
            random.add(new Point(randomKs[i], randomL0[i] / rows, Math.max(0, residual) / heldVariance));
        }
        return List.of(new BasisBaseline(NEURONS, d, rows, neurons), new BasisBaseline(RANDOM, n, rows, random));
    }

    /** Residual Σ‖c‖² − Σ of each row's k largest c_j², and min(k, non-zero c_j), summed over rows. */
    static void neuronLine(float[] c, int count, int d, int[] ks, double[] residual, double[] l0) {
        double[] sq = new double[d];
        for (int r = 0; r < count; r++) {
            double total = 0;
            int nonZero = 0;
            for (int j = 0; j < d; j++) {
                double v = c[r * d + j];
                sq[j] = v * v;
                total += sq[j];
                nonZero += v != 0 ? 1 : 0;
            }
            java.util.Arrays.sort(sq);
            double kept = 0;
            int next = 0;
            for (int i = 0; i < ks.length; i++) {
                while (next < ks[i]) {
                    kept += sq[d - 1 - next];
                    next++;
                }
                residual[i] += total - kept;
                l0[i] += Math.min(ks[i], nonZero);
            }
        }
    }

    /**
     * A baseline as a dictionary, so its features can be explained and scored as a trained dictionary's are (the
     * autointerp comparison): codes ReLU(W (x − μ)), x̂ = μ + codes·W, with W the identity ({@link #NEURONS}: each
     * basis dimension of the hook, its positive side about the mean) or the {@link #RANDOM_RATIO}·d seeded unit
     * directions of the frontier's random line ({@link #RANDOM}, the same directions for the same seed). μ is the
     * mean of the training rows, as for the lines.
     */
    public static Dictionary asDictionary(
            String kind, ActivationSet set, long heldOutRows, long seed, DictionaryInfo info, Cancellation cancel)
            throws IOException, CancelledException {
        int d = set.d();
        long trainRows = Math.max(1, set.rows() - heldOutRows);
        float[] mu = toFloats(trainingMean(set, trainRows, cancel));
        int n;
        float[] rows; // [n, d]: one direction per feature
        if (NEURONS.equals(kind)) {
            n = d;
            rows = new float[d * d];
            for (int j = 0; j < d; j++) {
                rows[j * d + j] = 1;
            }
        } else if (RANDOM.equals(kind)) {
            n = d * RANDOM_RATIO;
            rows = randomDirections(n, d, seed);
        } else {
            throw new IllegalArgumentException("a baseline is \"" + NEURONS + "\" or \"" + RANDOM + "\", not " + kind);
        }
        float[] columns = new float[d * n]; // W_enc [d, n]
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < d; j++) {
                columns[j * n + i] = rows[i * d + j];
            }
        }
        return new StandardDictionary(
                Tensor.ofFloats(new long[] {d, n}, columns),
                Tensor.ofFloats(new long[] {n}, new float[n]),
                Tensor.ofFloats(new long[] {n, d}, rows),
                Tensor.ofFloats(new long[] {d}, mu),
                true,
                info);
    }

    /** n unit rows of d, Gaussian then normalised, from {@code seed}. */
    static float[] randomDirections(int n, int d, long seed) {
        return org.sparsescope.compute.synthetic.GroundTruth.randomUnitRows(new SplittableRandom(seed), n, d, 1.0);
    }

    /** The mean of the training rows (the last {@link #MAX_ROWS} before the held-out ones: enough for a centre). */
    private static double[] trainingMean(ActivationSet set, long trainRows, Cancellation cancel)
            throws IOException, CancelledException {
        int d = set.d();
        long from = Math.max(0, trainRows - MAX_ROWS);
        double[] mu = new double[d];
        for (long at = from; at < trainRows; at += BLOCK) {
            cancel.check();
            int count = (int) Math.min(BLOCK, trainRows - at);
            float[] x = set.readRows(at, count);
            for (int r = 0; r < count; r++) {
                for (int j = 0; j < d; j++) {
                    mu[j] += x[r * d + j];
                }
            }
        }
        for (int j = 0; j < d; j++) {
            mu[j] /= trainRows - from;
        }
        return mu;
    }

    private static float[] toFloats(double[] v) {
        float[] f = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            f[i] = (float) v[i];
        }
        return f;
    }
}
