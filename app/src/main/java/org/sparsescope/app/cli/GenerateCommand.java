package org.sparsescope.app.cli;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.sparsescope.compute.intervene.Intervention;
import org.sparsescope.compute.intervene.Interventions;
import org.sparsescope.compute.model.Generator;
import org.sparsescope.compute.model.Hooks;
import org.sparsescope.compute.model.LanguageModel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
        name = "generate",
        mixinStandardHelpOptions = true,
        description = {
            "Continue a prompt, greedily or sampled at a temperature from a seed; with --dict and --steer or --clamp, the steered "
                    + "continuation beside the unsteered one from the same seed. Incremental decoding with a key/value cache.",
            "--steer 12:4.0,40:-2.0 adds 4.0·W_dec[12] − 2.0·W_dec[40] at every position of the dictionary's hook (SAELens's steering; with "
                    + "--steer-relative each α multiplies ‖x‖ at the position and the unit decoder direction); --clamp 12:5.0 sets feature 12's "
                    + "code to 5.0 at every position, the SAE error kept."
        })
public final class GenerateCommand implements Callable<Integer> {
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--model", description = "model folder (default: the dictionary's model; required without --dict)")
    Path model;

    @Option(names = "--prompt", required = true, description = "the text to continue")
    String prompt;

    @Option(names = "--tokens", defaultValue = "40", description = "tokens to generate (default ${DEFAULT-VALUE})")
    int tokens;

    @Option(
            names = "--temperature",
            defaultValue = "0",
            description = "0: greedy (default); else sample from softmax(logits / T)")
    double temperature;

    @Option(
            names = "--seed",
            defaultValue = "0",
            description = "seed of the sampling (default ${DEFAULT-VALUE}); both continuations use it")
    long seed;

    @Option(
            names = "--dict",
            description = "dictionary whose features --steer or --clamp name (at its own hook of its own model)")
    Path dict;

    @Option(names = "--steer", description = "feature:α pairs, e.g. 12:4.0,40:-2.0")
    String steer;

    @Option(
            names = "--steer-relative",
            description = "α multiplies ‖x‖ at each position and the unit decoder direction")
    boolean steerRelative;

    @Option(names = "--clamp", description = "feature:value pairs, e.g. 12:5.0")
    String clamp;

    @Option(
            names = "--no-cache",
            description = "recompute the whole sequence at every step (the check of the cache; slower)")
    boolean noCache;

    @Option(
            names = "--workspace",
            description = "workspace (default: $SPARSESCOPE_WORKSPACE, else the user data directory)")
    Path workspaceDir;

    @Option(names = "--json", description = "print the result as JSON")
    boolean json;

    @Override
    public Integer call() throws Exception {
        if ((steer != null || clamp != null) && dict == null) {
            throw new IllegalArgumentException("--steer and --clamp name features of a dictionary: give --dict");
        }
        if (steer != null && clamp != null) {
            throw new IllegalArgumentException("give --steer or --clamp, not both");
        }
        if (dict == null && model == null) {
            throw new IllegalArgumentException("give --model (or --dict, whose model is used)");
        }
        Generator.Sampling sampling = new Generator.Sampling(temperature, seed);
        DictionaryInWorkspace target = null;
        if (dict != null) {
            target = DictionaryInWorkspace.of(dict, model, workspaceDir, 200_000);
        }
        try (LanguageModel lm = target != null ? target.loadModel() : ModelLoading.load(model)) {
            long[] ids = lm.tokenizer().encode(prompt);
            Generator.Result clean = Generator.generate(
                    lm, ids, tokens, sampling, Hooks.builder().build(), !noCache);
            Generator.Result steered = null;
            Intervention how = null;
            if (target != null && (steer != null || clamp != null)) {
                how = steer != null
                        ? Intervention.steer(
                                steer,
                                steerRelative
                                        ? Intervention.SteerUnits.NORM_RELATIVE
                                        : Intervention.SteerUnits.ABSOLUTE)
                        : Intervention.clamp(clamp);
                try (Interventions iv = new Interventions(
                        lm, target.dictionary(), target.placement().at().hook())) {
                    steered = Generator.generate(lm, ids, tokens, sampling, iv.replacing(how), !noCache);
                }
            }
            var out = spec.commandLine().getOut();
            if (json) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("model", lm.dir().toString());
                m.put("prompt", prompt);
                m.put("prompt_tokens", ids.length);
                m.put("temperature", temperature);
                m.put("seed", seed);
                m.put("cache", !noCache);
                m.put("clean_tokens", clean.tokens());
                m.put("clean_text", lm.tokenizer().decode(clean.tokens()));
                m.put("clean_tokens_per_second", clean.tokensPerSecond());
                if (steered != null) {
                    m.put("hook", target.placement().at().hook());
                    m.put("intervention", how.describe());
                    m.put("steered_tokens", steered.tokens());
                    m.put("steered_text", lm.tokenizer().decode(steered.tokens()));
                    m.put("steered_tokens_per_second", steered.tokensPerSecond());
                }
                Json.print(out, m);
                return 0;
            }
            out.printf(
                    Locale.ROOT,
                    "%s, %s, %d tokens after a prompt of %d%s%n",
                    lm.dir(),
                    sampling.isGreedy() ? "greedy" : "temperature " + temperature + ", seed " + seed,
                    tokens,
                    ids.length,
                    noCache ? " (recomputed each step)" : " (key/value cache)");
            out.printf(
                    Locale.ROOT,
                    "clean   (%.0f tokens/s): %s%s%n",
                    clean.tokensPerSecond(),
                    prompt,
                    AblateCommand.printable(lm.tokenizer().decode(clean.tokens())));
            if (steered != null) {
                out.printf(
                        Locale.ROOT,
                        "steered (%.0f tokens/s, %s at %s): %s%s%n",
                        steered.tokensPerSecond(),
                        how.describe(),
                        target.placement().at().hook(),
                        prompt,
                        AblateCommand.printable(lm.tokenizer().decode(steered.tokens())));
            }
            return 0;
        }
    }
}
