package org.sparsescope.app.cli;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.sparsescope.compute.activations.ActivationSet;
import org.sparsescope.compute.autointerp.AutointerpRun;
import org.sparsescope.compute.autointerp.ChatClient;
import org.sparsescope.compute.autointerp.FeatureInterpreter;
import org.sparsescope.compute.autointerp.OpenAiCompatibleClient;
import org.sparsescope.compute.autointerp.ScoreMetrics;
import org.sparsescope.compute.chat.LocalChatModel;
import org.sparsescope.compute.dictionary.Dictionary;
import org.sparsescope.compute.dictionary.DictionaryOnDevice;
import org.sparsescope.compute.model.LanguageModel;
import org.sparsescope.compute.stats.BasisBaseline;
import org.sparsescope.compute.stats.FeatureAnalysis;
import org.sparsescope.compute.stats.FeatureReport;
import org.sparsescope.compute.work.Cancellation;
import org.sparsescope.compute.workspace.Evaluation;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
        name = "autointerp",
        mixinStandardHelpOptions = true,
        description = {
            "Explain features with a language model and score the explanations (delphi's recipe: explain from marked "
                    + "examples; detection and fuzzing on held-out ones against non-activating ones), through any "
                    + "OpenAI-compatible server (Ollama, llama-server, vLLM, LM Studio). Results are stored in the "
                    + "workspace per dictionary content, explainer, prompt version and sampling, and reused: a killed "
                    + "run resumes."
        })
public final class AutointerpCommand implements Callable<Integer> {
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Mixin
    DictionaryInWorkspace target = new DictionaryInWorkspace();

    @Option(
            names = "--server",
            defaultValue = "http://127.0.0.1:11434/v1",
            description = "base URL of the OpenAI-compatible server (default ${DEFAULT-VALUE}, Ollama's)")
    URI server;

    @Option(names = "--explainer", description = "the model name the server knows, e.g. qwen2.5:7b")
    String explainer;

    @Option(
            names = "--local-model",
            description =
                    "an instruct model folder the app runs itself (in-process, offline; its chat template, greedy "
                            + "decoding with the KV cache, log-probabilities) instead of a server")
    Path localModel;

    @Option(
            names = "--baseline",
            description = "explain a baseline at the dictionary's hook instead of the dictionary: neurons (each basis "
                    + "dimension, its positive side about the mean) or random (the frontier's random directions)")
    String baseline;

    @Option(
            names = "--api-key-env",
            defaultValue = "SPARSESCOPE_API_KEY",
            description =
                    "environment variable holding the API key, if the server needs one (default ${DEFAULT-VALUE}); "
                            + "the key is never written anywhere")
    String apiKeyEnv;

    static final class Which {
        @Option(names = "--features", split = ",", description = "these features, e.g. 12,40")
        int[] features;

        @Option(names = "--random", description = "N features chosen at random among those that fire (seeded)")
        Integer random;

        @Option(names = "--all", description = "every feature that fires")
        boolean all;
    }

    @ArgGroup(exclusive = true, multiplicity = "1")
    Which which;

    @Option(
            names = "--seed",
            defaultValue = "0",
            description = "seed of the choice and the examples (default ${DEFAULT-VALUE})")
    long seed;

    @Option(
            names = "--sampling",
            defaultValue = "top-random",
            description =
                    "the explainer's examples: top, random (across quantile bands) or top-random (default ${DEFAULT-VALUE})")
    String sampling;

    @Option(
            names = "--examples",
            defaultValue = "40",
            description = "examples shown to the explainer (default ${DEFAULT-VALUE})")
    int examples;

    @Option(names = "--concurrency", defaultValue = "4", description = "requests at once (default ${DEFAULT-VALUE})")
    int concurrency;

    @Option(names = "--timeout", defaultValue = "120", description = "seconds per request (default ${DEFAULT-VALUE})")
    int timeoutSeconds;

    @Option(names = "--no-logprobs", description = "do not ask for log-probabilities (no ROC-AUC)")
    boolean noLogprobs;

    @Option(names = "--json", description = "print the results as JSON")
    boolean json;

