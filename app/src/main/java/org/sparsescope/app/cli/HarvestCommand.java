package org.sparsescope.app.cli;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.sparsescope.compute.activations.ActivationSet;
import org.sparsescope.compute.activations.Corpus;
import org.sparsescope.compute.activations.HarvestOptions;
import org.sparsescope.compute.activations.Harvester;
import org.sparsescope.compute.bench.MatmulSpeed;
import org.sparsescope.compute.model.LanguageModel;
import org.sparsescope.compute.tensor.DType;
import org.sparsescope.compute.work.Cancellation;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
        name = "harvest",
        mixinStandardHelpOptions = true,
        description = {
            "Run a model over a corpus as far as one hook and store the activations there as a chunked activation set.",
            "Re-running the same command on an unfinished set resumes it."
        })
public final class HarvestCommand implements Callable<Integer> {
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--model", required = true, description = "Hugging Face model folder")
    Path model;

    @Option(
            names = "--hook",
            required = true,
            description = "hook point: TransformerLens's name (blocks.2.hook_resid_post) or a Hugging Face module path"
                    + " (model.layers.2)")
    String hook;

    @Option(
            names = "--corpus",
            required = true,
            description =
                    "a .txt file (documents separated by the line <|endoftext|>), a .jsonl file with a text field, either .xz, a Parquet "
                            + "file with a text column (the Hugging Face hub's dataset format), or a folder of them")
    Path corpus;

    @Option(names = "--tokens", required = true, description = "activations to harvest (rounded up to whole windows)")
    long tokens;

    @Option(
            names = "--out",
            required = true,
            description = "folder of the activation set (new, empty, or an unfinished set to resume)")
    Path out;

    @Option(names = "--window", defaultValue = "128", description = "tokens per window (default ${DEFAULT-VALUE})")
    int window;

    @Option(
            names = "--dtype",
            defaultValue = "f16",
            description = "storage type, f16 or f32 (default ${DEFAULT-VALUE})")
    String dtype;

    @Option(
            names = "--rows-per-chunk",
            defaultValue = "0",
            description = "rows per chunk file, a multiple of the window (default: about 64 MiB)")
    int rowsPerChunk;

    @Option(names = "--batch", defaultValue = "16", description = "windows per forward pass (default ${DEFAULT-VALUE})")
    int batch;

    @Option(names = "--shuffle", description = "draw windows from the whole corpus in a seeded random order")
    boolean shuffle;

    @Option(names = "--seed", defaultValue = "0", description = "seed of --shuffle (default ${DEFAULT-VALUE})")
    long seed;

    @Option(
            names = "--document-starts",
            description = "one window at the start of each long-enough document instead of packing")
    boolean documentStarts;

    @Option(
            names = "--prepend-bos",
            description = "each window is the model's BOS token, then window - 1 corpus tokens (SAELens's prepend_bos)")
    boolean prependBos;

    @Option(names = "--json", description = "print the result as JSON")
    boolean json;

    @Override
    public Integer call() throws Exception {
        DType storage = switch (dtype.toLowerCase(java.util.Locale.ROOT)) {
            case "f16", "float16", "fp16" -> DType.F16;
            case "f32", "float32", "fp32" -> DType.F32;
            default -> throw new IllegalArgumentException("--dtype must be f16 or f32, not " + dtype);
        };
        HarvestOptions opts = HarvestOptions.of(tokens, window)
                .withDtype(storage)
                .withRowsPerChunk(rowsPerChunk)
                .withBatchWindows(batch);
        if (shuffle) {
            opts = opts.shuffled(seed);
        }
        if (prependBos) {
            opts = opts.withPrependBos(true);
        }
        if (documentStarts) {
            opts = opts.atDocumentStarts();
        }
        Corpus text = Corpus.open(corpus);
        try (LanguageModel lm = ModelLoading.load(model)) {
            double matmulBefore = MatmulSpeed.gflopsPerSecond(15);
            Cancellation cancel = new Cancellation();
            Thread hookThread = new Thread(cancel::cancel);
            Runtime.getRuntime().addShutdownHook(hookThread); // Ctrl-C stops at a chunk boundary
            TerminalProgress bar = new TerminalProgress(spec.commandLine().getErr());
            Harvester.Result r = new Harvester(lm).harvest(lm.hook(hook), text, out, opts, bar, cancel);
            bar.done();
            Runtime.getRuntime().removeShutdownHook(hookThread);
            // the yardstick: the mean of the matmul rate just before and just after the harvest
            double matmul = (matmulBefore + MatmulSpeed.gflopsPerSecond(15)) / 2;
            double flopsPerToken =
                    2.0 * (lm.hook(hook).layer() + 1) * lm.config().blockParams();
            try (ActivationSet set = ActivationSet.open(out)) {
                var o = spec.commandLine().getOut();
                if (json) {
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("set", out.toString());
                    m.put("rows", set.rows());
                    m.put("d", set.d());
                    m.put("chunks", set.chunkCount());
                    m.put("products", set.manifest().productPrecision());
                    m.put("rows_written", r.rowsWritten());
                    m.put("seconds", r.seconds());
                    m.put("tokens_per_second", r.tokensPerSecond());
                    m.put("gflops", r.tokensPerSecond() * flopsPerToken / 1e9);
                    m.put("matmul_gflops", matmul);
                    o.println(Json.text(m));
                } else {
                    o.printf(
                            "activation set %s: %d rows × d=%d in %d chunks (%s), computed with %s products%n",
                            out,
                            set.rows(),
                            set.d(),
                            set.chunkCount(),
                            set.dtype(),
                            set.manifest().productPrecision());
                    if (r.rowsWritten() == 0) {
                        o.println("already complete: nothing was harvested");
                    } else {
                        o.printf(
                                "harvested %d tokens in %.1f s: %,.0f tokens/s = %.1f GFLOP/s; matmul %.1f GFLOP/s (ratio %.2f)%n",
                                r.rowsWritten(),
                                r.seconds(),
                                r.tokensPerSecond(),
                                r.tokensPerSecond() * flopsPerToken / 1e9,
                                matmul,
                                r.tokensPerSecond() * flopsPerToken / 1e9 / matmul);
                    }
                }
            }
            return 0;
        }
    }
}
