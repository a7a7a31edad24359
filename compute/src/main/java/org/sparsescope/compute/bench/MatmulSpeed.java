package org.sparsescope.compute.bench;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import org.sparsescope.compute.model.Bf16Kernel;
import org.sparsescope.compute.model.WeightPrecision;

/**
 * The machine's float32 matmul rate through DJL (4096×512 @ 512×2048), the yardstick every throughput figure is
 * set beside: these machines are shared and noisy, so a ratio measured in the same run is what we report.
 */
public final class MatmulSpeed {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(MatmulSpeed.class);

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
            return medianGflops(() -> a.matMul(b), 2.0 * m * k * n, repeats);
        }
    }

    /**
     * As {@link #gflopsPerSecond(Device, int, int, int, int)} for the products a model held as {@code held} computes:
     * bf16 ones in the bf16 kernel on the CPU, float32 ones on the preferred device.
     */
    public static double gflopsPerSecond(WeightPrecision held, int m, int k, int n, int repeats) throws IOException {
        if (held != WeightPrecision.BF16) {
            return gflopsPerSecond(org.sparsescope.compute.Devices.preferred(), m, k, n, repeats);
        }
        try (NDManager mm = NDManager.newBaseManager(Device.cpu())) {
            UnaryOperator<NDArray> times;
            try (NDArray w = mm.randomNormal(new Shape(n, k))) {
                times = Bf16Kernel.product(mm, w);
            }
            NDArray x = mm.randomNormal(new Shape(m, k));
            return medianGflops(() -> times.apply(x), 2.0 * m * k * n, repeats);
        }
    }

    private static double bf16Speedup = Double.NaN;

    /**
     * bf16 products' rate over float32's on this CPU, [128, 2048] · [2048, 2048] (about 0.3 s where bf16 is slow),
     * measured once per process: whether holding a model in bf16 is worth it here (on CPUs with AVX-512 BF16 about
     * 4×; on CPUs without bf16 instructions about 0.2×). 0 when the bf16 kernel cannot load.
     */
    public static synchronized double bf16Speedup() {
        if (Double.isNaN(bf16Speedup)) {
            try {
                double bf16 = gflopsPerSecond(WeightPrecision.BF16, 128, 2048, 2048, 3);
                bf16Speedup = bf16 / gflopsPerSecond(Device.cpu(), 128, 2048, 2048, 3);
            } catch (IOException e) {
                LOG.warn("bf16 products unavailable here: {}", e.getMessage());
                bf16Speedup = 0;
            }
        }
        return bf16Speedup;
    }

    /** GFLOP/s of the median of {@code repeats} timed products after three untimed ones. */
    private static double medianGflops(Supplier<NDArray> product, double flop, int repeats) {
        for (int i = 0; i < 3; i++) {
            try (NDArray c = product.get()) {
                c.toFloatArray();
            }
        }
        double[] seconds = new double[repeats];
        for (int r = 0; r < repeats; r++) {
            long t0 = System.nanoTime();
            try (NDArray c = product.get()) {
                org.sparsescope.compute.Devices.awaitCompletion(c);
            }
            seconds[r] = (System.nanoTime() - t0) / 1e9;
        }
        java.util.Arrays.sort(seconds);
        return flop / seconds[repeats / 2] / 1e9;
    }
}
