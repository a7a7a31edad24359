package org.sparsescope.compute.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.Random;
import org.sparsescope.compute.model.ForwardPass;
import org.sparsescope.compute.model.HookPoint;
import org.sparsescope.compute.model.Hooks;
import org.sparsescope.compute.model.LanguageModel;
import org.sparsescope.compute.model.TransformerConfig;

/** Forward-pass throughput of a model: the full pass with logits, and the harvest path that stops after a layer. */
public final class LmThroughput {
    private LmThroughput() {}

    /**
     * @param flopsPerToken 2 × the parameters of the layers run (blocks, plus the unembedding for a full pass)
     */
    public record Result(String what, double tokensPerSecond, double flopsPerToken) {
        public double gflopsPerSecond() {
            return tokensPerSecond * flopsPerToken / 1e9;
        }
    }

    /** Full forward to logits and per-token loss, over batches of {@code batch} random windows of {@code window} tokens. */
    public static Result fullForward(LanguageModel model, int window, int batch, double seconds) {
        TransformerConfig c = model.config();
        double flops = 2.0 * (c.nLayers() * c.blockParams() + (long) c.vocabSize() * c.dModel());
        return new Result(
                "full forward to per-token loss",
                measure(model, window, batch, seconds, Hooks.logitsOnly(), null),
                flops);
    }

    /** The harvest path: run up to {@code layer} and read its hook_resid_post back to the host. */
    public static Result upToLayer(LanguageModel model, int layer, int window, int batch, double seconds) {
        TransformerConfig c = model.config();
        HookPoint hook = HookPoint.of(layer, HookPoint.Kind.RESID_POST);
        double flops = 2.0 * (layer + 1) * c.blockParams();
        return new Result(
                "forward to " + hook + " (harvest path)",
                measure(
                        model,
                        window,
                        batch,
                        seconds,
                        Hooks.builder().capture(hook).build(),
                        hook),
                flops);
    }

    private static double measure(
            LanguageModel model, int window, int batch, double seconds, Hooks hooks, HookPoint readBack) {
        Random rnd = new Random(0);
        long[][] ids = new long[batch][window];
        for (long[] row : ids) {
            for (int t = 0; t < window; t++) {
                row[t] = rnd.nextInt(model.config().vocabSize());
            }
        }
        runOnce(model, ids, hooks, readBack); // warm-up
        runOnce(model, ids, hooks, readBack);
        long tokens = 0;
        long t0 = System.nanoTime();
        do {
            runOnce(model, ids, hooks, readBack);
            tokens += (long) batch * window;
        } while ((System.nanoTime() - t0) / 1e9 < seconds);
        return tokens / ((System.nanoTime() - t0) / 1e9);
    }

    private static void runOnce(LanguageModel model, long[][] windows, Hooks hooks, HookPoint readBack) {
        try (NDManager scope = model.newScope()) {
            NDArray ids = model.idsArray(scope, windows);
            ForwardPass pass = model.run(ids, hooks);
            // What reaches the host is what real use reads: per-token losses (perplexity, ablation) or the hook
            // (harvest).
            NDArray out = readBack == null
                    ? LanguageModel.tokenLoss(pass.logits(), ids)
                    : pass.captures().get(readBack);
            out.toFloatArray();
        }
    }
}
