package org.sparsescope.app.cli;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.sparsescope.compute.model.LanguageModel;
import org.sparsescope.compute.model.Perplexity;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
        name = "perplexity",
        mixinStandardHelpOptions = true,
        description = "Mean next-token cross-entropy and perplexity of a model over consecutive windows of a text.")
public final class PerplexityCommand implements Callable<Integer> {
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(
            names = "--model",
            required = true,
            description = "Hugging Face model folder (config.json, model.safetensors, tokenizer.json)")
    Path model;

    @picocli.CommandLine.Mixin
    TextWindows text = new TextWindows();

    @Option(names = "--json", description = "print the result as JSON")
    boolean json;

    @Override
    public Integer call() throws Exception {
        try (LanguageModel lm = ModelLoading.load(model)) {
            long t0 = System.nanoTime();
            long[][] windows = text.cut(lm);
            Perplexity p = Perplexity.of(
                    lm.tokenLosses(windows, org.sparsescope.compute.model.Hooks.logitsOnly(), Perplexity.BATCH_WINDOWS),
                    text.window);
            double seconds = (System.nanoTime() - t0) / 1e9;
            var out = spec.commandLine().getOut();
            if (json) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("model", model.toString());
                m.put("text", text.text.toString());
                m.put("window", p.window());
                m.put("windows", p.windows());
                m.put("targets", p.targets());
                m.put("mean_cross_entropy", p.meanCrossEntropy());
                m.put("perplexity", p.perplexity());
                m.put("seconds", seconds);
                out.println(Json.text(m));
            } else {
                out.printf("windows            %d × %d tokens (%d targets)%n", p.windows(), p.window(), p.targets());
                out.printf("mean cross-entropy %.6f nats/token%n", p.meanCrossEntropy());
                out.printf("perplexity         %.4f%n", p.perplexity());
                out.printf("time               %.2f s on %s%n", seconds, lm.deviceName());
            }
            return 0;
        }
    }
}
