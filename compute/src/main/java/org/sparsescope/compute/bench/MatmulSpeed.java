package org.sparsescope.compute.bench;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/**
 * The machine's float32 matmul rate through DJL (4096×512 @ 512×2048), the yardstick every throughput figure is
 * set beside: these machines are shared and noisy, so a ratio measured in the same run is what we report.
 */
public final class MatmulSpeed {
    private MatmulSpeed() {}

    public static final int M = 4096, K = 512, N = 2048;

    /**
     * GFLOP/s of the yardstick product on the engine's preferred device: the median of {@code repeats} timed rounds
     * after a warm-up (the median, not a lucky best).
     */
    public static double gflopsPerSecond(int repeats) {
        return gflopsPerSecond(org.sparsescope.compute.Devices.preferred(), repeats);
    }

    public static double gflopsPerSecond(Device device, int repeats) {
        return gflopsPerSecond(device, M, K, N, repeats);
    }

    /** As {@link #gflopsPerSecond(int)} for an [m, k] @ [k, n] product. */
    public static double gflopsPerSecond(Device device, int m, int k, int n, int repeats) {
        try (NDManager mm = NDManager.newBaseManager(device)) {
            NDArray a = mm.randomNormal(new Shape(m, k));
            NDArray b = mm.randomNormal(new Shape(k, n));
            for (int i = 0; i < 3; i++) {
                try (NDArray c = a.matMul(b)) {
                    c.toFloatArray();
                }
            }
            double[] seconds = new double[repeats];
            for (int r = 0; r < repeats; r++) {
                long t0 = System.nanoTime();
                try (NDArray c = a.matMul(b)) {
                    org.sparsescope.compute.Devices.awaitCompletion(c);
                }
                seconds[r] = (System.nanoTime() - t0) / 1e9;
            }
            java.util.Arrays.sort(seconds);
            return 2.0 * m * k * n / seconds[repeats / 2] / 1e9;
        }
    }
}
