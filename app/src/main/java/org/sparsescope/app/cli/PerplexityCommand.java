package org.sparsescope.app.cli;

import com.google.gson.GsonBuilder;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.sparsescope.compute.model.LanguageModel;
import org.sparsescope.compute.model.Perplexity;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "perplexity", mixinStandardHelpOptions = true,
        description = "Mean next-token cross-entropy and perplexity of a model over consecutive windows of a text.")
public final class PerplexityCommand implements Callable<Integer> {
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--model", required = true, description = "Hugging Face model folder (config.json, model.safetensors, tokenizer.json)")
    Path model;

    @Option(names = "--text", required = true, description = "UTF-8 text file; encoded whole, then cut into windows")
    Path text;

    @Option(names = "--window", defaultValue = "128", description = "tokens per window (default ${DEFAULT-VALUE})")
    int window;

    @Option(names = "--windows", defaultValue = "64", description = "number of windows from the start of the text (default ${DEFAULT-VALUE})")
    int windows;

    @Option(names = "--json", description = "print the result as JSON")
    boolean json;

    @Override
    public Integer call() throws Exception {
        String content = TextFiles.read(text);
        try (LanguageModel lm = LanguageModel.load(model)) {
            long t0 = System.nanoTime();
            Perplexity p = Perplexity.of(lm, content, window, windows);
            double seconds = (System.nanoTime() - t0) / 1e9;
            var out = spec.commandLine().getOut();
            if (json) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("model", model.toString());
                m.put("text", text.toString());
                m.put("window", p.window());
                m.put("windows", p.windows());
                m.put("targets", p.targets());
                m.put("mean_cross_entropy", p.meanCrossEntropy());
                m.put("perplexity", p.perplexity());
                m.put("seconds", seconds);
                out.println(new GsonBuilder().setPrettyPrinting().serializeSpecialFloatingPointValues().create().toJson(m));
            } else {
                out.printf("windows            %d × %d tokens (%d targets)%n", p.windows(), p.window(), p.targets());
                out.printf("mean cross-entropy %.6f nats/token%n", p.meanCrossEntropy());
                out.printf("perplexity         %.4f%n", p.perplexity());
                out.printf("time               %.2f s on %s%n", seconds, lm.device());
            }
            return 0;
        }
    }
}
