package org.sparsescope.compute.dictionary;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.nio.file.Path;
import org.sparsescope.compute.InvalidInputException;
import org.sparsescope.compute.activations.ActivationSet;

/**
 * How well a dictionary reconstructs a set of activations, with the reference's definitions:
 * FVU = Σ‖x − x̂‖² / Σ‖x − mean(x)‖², MSE over rows and dimensions, L0 = mean active features per row,
 * dead = never active on these rows, dense = active on more than 10% of them; and each feature's density. Beside
 * them what SAELens and SAEBench report of a reconstruction: L1 = mean over rows of Σ|c|, cosine = mean over rows
 * of cos(x, x̂), L2 ratio = mean over rows of ‖x̂‖/‖x‖ (shrinkage below 1), and the relative reconstruction bias
 * E‖x̂‖² / E[x·x̂] (the Gated SAE paper's γ, eq. 10; 1 is unbiased). Norms are floored at 1e-8, as PyTorch's
 * cosine_similarity does.
 */
public record DictionaryMetrics(
        long rows,
        double fvu,
        double mse,
        double l0,
        double deadFraction,
        double denseFraction,
        double[] density,
        double l1,
        double cosine,
        double l2Ratio,
        double relativeBias) {

    public static final double DENSE_THRESHOLD = 0.1;

    /** The metrics under the names the sidecar's held_out and {@code eval --json} write them, in a fixed order. */
    public java.util.Map<String, Object> summary() {
        java.util.Map<String, Object> m = new java.util.LinkedHashMap<>();
        m.put("rows", rows);
        m.put("fvu", fvu);
        m.put("mse", mse);
        m.put("l0", l0);
        m.put("dead_fraction", deadFraction);
        m.put("dense_fraction", denseFraction);
        m.put("l1", l1);
        m.put("cosine", cosine);
        m.put("l2_ratio", l2Ratio);
        m.put("relative_reconstruction_bias", relativeBias);
        return m;
    }

    private static final int BATCH = 4096;

    /** Refuses a dictionary whose d_in differs from the activations', naming both. */
    public static void requireSameWidth(Dictionary d, Path dictionaryPath, ActivationSet set)
            throws InvalidInputException {
        if (d.dIn() != set.d()) {
            throw new InvalidInputException(
                    dictionaryPath,
                    "reads d_in=" + d.dIn() + " but the activations in " + set.location() + " have d=" + set.d()
                            + (set.hook() == null ? "" : " (hook " + set.hook() + ")"));
        }
    }

    /** Metrics over rows [start, start + count) of a set. */
    /** On the engine's preferred device (a GPU when there is one). */
    public static DictionaryMetrics evaluate(Dictionary d, ActivationSet set, long start, long count)
            throws IOException {
        return evaluate(d, set, start, count, org.sparsescope.compute.Devices.preferred());
    }

    public static DictionaryMetrics evaluate(Dictionary d, ActivationSet set, long start, long count, Device device)
            throws IOException {
        return evaluate(d, (from, n) -> set.readRows(start + from, n), count, device);
    }

    /** Reads rows [from, from + n) of whatever is evaluated, as float32 row-major. */
    @FunctionalInterface
    public interface RowSource {
        float[] read(long from, int n) throws IOException;
    }

    public static DictionaryMetrics evaluate(Dictionary d, RowSource rows, long count, Device device)
            throws IOException {
        Accumulator acc = new Accumulator(d.dIn(), d.dSae());
        try (NDManager weights = NDManager.newBaseManager(device)) {
            Codec codec = d.codec(weights);
            HostDecoder decoder = HostDecoder.of(codec);
            for (long from = 0; from < count; from += BATCH) {
                int b = (int) Math.min(BATCH, count - from);
                float[] x = rows.read(from, b);
                try (NDManager scope = weights.newSubManager()) {
                    NDArray xa = scope.create(x, new Shape(b, d.dIn()));
                    acc.accept(x, NonZeroCodes.of(codec.encode(xa)), decoder);
                }
            }
        }
        return acc.result();
    }

    /**
     * The sums behind the metrics, fed batch by batch (so another pass over the same codes, such as feature
     * statistics, can compute them on the way), in double on the host.
     */
    public static final class Accumulator {
        private final int dIn, n;
        private final double[] sumX, sumX2;
        private final long[] fires;
        private double sqErr, active, l1, cosine, l2Ratio, reconNormSq, dot;
        private long count;

        public Accumulator(int dIn, int dSae) {
            this.dIn = dIn;
            this.n = dSae;
            sumX = new double[dIn];
            sumX2 = new double[dIn];
            fires = new long[dSae];
        }

        /**
         * A batch on the host: its rows x [B, d_in] and its non-zero codes, each row reconstructed here from its own.
         * Every sum is taken in double, row by row (a few passes over [B, d_in] in Java cost less than the engine's
         * float64 conversions of it).
         */
        public void accept(float[] x, NonZeroCodes codes, HostDecoder decoder) {
            float[] recon = new float[dIn];
            int[] row = codes.row();
            int e = 0;
            for (int i = 0; i < codes.rows(); i++) {
                int start = e;
                while (e < row.length && row[e] == i) {
                    e++;
                }
                decoder.reconstructRow(codes, start, e, x, i * dIn, recon);
                addRow(x, i * dIn, recon);
            }
            addCodes(codes);
        }

        private void addRow(float[] x, int base, float[] recon) {
            double err = 0, xx = 0, rr = 0, xr = 0;
            for (int j = 0; j < dIn; j++) {
                double v = x[base + j], r = recon[j];
                float diff = recon[j] - x[base + j]; // the float32 error, squared in double
                err += (double) diff * diff;
                xx += v * v;
                rr += r * r;
                xr += v * r;
                sumX[j] += v;
                sumX2[j] += v * v;
            }
            double xNorm = Math.sqrt(xx), rNorm = Math.sqrt(rr);
            sqErr += err;
            cosine += xr / (Math.max(xNorm, 1e-8) * Math.max(rNorm, 1e-8));
            l2Ratio += rNorm / Math.max(xNorm, 1e-8);
            reconNormSq += rr;
            dot += xr;
        }

        private void addCodes(NonZeroCodes codes) {
            float[] value = codes.value();
            int[] feature = codes.feature();
            for (int e = 0; e < value.length; e++) {
                l1 += Math.abs(value[e]);
                if (value[e] > 0) {
                    active++;
                    fires[feature[e]]++;
                }
            }
            count += codes.rows();
        }

        public DictionaryMetrics result() {
            double total = 0;
            for (int j = 0; j < dIn; j++) {
                total += sumX2[j] - sumX[j] * sumX[j] / count; // Σ (x − mean)² per dimension
            }
            double[] density = new double[n];
            int dead = 0, dense = 0;
            for (int j = 0; j < n; j++) {
                density[j] = (double) fires[j] / count;
                dead += fires[j] == 0 ? 1 : 0;
                dense += density[j] > DENSE_THRESHOLD ? 1 : 0;
            }
            return new DictionaryMetrics(
                    count,
                    sqErr / total,
                    sqErr / ((double) count * dIn),
                    active / count,
                    (double) dead / n,
                    (double) dense / n,
                    density,
                    l1 / count,
                    cosine / count,
                    l2Ratio / count,
                    reconNormSq / dot);
        }
    }
}
