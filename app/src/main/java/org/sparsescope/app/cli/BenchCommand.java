package org.sparsescope.app.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.sparsescope.compute.Devices;
import org.sparsescope.compute.activations.ActivationSet;
import org.sparsescope.compute.bench.LmThroughput;
import org.sparsescope.compute.bench.MatmulSpeed;
import org.sparsescope.compute.bench.TrainThroughput;
import org.sparsescope.compute.model.LanguageModel;
import org.sparsescope.compute.train.SweepMember;
import org.sparsescope.compute.train.TrainOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
        name = "bench",
        mixinStandardHelpOptions = true,
        description = "Throughput benchmarks, each beside the matmul rate of the same run.",
        subcommands = {
            BenchCommand.Lm.class,
            BenchCommand.Train.class,
            BenchCommand.Graph.class,
            BenchCommand.Generate.class,
            BenchCommand.Stats.class,
            BenchCommand.TopK.class,
            BenchCommand.Ui.class
        })
public final class BenchCommand {

    @Command(
            name = "ui",
            mixinStandardHelpOptions = true,
            description = {
                "The window with a large dictionary: open with a warm cache, sort the feature table, pan the density plot.",
                "Needs a display: xvfb-run -a -s \"-screen 0 1600x1000x24\" ./sparsescope bench ui"
            })
    public static final class Ui implements Callable<Integer> {
        @Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Option(
                names = "--features",
                defaultValue = "16384",
                description = "dictionary size (default ${DEFAULT-VALUE})")
        int features;

        @Option(
                names = "--tokens",
                defaultValue = "40000",
                description = "activations harvested for the workspace (default ${DEFAULT-VALUE})")
        long tokens;

        @Option(names = "--dir", description = "working folder (default: a new temporary one)")
        Path dir;

        @Override
        public Integer call() throws Exception {
            Path work = dir != null ? dir : java.nio.file.Files.createTempDirectory("sparsescope-bench-ui");
            org.sparsescope.app.ui.UiBench.run(
                    work, features, tokens, spec.commandLine().getOut());
            return 0;
        }
    }

    @Command(
            name = "stats",
            mixinStandardHelpOptions = true,
            description =
                    "The statistics pass (both passes, every collector, computed afresh) over a set's rows beside the bare encoder matmul "
                            + "x·W_enc over as many rows, measured in the same run, with their ratio.")
    public static final class Stats implements Callable<Integer> {
        @Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Option(names = "--dict", required = true, description = "dictionary (any readable layout)")
        Path dict;

        @Option(names = "--activations", required = true, description = "activation set folder or file")
        Path activations;

        @Option(
                names = "--rows",
                defaultValue = "1000000",
                description = "rows to run over (default ${DEFAULT-VALUE}, or the whole set)")
        long rows;

        @Option(names = "--json", description = "print the result as JSON")
        boolean json;

        @Override
        public Integer call() throws Exception {
            var d = org.sparsescope.compute.dictionary.DictionaryFiles.read(dict);
            try (ActivationSet set = ActivationSet.open(activations)) {
                org.sparsescope.compute.dictionary.DictionaryMetrics.requireSameWidth(d, dict, set);
                double before = MatmulSpeed.gflopsPerSecond(15);
                var r = org.sparsescope.compute.bench.StatsThroughput.measure(d, set, rows, Devices.preferred());
                var out = spec.commandLine().getOut();
                if (json) {
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("device", device());
                    m.put("d", r.d());
                    m.put("n", r.n());
                    m.put("rows", r.rows());
                    m.put("pass_seconds", r.passSeconds());
                    m.put("matmul_seconds", r.matmulSeconds());
                    m.put("yardstick_matmul_gflops", before);
                    m.put("ratio", r.ratio());
                    out.println(Json.text(m));
                    return 0;
                }
                out.printf(
                        java.util.Locale.ROOT,
                        "device: %s; %d × %d dictionary over %,d rows%n",
                        device(),
                        r.d(),
                        r.n(),
                        r.rows());
                out.printf(java.util.Locale.ROOT, "statistics pass      %8.2f s%n", r.passSeconds());
                out.printf(
                        java.util.Locale.ROOT,
                        "bare encoder matmul  %8.2f s  (%.1f GFLOP/s; the yardstick matmul %.1f GFLOP/s)%n",
                        r.matmulSeconds(),
                        r.encoderFlops() / r.matmulSeconds() / 1e9,
                        before);
                out.printf(java.util.Locale.ROOT, "ratio pass / matmul: %.1f%n", r.ratio());
            }
            return 0;
        }
    }