    @Override
    public Integer call() throws Exception {
        if ((explainer == null) == (localModel == null)) {
            throw new picocli.CommandLine.ParameterException(
                    spec.commandLine(), "give --explainer (a server's model) or --local-model (a model folder)");
        }
        String baselineKind = baseline == null
                ? null
                : switch (baseline) {
                    case "neurons" -> BasisBaseline.NEURONS;
                    case "random" -> BasisBaseline.RANDOM;
                    default ->
                        throw new picocli.CommandLine.ParameterException(
                                spec.commandLine(), "--baseline is neurons or random, not " + baseline);
                };
        FeatureInterpreter.Sampling s;
        try {
            s = FeatureInterpreter.Sampling.valueOf(
                    sampling.toUpperCase(Locale.ROOT).replace('-', '_'));
        } catch (IllegalArgumentException e) {
            throw new picocli.CommandLine.ParameterException(
                    spec.commandLine(), "--sampling is top, random or top-random, not " + sampling);
        }
        var d = FeatureInterpreter.Options.defaults();
        var options = new FeatureInterpreter.Options(
                examples,
                d.perPrompt(),
                d.activating(),
                d.nonActivating(),
                s,
                seed,
                !noLogprobs,
                d.tokensBefore(),
                d.tokensAfter());
        var err = spec.commandLine().getErr();
        AutointerpRun.Summary summary;
        int[] features;
        try (ActivationSet set = ActivationSet.open(target.activations(err));
                LanguageModel explainerModel = localModel != null ? ModelLoading.load(localModel, System.err) : null) {
            ChatClient client = explainerModel != null
                    ? LocalChatModel.of(explainerModel)
                    : new OpenAiCompatibleClient(new OpenAiCompatibleClient.Settings(
                            server,
                            explainer,
                            System.getenv(apiKeyEnv),
                            concurrency,
                            Duration.ofSeconds(timeoutSeconds),
                            3,
                            Duration.ofSeconds(1)));
            explainer = client.modelName();
            Dictionary explained = target.dictionary();
            FeatureReport report;
            String hash;
            if (baselineKind != null) {
                long heldOut = Evaluation.heldOutRows(set.rows());
                explained = BasisBaseline.asDictionary(
                        baselineKind, set, heldOut, BasisBaseline.SEED, explained.info(), new Cancellation());
                report = FeatureAnalysis.run(
                        explained,
                        set,
                        0,
                        set.rows(),
                        FeatureAnalysis.Options.defaults(),
                        new TerminalProgress(err),
                        new Cancellation());
                hash = AutointerpRun.baselineHash(
                        baselineKind,
                        target.placement().provenance().model(),
                        target.placement().provenance().hook());
            } else {
                report = target.report(set, err);
                hash = target.workspace().cache().dictionaryHash(target.dict);
            }
            features = choose(report);
            AutointerpRun run = new AutointerpRun(target.workspace().dir(), hash, client.modelName(), options);
            try (LanguageModel lm = target.loadModel();
                    DictionaryOnDevice onDevice = DictionaryOnDevice.beside(explained, lm)) {
                TerminalProgress progress = new TerminalProgress(err);
                summary = run.run(
                        client,
                        set,
                        onDevice,
                        lm.tokenizer(),
                        report,
                        features,
                        options,
                        explainerModel != null ? 1 : Math.max(1, concurrency),
                        progress,
                        new Cancellation());
                progress.done();
            }
            print(summary, run);
        }
        return 0;
    }

    /** The features asked for; random and all take those that fire (a dead feature has nothing to explain). */
    private int[] choose(FeatureReport report) {
        double[] density = report.column(FeatureReport.Column.DENSITY);
        if (which.features != null) {
            for (int f : which.features) {
                if (f < 0 || f >= density.length) {
                    throw new IllegalArgumentException("feature " + f + " is outside 0 … " + (density.length - 1));
                }
            }
            return which.features;
        }
        return which.all ? AutointerpRun.firing(report) : AutointerpRun.atRandom(report, which.random, seed);
    }

    private void print(AutointerpRun.Summary s, AutointerpRun run) {
        var o = spec.commandLine().getOut();
        AutointerpRun.Scores scores =
                AutointerpRun.Scores.of(explainer, run.dir().getFileName().toString(), s.results());
        long unexplained = scores.features() - scores.explained();
        if (json) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("explainer", explainer);
            m.put("explained", baseline == null ? target.dict.toString() : "baseline " + baseline);
            m.put("stored_in", run.dir().toString());
            m.put("features", s.results().size());
            m.put("reused", s.reused());
            m.put("unexplained", unexplained);
            m.put("detection_mean", scores.detectionMean());
            m.put("detection_std", scores.detectionStd());
            m.put("fuzzing_mean", scores.fuzzingMean());
            m.put("fuzzing_std", scores.fuzzingStd());
            m.put("prompt_tokens", s.promptTokens());
            m.put("completion_tokens", s.completionTokens());
            m.put("seconds", s.seconds());
            m.put("features_per_minute", s.featuresPerMinute());
            List<Map<String, Object>> rows = new ArrayList<>();
            for (var r : s.results()) {
                Map<String, Object> e = new LinkedHashMap<>();
                e.put("feature", r.feature());
                e.put("explanation", r.explanation());
                e.put("detection", metrics(r.detection()));
                e.put("fuzzing", metrics(r.fuzzing()));
                rows.add(e);
            }
            m.put("results", rows);
            Json.print(o, m);
            return;
        }
        o.printf(Locale.ROOT, "%8s  %9s  %9s  %s%n", "feature", "detection", "fuzzing", "explanation");
        for (var r : s.results()) {
            o.printf(
                    Locale.ROOT,
                    "%8d  %9s  %9s  %s%n",
                    r.feature(),
                    r.detection() == null
                            ? "–"
                            : String.format(Locale.ROOT, "%.3f", r.detection().balancedAccuracy()),
                    r.fuzzing() == null
                            ? "–"
                            : String.format(Locale.ROOT, "%.3f", r.fuzzing().balancedAccuracy()),
                    r.explanation() == null
                            ? "(no explanation: " + r.exchanges().get(0).failure() + ")"
                            : r.explanation());
        }
        o.printf(
                Locale.ROOT,
                "balanced accuracy: detection %s, fuzzing %s over %d features (%d unexplained); %d reused from %s%n",
                scores.words(true),
                scores.words(false),
                s.results().size(),
                unexplained,
                s.reused(),
                run.dir());
        o.printf(
                Locale.ROOT,
                "%,d prompt + %,d completion tokens, %.1f s (%.1f features/min)%n",
                s.promptTokens(),
                s.completionTokens(),
                s.seconds(),
                s.featuresPerMinute());
    }

    private static Map<String, Object> metrics(ScoreMetrics m) {
        if (m == null) {
            return null;
        }
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("balanced_accuracy", m.balancedAccuracy());
        e.put("precision", m.precision());
        e.put("recall", m.recall());
        e.put("f1", m.f1());
        e.put("roc_auc", Double.isNaN(m.rocAuc()) ? null : m.rocAuc());
        e.put("failed", m.failed());
        return e;
    }
}
