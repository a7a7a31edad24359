package org.sparsescope.compute.autointerp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.sparsescope.compute.Reference;
import org.sparsescope.compute.activations.ActivationSet;
import org.sparsescope.compute.activations.Corpus;
import org.sparsescope.compute.activations.HarvestOptions;
import org.sparsescope.compute.activations.Harvester;
import org.sparsescope.compute.dictionary.Dictionary;
import org.sparsescope.compute.dictionary.DictionaryFiles;
import org.sparsescope.compute.dictionary.DictionaryOnDevice;
import org.sparsescope.compute.model.HookPoint;
import org.sparsescope.compute.model.LanguageModel;
import org.sparsescope.compute.stats.ExampleContext;
import org.sparsescope.compute.stats.FeatureAnalysis;
import org.sparsescope.compute.stats.FeatureReport;
import org.sparsescope.compute.work.Cancellation;
import org.sparsescope.compute.work.ProgressListener;

/**
 * The recipe's plumbing on the reference world with scripted explainers: held-out examples never shown to the
 * explainer, labels kept with their examples through shuffling and batching (an oracle scores 1, a contrarian 0),
 * failed answers counted, a dead server named with its feature.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FeatureInterpreterTest {
    LanguageModel model;
    ActivationSet set;
    Dictionary dictionary;
    DictionaryOnDevice onDevice;
    FeatureReport report;
    int feature;

    @BeforeAll
    void load(@TempDir Path dir) throws Exception {
        model = LanguageModel.load(Reference.path("model"));
        dictionary = DictionaryFiles.read(Reference.path("saes/l1_4.11e-03"));
        new Harvester(model)
                .harvest(
                        HookPoint.parse("blocks.2.hook_resid_post"),
                        Corpus.open(Reference.path("corpus/test.txt")),
                        dir.resolve("set"),
                        HarvestOptions.of(64 * 128, 128),
                        ProgressListener.NONE,
                        Cancellation.none());
        set = ActivationSet.open(dir.resolve("set"));
        report = FeatureAnalysis.run(
                dictionary,
                set,
                0,
                set.rows(),
                FeatureAnalysis.Options.defaults(),
                ProgressListener.NONE,
                Cancellation.none());
        onDevice = new DictionaryOnDevice(dictionary, model.device());
        // a feature that fires often enough to have held-out examples
        double[] density = report.column(FeatureReport.Column.DENSITY);
        int best = 0;
        for (int j = 0; j < density.length; j++) {
            if (Math.abs(density[j] - 0.05) < Math.abs(density[best] - 0.05)) {
                best = j;
            }
        }
        feature = best;
    }

    @AfterAll
    void close() throws Exception {
        onDevice.close();
        set.close();
        model.close();
    }

    FeatureInterpreter.Options options() {
        return new FeatureInterpreter.Options(10, 5, 10, 10, FeatureInterpreter.Sampling.TOP_RANDOM, 3, false, 24, 7);
    }

    @Test
    void heldOutExamplesAreNeverTheExplainersAndQuietOnesAreQuiet() throws Exception {
        var ex = FeatureInterpreter.examples(set, onDevice, model.tokenizer(), report, feature, options());
        assertEquals(10, ex.forExplaining().size());
        assertEquals(10, ex.activating().size());
        assertEquals(10, ex.nonActivating().size());
        Set<Long> shown = new HashSet<>();
        ex.forExplaining().forEach(c -> shown.add(c.row()));
        for (ExampleContext c : ex.activating()) {
            assertFalse(shown.contains(c.row()), "row " + c.row() + " was shown to the explainer");
            assertTrue(c.activations()[c.position()] > 0);
        }
        for (ExampleContext c : ex.nonActivating()) {
            for (float a : c.activations()) {
                assertEquals(0f, a);
            }
        }
        // marked text shows the firing tokens, plain text none, and corpus text cannot forge a mark
        ExampleContext first = ex.forExplaining().get(0);
        assertTrue(ExampleText.marked(first).contains("<<"));
        assertFalse(ExampleText.plain(first).contains("<<"));
    }

    private static final Pattern EXAMPLE = Pattern.compile("<example (\\d+)>\\n(.*?)\\n</example \\1>", Pattern.DOTALL);

    /** A scorer that knows the truth: texts of activating examples (detection), correctly marked ones (fuzzing). */
    ChatClient oracle(FeatureInterpreter.FeatureExamples ex, boolean contrary, String explanationAnswer) {
        Set<String> fires = new HashSet<>(), rightMarks = new HashSet<>();
        for (ExampleContext c : ex.activating()) {
            fires.add(ExampleText.plain(c));
            rightMarks.add(ExampleText.marked(c));
        }
        return new ChatClient() {
            @Override
            public Reply chat(List<Message> messages, int maxTokens, int topLogprobs) {
                String system = messages.get(0).content(),
                        user = messages.get(1).content();
                if (system.equals(Prompts.EXPLAIN_SYSTEM)) {
                    return new Reply(explanationAnswer, null, 100, 10);
                }
                boolean fuzz = system.equals(Prompts.FUZZING_SYSTEM);
                List<String> answers = new ArrayList<>();
                Matcher m = EXAMPLE.matcher(user);
                while (m.find()) {
                    boolean yes = fuzz ? rightMarks.contains(m.group(2)) : fires.contains(m.group(2));
                    answers.add(yes != contrary ? "1" : "0");
                }
                return new Reply(
                        "Here, [1, 1] in example 3 is its text.\n[" + String.join(", ", answers) + "]", null, 50, 8);
            }

            @Override
            public String modelName() {
                return "oracle";
            }
        };
    }

    @Test
    void labelsStayWithTheirExamplesSoAnOracleScoresOneAndAContrarianZero() throws Exception {
        var ex = FeatureInterpreter.examples(set, onDevice, model.tokenizer(), report, feature, options());
        var right = FeatureInterpreter.interpret(oracle(ex, false, "[EXPLANATION]: something"), ex, options());
        assertEquals("something", right.explanation());
        assertEquals(1.0, right.detection().balancedAccuracy(), 1e-12);
        assertEquals(1.0, right.fuzzing().balancedAccuracy(), 1e-12);
        assertEquals(0, right.detection().failed());
        assertEquals(1 + 4 + 4, right.exchanges().size(), "one explanation, 20 examples in 4 prompts per method");
        assertEquals(100 + 8 * 50, right.promptTokens());
        assertEquals(Prompts.VERSION, right.promptVersion());
        var wrong = FeatureInterpreter.interpret(oracle(ex, true, "[EXPLANATION]: something"), ex, options());
        assertEquals(0.0, wrong.detection().balancedAccuracy(), 1e-12);
        assertEquals(0.0, wrong.fuzzing().f1(), 1e-12);
    }

    @Test
    void noExplanationMeansNothingScoredAndTheAnswerKept() throws Exception {
        var ex = FeatureInterpreter.examples(set, onDevice, model.tokenizer(), report, feature, options());
        var r = FeatureInterpreter.interpret(
                oracle(ex, false, "I am not sure what these have in common."), ex, options());
        assertNull(r.explanation());
        assertNull(r.detection());
        assertEquals(1, r.exchanges().size());
        assertEquals(
                "I am not sure what these have in common.", r.exchanges().get(0).answer());
        assertTrue(r.exchanges().get(0).failure().contains("[EXPLANATION]:"));
    }

    @Test
    void aServerThatCannotAnswerIsNamedWithTheFeature() throws Exception {
        var ex = FeatureInterpreter.examples(set, onDevice, model.tokenizer(), report, feature, options());
        ChatClient dead = new ChatClient() {
            @Override
            public Reply chat(List<Message> m, int max, int top) throws ServerException {
                throw new ServerException(
                        "http://127.0.0.1:9/v1/chat/completions",
                        ServerException.Kind.UNREACHABLE,
                        0,
                        "unreachable (is the server running?)",
                        null);
            }

            @Override
            public String modelName() {
                return "dead";
            }
        };
        var e = assertThrows(ServerException.class, () -> FeatureInterpreter.interpret(dead, ex, options()));
        assertTrue(e.getMessage().startsWith("feature " + feature + ": "), e.getMessage());
        assertTrue(e.getMessage().contains("127.0.0.1:9"), e.getMessage());
    }

    @Test
    void aKilledRunResumesWithoutAskingAgainForWhatItStored(@TempDir Path ws) throws Exception {
        double[] density = report.column(FeatureReport.Column.DENSITY);
        int[] features = java.util.stream.IntStream.range(0, density.length)
                .filter(j -> density[j] > 0.01)
                .limit(3)
                .toArray();
        assertEquals(3, features.length);
        var o = options();
        // dies on the third feature's explanation: the first two are stored
        java.util.concurrent.atomic.AtomicInteger asked = new java.util.concurrent.atomic.AtomicInteger();
        ChatClient dying = new ChatClient() {
            @Override
            public Reply chat(List<Message> m, int max, int top) throws ServerException {
                if (m.get(0).content().equals(Prompts.EXPLAIN_SYSTEM) && asked.incrementAndGet() == 3) {
                    throw new ServerException(
                            "http://gpu-box:8000",
                            ServerException.Kind.HTTP_STATUS,
                            400,
                            "HTTP 400: context length exceeded",
                            null);
                }
                return m.get(0).content().equals(Prompts.EXPLAIN_SYSTEM)
                        ? new Reply("[EXPLANATION]: stored " + asked.get(), null, 10, 1)
                        : new Reply("[1, 0, 1, 0, 1]", null, 10, 1);
            }

            @Override
            public String modelName() {
                return "qwen2.5:0.5b";
            }
        };
        AutointerpRun run = new AutointerpRun(ws, "0123456789abcdef0123456789abcdef", "qwen2.5:0.5b", o);
        var killed = assertThrows(
                ServerException.class,
                () -> run.run(
                        dying,
                        set,
                        onDevice,
                        model.tokenizer(),
                        report,
                        features,
                        o,
                        1,
                        ProgressListener.NONE,
                        Cancellation.none()));
        assertTrue(killed.getMessage().contains("feature " + features[2]), killed.getMessage());
        assertTrue(run.stored(features[0]).isPresent());
        assertTrue(run.stored(features[1]).isPresent());
        assertFalse(run.stored(features[2]).isPresent());

        List<Integer> explainedNow = new ArrayList<>();
        ChatClient healthy = new ChatClient() {
            @Override
            public Reply chat(List<Message> m, int max, int top) {
                if (m.get(0).content().equals(Prompts.EXPLAIN_SYSTEM)) {
                    explainedNow.add(1);
                    return new Reply("[EXPLANATION]: asked now", null, 10, 1);
                }
                return new Reply("[1, 0, 1, 0, 1]", null, 10, 1);
            }

            @Override
            public String modelName() {
                return "qwen2.5:0.5b";
            }
        };
        var again = new AutointerpRun(ws, "0123456789abcdef0123456789abcdef", "qwen2.5:0.5b", o)
                .run(
                        healthy,
                        set,
                        onDevice,
                        model.tokenizer(),
                        report,
                        features,
                        o,
                        2,
                        ProgressListener.NONE,
                        Cancellation.none());
        assertEquals(2, again.reused());
        assertEquals(1, explainedNow.size(), "only the feature the killed run had not stored");
        assertEquals("stored 1", again.results().get(0).explanation());
        assertEquals("stored 2", again.results().get(1).explanation());
        assertEquals("asked now", again.results().get(2).explanation());
        assertEquals(
                again.results().get(0).detection(),
                run.stored(features[0]).orElseThrow().detection(),
                "stored metrics read back equal");
    }
}