    @Command(
            name = "topk",
            mixinStandardHelpOptions = true,
            description = {
                "One TopK training step (forward, backward, Adam) decoding from the k selected rows only, beside the same step "
                        + "through dense products and a dense ReLU + L1 step of the same size, with the encoder matmul x·W_enc of the same "
                        + "run as the yardstick. Rows are Gaussian unless --activations gives a set to take the first batch from."
            })
    public static final class TopK implements Callable<Integer> {
        @Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Option(
                names = "--d",
                defaultValue = "512",
                description = "input width, for Gaussian rows (default ${DEFAULT-VALUE})")
        int d;

        @Option(names = "--n", defaultValue = "16384", description = "features (default ${DEFAULT-VALUE})")
        int n;

        @Option(names = "--k", defaultValue = "32", description = "features kept per token (default ${DEFAULT-VALUE})")
        int k;

        @Option(names = "--batch", defaultValue = "4096", description = "rows per step (default ${DEFAULT-VALUE})")
        int batch;

        @Option(
                names = "--rounds",
                defaultValue = "5",
                description = "timed rounds; the median is reported (default ${DEFAULT-VALUE})")
        int rounds;

        @Option(names = "--batch-topk", description = "BatchTopK (the k·B largest across the batch) instead of TopK")
        boolean batchTopK;

        @Option(
                names = "--activations",
                description = "activation set whose first rows are the batch (its d replaces --d)")
        Path activations;

        @Option(names = "--json", description = "print the result as JSON")
        boolean json;

