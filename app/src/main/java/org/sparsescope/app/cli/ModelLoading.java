package org.sparsescope.app.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.sparsescope.compute.Devices;
import org.sparsescope.compute.model.LanguageModel;

/** Loads a model for a command, printing how far a large one has come (a 2B model takes tens of seconds). */
final class ModelLoading {
    /** Weight files above this size get progress lines on stderr; small models load before anyone would look. */
    private static final long REPORTED_BYTES = 512L << 20;

    private ModelLoading() {}

    static LanguageModel load(Path dir) throws IOException {
        return load(dir, System.err);
    }

    static LanguageModel load(Path dir, PrintStream err) throws IOException {
        long bytes = weightBytes(dir);
        if (bytes < REPORTED_BYTES) {
            return LanguageModel.load(dir);
        }
        err.printf("loading %s (%.1f GB of weights)%n", dir.getFileName(), bytes / 1e9);
        long t0 = System.nanoTime();
        int[] lastTenth = {0};
        LanguageModel lm = LanguageModel.load(dir, Devices.preferred(), (done, total) -> {
            int tenth = done * 10 / total;
            if (tenth > lastTenth[0]) {
                lastTenth[0] = tenth;
                err.printf("  %d of %d blocks loaded (%.0f s)%n", done, total, (System.nanoTime() - t0) / 1e9);
            }
        });
        if (lm.weightPrecision() == org.sparsescope.compute.model.WeightPrecision.COMPACT) {
            err.println("  weight matrices held at 16 bits, widened to float32 for each product"
                    + " (compact weights; SPARSESCOPE_WEIGHTS=float32 holds them in float32)");
        } else if (lm.weightPrecision() == org.sparsescope.compute.model.WeightPrecision.BF16) {
            err.println("  weight matrices held in bf16 and multiplied in bf16, float32 between products"
                    + " (SPARSESCOPE_WEIGHTS=float32 for the reference path, compact for 16-bit storage with float32"
                    + " products)");
        }
        if (lm.weightPrecision() != org.sparsescope.compute.model.WeightPrecision.FLOAT32
                && org.sparsescope.compute.model.WeightPrecision.fromSettings()
                        == org.sparsescope.compute.model.WeightPrecision.AUTO) {
            // measured once per process while loading; this reads the same figure
            double speedup = org.sparsescope.compute.bench.MatmulSpeed.bf16Speedup();
            err.println("  (auto: the float32 weights would not fit in the memory free; "
                    + (speedup > 0
                            ? String.format(
                                    java.util.Locale.ROOT,
                                    "bf16 products run at %.2f× the float32 rate on this CPU)",
                                    speedup)
                            : "bf16 products are unavailable here)"));
        }
        return lm;
    }

    private static long weightBytes(Path dir) {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.getFileName().toString().endsWith(".safetensors"))
                    .mapToLong(p -> p.toFile().length())
                    .sum();
        } catch (IOException e) {
            return 0; // the load itself reports what is wrong with the folder
        }
    }
}
