package org.sparsescope.compute.stats;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.util.List;
import java.util.stream.IntStream;
import org.sparsescope.compute.activations.ActivationSet;
import org.sparsescope.compute.dictionary.Codec;
import org.sparsescope.compute.dictionary.Dictionary;
import org.sparsescope.compute.work.Cancellation;
import org.sparsescope.compute.work.CancelledException;

/**
 * A feature's neighbours, as SAEDashboard lists them: the features whose activations correlate most with it over a
 * set (Pearson, every token counted, as the statistics count them), and the features whose decoder directions lie
 * nearest its own (cosine).
 */
public final class FeatureNeighbours {
    private FeatureNeighbours() {}

    /** Another feature and how near it is (a correlation or a cosine). */
    public record Neighbour(int feature, double value) {}

    /**
     * Pearson r of feature j with every feature over rows [start, start + count) of the set, from one pass:
     * r_jk = (E[c_j c_k] − μ_j μ_k) / (σ_j σ_k) with the moments of {@code stats} (over the same rows). The {@code top}
     * most correlated, j itself left out; features that never fire have no correlation and are left out too.
     */
    public static List<Neighbour> correlated(
            Dictionary d,
            ActivationSet set,
            long start,
            long count,
            FeatureStats stats,
            int j,
            int top,
            Device device,
            Cancellation cancel)
            throws IOException, CancelledException {
        try (org.sparsescope.compute.dictionary.DictionaryOnDevice onDevice =
                new org.sparsescope.compute.dictionary.DictionaryOnDevice(d, device)) {
            return correlated(onDevice, set, start, count, stats, j, top, cancel);
        }
    }

    /** As above, on a dictionary kept on its device. */
    public static List<Neighbour> correlated(
            org.sparsescope.compute.dictionary.DictionaryOnDevice onDevice,
            ActivationSet set,
            long start,
            long count,
            FeatureStats stats,
            int j,
            int top,
            Cancellation cancel)
            throws IOException, CancelledException {
        Dictionary d = onDevice.dictionary();
        int n = d.dSae(), dIn = d.dIn();
        double[] cross = new double[n];
        int batch = (int) Math.max(256, Math.min(8192, (1L << 23) / n));
        try (NDManager weights = NDManager.newBaseManager(onDevice.device())) {
            Codec codec = onDevice.codec();
            for (long from = 0; from < count; from += batch) {
                cancel.check();
                int b = (int) Math.min(batch, count - from);
                float[] x = set.readRows(start + from, b);
                try (NDManager scope = weights.newSubManager()) {
                    NDArray c = codec.encode(scope.create(x, new Shape(b, dIn))); // [b, n]
                    NDArray cj = c.get(":, " + j + ":" + (j + 1)); // [b, 1]
                    float[] s = cj.transpose().matMul(c).toFloatArray(); // Σ_rows c_j c_k over the batch, [1, n]
                    for (int k = 0; k < n; k++) {
                        cross[k] += s[k];
                    }
                }
            }
        }
        double mj = stats.mean()[j], sj = stats.std()[j];
        double[] r = new double[n];
        for (int k = 0; k < n; k++) {
            double sk = stats.std()[k];
            r[k] = sj > 0 && sk > 0 ? (cross[k] / count - mj * stats.mean()[k]) / (sj * sk) : Double.NaN;
        }
        return IntStream.range(0, n)
                .filter(k -> k != j && !Double.isNaN(r[k]))
                .boxed()
                .sorted((a, b) -> Double.compare(r[b], r[a]))
                .limit(top)
                .map(k -> new Neighbour(k, r[k]))
                .toList();
    }

    /** The {@code top} features whose decoder directions have the largest cosine with feature j's (j left out). */
    public static List<Neighbour> nearestDecoders(Dictionary d, int j, int top, Device device) {
        try (org.sparsescope.compute.dictionary.DictionaryOnDevice onDevice =
                new org.sparsescope.compute.dictionary.DictionaryOnDevice(d, device)) {
            return nearestDecoders(onDevice, j, top);
        }
    }

    /** As above, on a dictionary kept on its device. */
    public static List<Neighbour> nearestDecoders(
            org.sparsescope.compute.dictionary.DictionaryOnDevice onDevice, int j, int top) {
        int n = onDevice.dictionary().dSae();
        float[] cos;
        try (NDManager m = NDManager.newBaseManager(onDevice.device())) {
            NDArray rows = onDevice.codec().decoderRows(); // [n, d]
            m.tempAttachAll(rows); // what is made from the rows lands here, not with the weights
            NDArray unit = rows.div(rows.norm(new int[] {1}, true).maximum(1e-12f));
            cos = unit.matMul(unit.get(j + ":" + (j + 1)).transpose()).toFloatArray(); // [n, 1]
        }
        return IntStream.range(0, n)
                .filter(k -> k != j)
                .boxed()
                .sorted((a, b) -> Float.compare(cos[b], cos[a]))
                .limit(top)
                .map(k -> new Neighbour(k, cos[k]))
                .toList();
    }
}