        @Override
        public Integer call() throws Exception {
            float[] rows;
            int width = d;
            if (activations != null) {
                try (ActivationSet set = ActivationSet.open(activations)) {
                    width = set.d();
                    if (set.rows() < batch) {
                        throw new IllegalArgumentException(
                                activations + " has " + set.rows() + " rows, fewer than the batch of " + batch);
                    }
                    rows = set.readRows(0, batch);
                }
            } else {
                java.util.Random rnd = new java.util.Random(1);
                rows = new float[batch * width];
                for (int i = 0; i < rows.length; i++) {
                    rows[i] = (float) rnd.nextGaussian();
                }
            }
            double before = MatmulSpeed.gflopsPerSecond(15);
            var r = org.sparsescope.compute.train.StepTiming.measure(width, n, k, batchTopK, rows, batch, rounds);
            double after = MatmulSpeed.gflopsPerSecond(15), matmul = (before + after) / 2;
            double encoderSeconds = 2.0 * batch * width * n / (matmul * 1e9);
            var paths = org.sparsescope.compute.train.StepTiming.Path.values();
            double sparse = r.medianSeconds().get(paths[0]),
                    dense = r.medianSeconds().get(paths[1]);
            var out = spec.commandLine().getOut();
            if (json) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("device", device());
                m.put("d", width);
                m.put("n", n);
                m.put("k", k);
                m.put("batch", batch);
                m.put("batch_topk", batchTopK);
                m.put("matmul_gflops", matmul);
                for (var p : paths) {
                    m.put(
                            p.name().toLowerCase(java.util.Locale.ROOT) + "_seconds",
                            r.medianSeconds().get(p));
                }
                m.put("dense_over_sparse", dense / sparse);
                out.println(Json.text(m));
                return 0;
            }
            out.printf(
                    java.util.Locale.ROOT,
                    "device: %s; d %d, n %d, %s k %d, batch %d, median of %d%n",
                    device(),
                    width,
                    n,
                    batchTopK ? "BatchTopK" : "TopK",
                    k,
                    batch,
                    rounds);
            out.printf(
                    java.util.Locale.ROOT,
                    "float32 matmul %.1f GFLOP/s (before %.1f, after %.1f): the encoder matmul x·W_enc takes %.3f s at that rate%n",
                    matmul,
                    before,
                    after,
                    encoderSeconds);
            for (var p : paths) {
                double s = r.medianSeconds().get(p);
                out.printf(
                        java.util.Locale.ROOT,
                        "%-25s %7.3f s/step  = %4.1f × the encoder matmul%n",
                        (batchTopK && p != paths[2] ? "Batch" : "") + p.label,
                        s,
                        s / encoderSeconds);
            }
            out.printf(
                    java.util.Locale.ROOT,
                    "dense step time / sparse step time: %.2f (above 1: the sparse step is faster)%n",
                    dense / sparse);
            return 0;
        }
    }

    @Command(
            name = "generate",
            mixinStandardHelpOptions = true,
            description =
                    "Greedy generation after a prompt: tokens/s with the key/value cache and by full recomputation at every step, in one run, "
                            + "checking that both give the same tokens.")
    public static final class Generate implements Callable<Integer> {
        @Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Option(names = "--model", required = true, description = "Hugging Face model folder")
        Path model;

        @Option(
                names = "--prompt",
                defaultValue =
                        "The activities will focus on promoting and strengthening cooperation with the United Nations system",
                description = "prompt (default: a sentence of the reference corpus)")
        String prompt;

        @Option(names = "--tokens", defaultValue = "40", description = "tokens to generate (default ${DEFAULT-VALUE})")
        int tokens;

        @Option(
                names = "--repeats",
                defaultValue = "5",
                description = "runs of each; the median is reported (default ${DEFAULT-VALUE})")
        int repeats;

        @Override
        public Integer call() throws Exception {
            try (LanguageModel lm = ModelLoading.load(model)) {
                long[] ids = lm.tokenizer().encode(prompt);
                var none = org.sparsescope.compute.model.Hooks.builder().build();
                var greedy = org.sparsescope.compute.model.Generator.Sampling.greedy();
                org.sparsescope.compute.model.Generator.generate(lm, ids, tokens, greedy, none, true); // warm-up
                double[] cached = new double[repeats], full = new double[repeats];
                long[] a = null, b = null;
                for (int r = 0; r < repeats; r++) {
                    var c = org.sparsescope.compute.model.Generator.generate(lm, ids, tokens, greedy, none, true);
                    var f = org.sparsescope.compute.model.Generator.generate(lm, ids, tokens, greedy, none, false);
                    cached[r] = c.seconds();
                    full[r] = f.seconds();
                    a = c.tokens();
                    b = f.tokens();
                }
                java.util.Arrays.sort(cached);
                java.util.Arrays.sort(full);
                double mc = cached[repeats / 2], mf = full[repeats / 2];
                var out = spec.commandLine().getOut();
                out.printf(
                        java.util.Locale.ROOT,
                        "device: %s; %s; prompt %d tokens, %d generated, median of %d%n",
                        device(),
                        lm.dir(),
                        ids.length,
                        tokens,
                        repeats);
                out.printf(java.util.Locale.ROOT, "key/value cache      %.3f s  %7.1f tokens/s%n", mc, tokens / mc);
                out.printf(java.util.Locale.ROOT, "full recomputation   %.3f s  %7.1f tokens/s%n", mf, tokens / mf);
                out.printf(
                        java.util.Locale.ROOT,
                        "speed-up %.2f×; same tokens: %s%n",
                        mf / mc,
                        java.util.Arrays.equals(a, b));
                return 0;
            }
        }
    }

    @Command(
            name = "graph",
            mixinStandardHelpOptions = true,
            description = {
                "Time of a feature graph (the graph command's options; computed afresh, not from the cache), its forward rate in "
                        + "token-blocks/s, and, in the same run, bench lm's harvest path to the last dictionary's layer (window 128, 16 windows per pass) "
                        + "with the ratio of the two."
            })
    public static final class Graph extends GraphCommand {
        @Option(
                names = "--seconds",
                defaultValue = "5",
                description = "time of the harvest-path measurement (default ${DEFAULT-VALUE})")
        double seconds;

        @Override
        boolean benchmark() {
            return true;
        }

        @Override
        void report(
                LanguageModel lm,
                org.sparsescope.compute.circuits.FeatureGraph g,
                List<org.sparsescope.compute.circuits.FeatureGraphs.Link> chain) {
            org.sparsescope.compute.model.HookPoint last =
                    chain.get(chain.size() - 1).hook();
            int layer = last.isFinal() ? lm.config().nLayers() - 1 : last.layer();
            LmThroughput.Result harvest = LmThroughput.upToLayer(lm, layer, 128, 16, seconds);
            double harvestBlocks = harvest.tokensPerSecond() * (layer + 1);
            long passes = 0;
            for (var s : g.stages()) {
                passes += s.upstreamFeatures().length;
            }
            var out = spec.commandLine().getOut();
            out.printf(java.util.Locale.ROOT, "device: %s%n", device());
            out.printf(
                    java.util.Locale.ROOT,
                    "graph: %d stage(s), %d upstream features, %d windows × %d tokens: %.2f s (%.3f s per upstream feature)%n",
                    g.stages().size(),
                    passes,
                    g.windows(),
                    g.windowTokens(),
                    g.seconds(),
                    g.seconds() / passes);
            out.printf(
                    java.util.Locale.ROOT,
                    "graph forward rate      %12.0f token-blocks/s (%d token-blocks)%n",
                    g.tokenBlocksPerSecond(),
                    g.tokenBlocks());
            out.printf(
                    java.util.Locale.ROOT,
                    "harvest path to layer %d %12.0f token-blocks/s (%.0f tokens/s × %d blocks)%n",
                    layer,
                    harvestBlocks,
                    harvest.tokensPerSecond(),
                    layer + 1);
            out.printf(
                    java.util.Locale.ROOT,
                    "ratio graph / harvest path: %.2f%n",
                    g.tokenBlocksPerSecond() / harvestBlocks);
        }
    }

    @Command(
            name = "lm",
            mixinStandardHelpOptions = true,
            description =
                    "Forward throughput (tokens/s) of a model, full and up to one layer, with the float32 matmul GFLOP/s of the same run.")
    public static final class Lm implements Callable<Integer> {
        @Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Option(names = "--model", required = true, description = "Hugging Face model folder")
        Path model;

        @Option(names = "--window", defaultValue = "128", description = "tokens per window (default ${DEFAULT-VALUE})")
        int window;

        @Option(
                names = "--batch",
                defaultValue = "16",
                description = "windows per forward pass (default ${DEFAULT-VALUE})")
        int batch;

        @Option(
                names = "--layer",
                defaultValue = "2",
                description = "last layer of the harvest path (default ${DEFAULT-VALUE})")
        int layer;

        @Option(
                names = "--seconds",
                defaultValue = "5",
                description = "time per measurement (default ${DEFAULT-VALUE})")
        double seconds;

        @Option(names = "--json", description = "print the result as JSON")
        boolean json;

        @Option(
                names = "--peer",
                paramLabel = "SCRIPT",
                description = "also measure PyTorch eager on the same model (tools/families/peer_lm.py), alternating "
                        + "with ours round by round, and print our tokens/s as a ratio to PyTorch's in each round")
        Path peer;

        @Option(
                names = "--python",
                defaultValue = "python3",
                description = "the Python with PyTorch that runs --peer (default ${DEFAULT-VALUE})")
        String python;

        @Option(
                names = "--peer-dtype",
                defaultValue = "float32",
                description = "the precision PyTorch computes in with --peer: float32 or bfloat16 (default "
                        + "${DEFAULT-VALUE}); ours is the weights setting's (SPARSESCOPE_WEIGHTS)")
        String peerDtype;

        @Option(
                names = "--rounds",
                defaultValue = "3",
                description = "rounds with --peer, each measuring both paths on both sides (default ${DEFAULT-VALUE})")
        int rounds;

        @Override
        public Integer call() throws Exception {
            try (LanguageModel lm = ModelLoading.load(model)) {
                lm.hook("blocks." + layer + ".hook_resid_post");
                if (peer != null) {
                    return besidePeer(lm);
                }
                // The matmul rate is taken before and after the model runs; their mean is the yardstick.
                double matmulBefore = MatmulSpeed.gflopsPerSecond(15);
                LmThroughput.Result full = LmThroughput.fullForward(lm, window, batch, seconds);
                LmThroughput.Result harvest = LmThroughput.upToLayer(lm, layer, window, batch, seconds);
                double matmulAfter = MatmulSpeed.gflopsPerSecond(15);
                double matmul = (matmulBefore + matmulAfter) / 2;
                var out = spec.commandLine().getOut();
                if (json) {
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("device", device());
                    m.put("weights", weights(lm));
                    m.put("matmul_gflops", matmul);
                    for (LmThroughput.Result r : List.of(full, harvest)) {
                        Map<String, Object> e = new LinkedHashMap<>();
                        e.put("tokens_per_second", r.tokensPerSecond());
                        e.put("flops_per_token", r.flopsPerToken());
                        e.put("gflops", r.gflopsPerSecond());
                        e.put("ratio_to_matmul", r.gflopsPerSecond() / matmul);
                        m.put(r == full ? "full_forward" : "harvest_to_layer_" + layer, e);
                    }
                    m.put("peak_rss_gb", peakResidentGb());
                    out.println(Json.text(m));
                } else {
                    out.printf(
                            "device: %s, window %d, batch %d windows, weights %s%n",
                            device(), window, batch, weights(lm));
                    out.printf(
                            "float32 matmul %dx%d @ %dx%d: %.1f GFLOP/s (median before %.1f, after %.1f)%n",
                            MatmulSpeed.M,
                            MatmulSpeed.K,
                            MatmulSpeed.K,
                            MatmulSpeed.N,
                            matmul,
                            matmulBefore,
                            matmulAfter);
                    for (LmThroughput.Result r : List.of(full, harvest)) {
                        out.printf(
                                "%-44s %10.0f tokens/s  %7.1f GFLOP/s  = %.2f × matmul%n",
                                r.what(), r.tokensPerSecond(), r.gflopsPerSecond(), r.gflopsPerSecond() / matmul);
                    }
                    out.printf("peak resident memory of this process: %.2f GB%n", peakResidentGb());
                }
                return 0;
            }
        }

        /**
         * Rounds of ours and PyTorch's on each path, back to back; which side goes first alternates by round, so a
         * drift in the machine's speed favours neither. The figure that counts is the median of the rounds' ratios.
         */
        private int besidePeer(LanguageModel lm) throws Exception {
            var out = spec.commandLine().getOut();
            List<double[]> full = new ArrayList<>(); // {ours, pytorch} tokens/s per round
            List<double[]> harvest = new ArrayList<>();
            List<double[]> product = new ArrayList<>(); // {ours, pytorch} GFLOP/s per round
            // the product the model's MLP runs: every token of a batch through an up-projection
            int rows = window * batch,
                    width = lm.config().dModel(),
                    mlpWidth = lm.config().dMlp();
            double peerRss;
            PyTorchPeer.Ready ready;
            try (PyTorchPeer torch = PyTorchPeer.start(python, peer, peerDtype, model, window, batch, layer, seconds)) {
                ready = torch.ready();
                for (int r = 0; r < rounds; r++) {
                    boolean oursFirst = r % 2 == 0;
                    full.add(pair(
                            oursFirst,
                            () -> LmThroughput.fullForward(lm, window, batch, seconds)
                                    .tokensPerSecond(),
                            torch::fullForward));
                    harvest.add(pair(
                            !oursFirst,
                            () -> LmThroughput.upToLayer(lm, layer, window, batch, seconds)
                                    .tokensPerSecond(),
                            torch::harvestPath));
                    product.add(pair(
                            oursFirst,
                            () -> MatmulSpeed.gflopsPerSecond(lm.weightPrecision(), rows, width, mlpWidth, 15),
                            () -> torch.matmulGflops(rows, width, mlpWidth)));
                }
                peerRss = torch.quit();
            }
            double ourRss = peakResidentGb();
            String harvestName = "harvest_to_layer_" + layer;
            if (json) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("device", device());
                m.put("weights", weights(lm));
                m.put("pytorch", ready);
                m.put("full_forward", rounds(full, "tokens/s"));
                m.put(harvestName, rounds(harvest, "tokens/s"));
                Map<String, Object> p = rounds(product, "GFLOP/s");
                p.put("shape", List.of(rows, width, mlpWidth));
                m.put("product_gflops", p);
                m.put("peak_rss_gb", ourRss);
                m.put("pytorch_peak_rss_gb", peerRss);
                out.println(Json.text(m));
                return 0;
            }
            out.printf(
                    "device: %s, window %d, batch %d windows, weights %s; PyTorch %s eager in %s on %d threads%n",
                    device(), window, batch, weights(lm), ready.torch(), ready.dtype(), ready.threads());
            for (var path : List.of(
                    Map.entry("full forward to per-token loss, tokens/s", full),
                    Map.entry("forward to blocks." + layer + ".hook_resid_post (harvest path), tokens/s", harvest),
                    Map.entry(
                            String.format(
                                    "the engines' product [%d, %d] @ [%d, %d] (the MLP's; ours %s, PyTorch's %s), GFLOP/s",
                                    rows,
                                    width,
                                    width,
                                    mlpWidth,
                                    lm.weightPrecision().products(),
                                    ready.dtype()),
                            product))) {
                out.printf("%s (ours / PyTorch, round by round):%n", path.getKey());
                for (double[] r : path.getValue()) {
                    out.printf("    %8.1f / %8.1f  = %.2f×%n", r[0], r[1], r[0] / r[1]);
                }
                out.printf("    median ratio %.2f×%n", median(ratios(path.getValue())));
            }
            out.printf("peak resident memory: ours %.2f GB, PyTorch's %.2f GB%n", ourRss, peerRss);
            return 0;
        }

        private interface Rate {
            double tokensPerSecond() throws Exception;
        }

        private static double[] pair(boolean oursFirst, Rate ours, Rate pytorch) throws Exception {
            if (oursFirst) {
                double o = ours.tokensPerSecond();
                return new double[] {o, pytorch.tokensPerSecond()};
            }
            double p = pytorch.tokensPerSecond();
            return new double[] {ours.tokensPerSecond(), p};
        }

        private static Map<String, Object> rounds(List<double[]> rounds, String unit) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("unit", unit);
            m.put("ours", rounds.stream().map(r -> r[0]).toList());
            m.put("pytorch", rounds.stream().map(r -> r[1]).toList());
            m.put("ratios", ratios(rounds));
            m.put("median_ratio", median(ratios(rounds)));
            return m;
        }

        private static List<Double> ratios(List<double[]> rounds) {
            return rounds.stream().map(r -> r[0] / r[1]).toList();
        }

        private static double median(List<Double> values) {
            double[] v =
                    values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
            return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
        }

        private static String weights(LanguageModel lm) {
            return lm.weightPrecision().name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    @Command(
            name = "train",
            mixinStandardHelpOptions = true,
            description = {
                "Training throughput (tokens/s) of one dictionary and of a sweep trained together, with the float32 "
                        + "matmul GFLOP/s of the same run. FLOPs are counted as 6·d·n per token per dictionary.",
                "An activation set comes from e.g.: sparsescope harvest --model M --hook blocks.2.hook_resid_post "
                        + "--corpus C --tokens 500000 --shuffle --out DIR"
            })
    public static final class Train implements Callable<Integer> {
        @Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Option(names = "--activations", required = true, description = "activation set folder or file")
        Path activations;

        @Option(
                names = "--l1",
                split = ",",
                defaultValue = "5.012e-4,8.483e-4,1.436e-3,2.430e-3,4.114e-3,6.964e-3,1.179e-2,1.995e-2",
                description =
                        "the sweep's L1 coefficients; the first alone is the one-dictionary run (default: logspace(-3.3, -1.7, 8))")
        List<Double> l1;

        @Option(
                names = "--ratio",
                defaultValue = "4",
                description = "dictionary size as a multiple of d (default ${DEFAULT-VALUE})")
        int ratio;

        @Option(names = "--batch", defaultValue = "2048", description = "rows per step (default ${DEFAULT-VALUE})")
        int batch;

        @Option(
                names = "--epochs",
                defaultValue = "1",
                description = "passes over the set for each run (default ${DEFAULT-VALUE})")
        int epochs;

        @Option(names = "--json", description = "print the result as JSON")
        boolean json;

        @Override
        public Integer call() throws Exception {
            try (ActivationSet set = ActivationSet.open(activations)) {
                int n = ratio * set.d();
                List<SweepMember> sweep =
                        l1.stream().map(c -> SweepMember.l1(n, c)).toList();
                TrainOptions opts = TrainOptions.reference(0).withBatch(batch).withEpochs(epochs);
                Path work = Path.of(System.getProperty("java.io.tmpdir"));
                // The matmul rate is taken before, between and after the runs; their mean is the yardstick.
                List<Double> matmuls = new ArrayList<>();
                matmuls.add(MatmulSpeed.gflopsPerSecond(15));
                TrainThroughput.Result one = TrainThroughput.measure(
                        "one dictionary (l1 " + l1.get(0) + ")", set, sweep.subList(0, 1), opts, work);
                matmuls.add(MatmulSpeed.gflopsPerSecond(15));
                TrainThroughput.Result all =
                        TrainThroughput.measure(sweep.size() + "-dictionary sweep", set, sweep, opts, work);
                matmuls.add(MatmulSpeed.gflopsPerSecond(15));
                double matmul = matmuls.stream()
                        .mapToDouble(Double::doubleValue)
                        .average()
                        .orElseThrow();
                var out = spec.commandLine().getOut();
                if (json) {
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("device", device());
                    m.put("d", set.d());
                    m.put("n", n);
                    m.put("batch", batch);
                    m.put("matmul_gflops", matmul);
                    m.put("matmul_gflops_each", matmuls);
                    for (TrainThroughput.Result r : List.of(one, all)) {
                        Map<String, Object> e = new LinkedHashMap<>();
                        e.put("dictionaries", r.dictionaries());
                        e.put("steps", r.steps());
                        e.put("tokens_per_second", r.tokensPerSecond());
                        e.put("flops_per_token", r.flopsPerToken());
                        e.put("gflops", r.gflopsPerSecond());
                        e.put("ratio_to_matmul", r.gflopsPerSecond() / matmul);
                        m.put(r == one ? "one_dictionary" : "sweep", e);
                    }
                    out.println(Json.text(m));
                } else {
                    out.printf(
                            "device: %s, d %d, n %d, batch %d, %d epoch(s) of %d rows%n",
                            device(), set.d(), n, batch, epochs, set.rows());
                    out.printf(
                            "float32 matmul %dx%d @ %dx%d: %.1f GFLOP/s (mean of %s)%n",
                            MatmulSpeed.M,
                            MatmulSpeed.K,
                            MatmulSpeed.K,
                            MatmulSpeed.N,
                            matmul,
                            matmuls.stream().map(v -> String.format("%.1f", v)).toList());
                    for (TrainThroughput.Result r : List.of(one, all)) {
                        out.printf(
                                "%-36s %9.0f tokens/s  %7.1f GFLOP/s (6·d·n)  = %.2f × matmul%n",
                                r.what(), r.tokensPerSecond(), r.gflopsPerSecond(), r.gflopsPerSecond() / matmul);
                    }
                }
                return 0;
            }
        }
    }

    /**
     * This process's peak resident memory (Linux's VmHWM) in GB of 10⁹ bytes, or NaN where the system does not say;
     * read here rather than by {@code time -v}, which would also count a PyTorch peer started beside it.
     */
    static double peakResidentGb() {
        try {
            for (String line : java.nio.file.Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("\\D", "")) * 1024 / 1e9;
                }
            }
        } catch (java.io.IOException | NumberFormatException e) {
            org.slf4j.LoggerFactory.getLogger(BenchCommand.class).warn("could not read this process's peak memory", e);
        }
        return Double.NaN;
    }

    /** The device line of every bench: where compute runs, and the C heap its CPU arrays come from. */
    private static String device() {
        return Devices.describe() + "; " + org.sparsescope.compute.NativeHeap.describe();
    }
}
