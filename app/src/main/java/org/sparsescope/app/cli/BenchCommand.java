package org.sparsescope.app.cli;

import com.google.gson.GsonBuilder;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.sparsescope.compute.bench.LmThroughput;
import org.sparsescope.compute.bench.MatmulSpeed;
import org.sparsescope.compute.model.LanguageModel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "bench", mixinStandardHelpOptions = true, description = "Throughput benchmarks, each beside the matmul rate of the same run.",
        subcommands = {BenchCommand.Lm.class, BenchCommand.Ui.class})
public final class BenchCommand {

    @Command(name = "ui", mixinStandardHelpOptions = true,
            description = {"The window with a large dictionary: open with a warm cache, sort the feature table, pan the density plot.",
                    "Needs a display: xvfb-run -a -s \"-screen 0 1600x1000x24\" ./sparsescope bench ui"})
    public static final class Ui implements Callable<Integer> {
        @Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Option(names = "--features", defaultValue = "16384", description = "dictionary size (default ${DEFAULT-VALUE})")
        int features;

        @Option(names = "--tokens", defaultValue = "40000", description = "activations harvested for the workspace (default ${DEFAULT-VALUE})")
        long tokens;

        @Option(names = "--dir", description = "working folder (default: a new temporary one)")
        Path dir;

        @Override
        public Integer call() throws Exception {
            Path work = dir != null ? dir : java.nio.file.Files.createTempDirectory("sparsescope-bench-ui");
            org.sparsescope.app.ui.UiBench.run(work, features, tokens, spec.commandLine().getOut());
            return 0;
        }
    }

    @Command(name = "lm", mixinStandardHelpOptions = true,
            description = "Forward throughput (tokens/s) of a model, full and up to one layer, with the float32 matmul GFLOP/s of the same run.")
    public static final class Lm implements Callable<Integer> {
        @Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Option(names = "--model", required = true, description = "Hugging Face model folder")
        Path model;

        @Option(names = "--window", defaultValue = "128", description = "tokens per window (default ${DEFAULT-VALUE})")
        int window;

        @Option(names = "--batch", defaultValue = "16", description = "windows per forward pass (default ${DEFAULT-VALUE})")
        int batch;

        @Option(names = "--layer", defaultValue = "2", description = "last layer of the harvest path (default ${DEFAULT-VALUE})")
        int layer;

        @Option(names = "--seconds", defaultValue = "5", description = "time per measurement (default ${DEFAULT-VALUE})")
        double seconds;

        @Option(names = "--json", description = "print the result as JSON")
        boolean json;

        @Override
        public Integer call() throws Exception {
            try (LanguageModel lm = LanguageModel.load(model)) {
                lm.hook("blocks." + layer + ".hook_resid_post");
                // The matmul rate is taken before and after the model runs; their mean is the yardstick.
                double matmulBefore = MatmulSpeed.gflopsPerSecond(lm.device(), 15);
                LmThroughput.Result full = LmThroughput.fullForward(lm, window, batch, seconds);
                LmThroughput.Result harvest = LmThroughput.upToLayer(lm, layer, window, batch, seconds);
                double matmulAfter = MatmulSpeed.gflopsPerSecond(lm.device(), 15);
                double matmul = (matmulBefore + matmulAfter) / 2;
                var out = spec.commandLine().getOut();
                if (json) {
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("device", lm.device().toString());
                    m.put("matmul_gflops", matmul);
                    for (LmThroughput.Result r : List.of(full, harvest)) {
                        Map<String, Object> e = new LinkedHashMap<>();
                        e.put("tokens_per_second", r.tokensPerSecond());
                        e.put("flops_per_token", r.flopsPerToken());
                        e.put("gflops", r.gflopsPerSecond());
                        e.put("ratio_to_matmul", r.gflopsPerSecond() / matmul);
                        m.put(r == full ? "full_forward" : "harvest_to_layer_" + layer, e);
                    }
                    out.println(new GsonBuilder().setPrettyPrinting().create().toJson(m));
                } else {
                    out.printf("device: %s, window %d, batch %d windows%n", lm.device(), window, batch);
                    out.printf("float32 matmul %dx%d @ %dx%d: %.1f GFLOP/s (median before %.1f, after %.1f)%n",
                            MatmulSpeed.M, MatmulSpeed.K, MatmulSpeed.K, MatmulSpeed.N, matmul, matmulBefore, matmulAfter);
                    for (LmThroughput.Result r : List.of(full, harvest)) {
                        out.printf("%-44s %10.0f tokens/s  %7.1f GFLOP/s  = %.2f × matmul%n", r.what(), r.tokensPerSecond(),
                                r.gflopsPerSecond(), r.gflopsPerSecond() / matmul);
                    }
                }
                return 0;
            }
        }
    }
}
