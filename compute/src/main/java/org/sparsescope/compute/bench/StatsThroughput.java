package org.sparsescope.compute.bench;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import org.sparsescope.compute.activations.ActivationSet;
import org.sparsescope.compute.dictionary.Dictionary;
import org.sparsescope.compute.stats.FeatureAnalysis;
import org.sparsescope.compute.work.Cancellation;
import org.sparsescope.compute.work.CancelledException;
import org.sparsescope.compute.work.ProgressListener;

/**
 * The statistics pass beside its limit: the full pass (both passes, every collector) over a set's rows, and the bare
 * encoder matmul x·W_enc over as many rows (in memory, in the same batch size), measured in the same run.
 */
public final class StatsThroughput {
    private StatsThroughput() {}

    /** Seconds of each, and the FLOPs of one encoder matmul over the rows (2·rows·d·n). */
    public record Result(long rows, int d, int n, double passSeconds, double matmulSeconds) {
        public double encoderFlops() {
            return 2.0 * rows * d * n;
        }

        public double ratio() {
            return passSeconds / matmulSeconds;
        }
    }

    public static Result measure(Dictionary dictionary, ActivationSet set, long rows, Device device)
            throws IOException, CancelledException {
        long count = Math.min(rows, set.rows());
        FeatureAnalysis.Options opts = FeatureAnalysis.Options.defaults();
        long t0 = System.nanoTime();
        FeatureAnalysis.run(dictionary, set, 0, count, opts, device, ProgressListener.NONE, Cancellation.none());
        double pass = (System.nanoTime() - t0) / 1e9;
        int d = dictionary.dIn(), n = dictionary.dSae();
        int batch = FeatureAnalysis.batchRows(opts, n); // the pass's own batch size
        double matmul;
        try (NDManager m = NDManager.newBaseManager(device)) {
            NDArray w = m.randomNormal(new Shape(d, n));
            NDArray x = m.randomNormal(new Shape(batch, d));
            try (NDArray warm = x.matMul(w)) {
                org.sparsescope.compute.Devices.awaitCompletion(warm);
            }
            long t1 = System.nanoTime();
            for (long done = 0; done < count; done += batch) {
                int b = (int) Math.min(batch, count - done);
                try (NDArray xb = b == batch ? null : x.get("0:" + b);
                        NDArray c = (xb == null ? x : xb).matMul(w)) {
                    org.sparsescope.compute.Devices.awaitCompletion(c);
                }
            }
            matmul = (System.nanoTime() - t1) / 1e9;
        }
        return new Result(count, d, n, pass, matmul);
    }
}
