package org.sparsescope.compute.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * The trainer's own step (forward, hand-written backward, Adam) timed on one batch for the paths a TopK sweep can take,
 * beside a dense ReLU (L1) step of the same size: what {@code bench topk} reports. Rounds alternate the paths so that a
 * shared machine's noise falls on all of them alike; each path's figure is its median.
 */
public final class StepTiming {
    private StepTiming() {}

    public enum Path {
        /** TopK decoding from the k selected rows only. */
        SPARSE_TOPK("TopK, sparse decode"),
        /** TopK through the dense products. */
        DENSE_TOPK("TopK, dense products"),
        /** A ReLU dictionary with the L1 penalty: every product dense. */
        RELU_L1("ReLU + L1 (dense)");

        public final String label;

        Path(String label) {
            this.label = label;
        }
    }

    /** Median seconds per step of each path, and every round's figure. */
    public record Result(Map<Path, Double> medianSeconds, Map<Path, double[]> rounds) {}

    /**
     * Steps of one d-dimensional dictionary of n features (TopK with k, or BatchTopK) on {@code rows} [batch, d],
     * {@code rounds} timed rounds after one warm-up.
     */
    public static Result measure(int d, int n, int k, boolean batchTopK, float[] rows, int batch, int rounds) {
        if (rows.length != (long) batch * d) {
            throw new IllegalArgumentException(
                    "rows hold " + rows.length + " floats, not batch × d = " + (long) batch * d);
        }
        Map<Path, double[]> times = new EnumMap<>(Path.class);
        try (NDManager manager = NDManager.newBaseManager(org.sparsescope.compute.Devices.preferred())) {
            float[] mean = new float[d];
            Map<Path, Ensemble> ensembles = new EnumMap<>(Path.class);
            for (Path p : Path.values()) {
                SweepMember member = p == Path.RELU_L1
                        ? SweepMember.l1(n, 1e-3)
                        : batchTopK ? SweepMember.batchTopK(n, k) : SweepMember.topK(n, k);
                Ensemble e = Ensemble.of(manager, List.of(member), d, mean, new Random(1));
                if (e instanceof UntiedEnsemble u && p != Path.RELU_L1) {
                    u.sparse = p == Path.SPARSE_TOPK;
                }
                ensembles.put(p, e);
                times.put(p, new double[rounds]);
            }
            NDArray x = manager.create(rows, new Shape(batch, d));
            for (int r = -1; r < rounds; r++) {
                for (Path p : Path.values()) {
                    long t0 = System.nanoTime();
                    try (NDManager step = manager.newSubManager()) {
                        step.tempAttachAll(x);
                        ensembles.get(p).step(x, 1f, r + 2, 1e-4, false, false, false);
                        org.sparsescope.compute.Devices.awaitCompletion(ensembles.get(p).params[0].value);
                    }
                    if (r >= 0) {
                        times.get(p)[r] = (System.nanoTime() - t0) / 1e9;
                    }
                }
            }
        }
        Map<Path, Double> medians = new EnumMap<>(Path.class);
        times.forEach((p, t) -> {
            double[] sorted = t.clone();
            Arrays.sort(sorted);
            medians.put(p, sorted[sorted.length / 2]);
        });
        return new Result(medians, times);
    }
}
