package org.sparsescope.compute.autointerp;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.sparsescope.compute.activations.ActivationSet;
import org.sparsescope.compute.dictionary.DictionaryOnDevice;
import org.sparsescope.compute.model.Tokenizer;
import org.sparsescope.compute.stats.ExampleContext;
import org.sparsescope.compute.stats.FeatureNeighbours;
import org.sparsescope.compute.stats.FeatureReport;

/**
 * One feature explained and scored, the recipe of delphi (EleutherAI/delphi: explain from marked examples; score the
 * explanation by <em>detection</em> — which unmarked examples fire — and <em>fuzzing</em> — are these marks the
 * right ones, some deliberately wrong — on held-out examples the explainer never saw, against non-activating ones
 * drawn at random and from the features whose decoder directions are nearest). Every prompt and raw answer is kept.
 */
public final class FeatureInterpreter {
    private FeatureInterpreter() {}

    /** Where the explainer's examples come from: the top activations, samples across the quantile bands, or both. */
    public enum Sampling {
        TOP,
        RANDOM,
        TOP_RANDOM
    }

    /**
     * @param explainExamples   examples the explainer sees (delphi: 40)
     * @param perPrompt         examples per scoring prompt (delphi: 5)
     * @param activating        held-out activating examples scored
     * @param nonActivating     non-activating examples scored (half at random, half from decoder neighbours)
     * @param tokensBefore      context before an example's token (with {@code tokensAfter}, 32 tokens as delphi's)
     */
    public record Options(
            int explainExamples,
            int perPrompt,
            int activating,
            int nonActivating,
            Sampling sampling,
            long seed,
            boolean logprobs,
            int tokensBefore,
            int tokensAfter) {
        public static Options defaults() {
            return new Options(40, 5, 20, 20, Sampling.TOP_RANDOM, 0, true, 24, 7);
        }
    }

    /** The examples of one feature: those explained from, and the held-out activating and non-activating ones. */
    public record FeatureExamples(
            int feature,
            List<ExampleContext> forExplaining,
            List<ExampleContext> activating,
            List<ExampleContext> nonActivating) {}

    /** One request and what came back; {@code failure} says why it gave nothing usable (null when it did). */
    public record Exchange(String purpose, List<ChatClient.Message> prompt, String answer, String failure) {}

    /**
     * A feature's result. {@code explanation} is null when the explainer gave none (then nothing is scored); metrics
     * are null when not scored.
     */
    public record Interpretation(
            int feature,
            String explanation,
            ScoreMetrics detection,
            ScoreMetrics fuzzing,
            List<Exchange> exchanges,
            long promptTokens,
            long completionTokens,
            String explainer,
            String promptVersion) {
        /** Detection's balanced accuracy; NaN when not scored. */
        public double detectionAccuracy() {
            return detection == null ? Double.NaN : detection.balancedAccuracy();
        }

        /** Fuzzing's balanced accuracy; NaN when not scored. */
        public double fuzzingAccuracy() {
            return fuzzing == null ? Double.NaN : fuzzing.balancedAccuracy();
        }
    }

    /**
     * Draws a feature's examples from its report: the explainer's from the top and/or quantile samples, the held-out
     * activating ones from what is left of both, non-activating windows (where the feature is zero throughout) at
     * random and from its decoder neighbours' top examples.
     */
    public static FeatureExamples examples(
            ActivationSet set, DictionaryOnDevice d, Tokenizer tokenizer, FeatureReport report, int j, Options o)
            throws IOException {
        Random rng = new Random(o.seed() * 1_000_003L + j);
        List<ExampleContext> top =
                contexts(set, d, tokenizer, report.top().rows()[j], report.top().count(j), j, o);
        List<ExampleContext> sampled = contexts(
                set,
                d,
                tokenizer,
                report.quantiles().rows()[j],
                report.quantiles().count(j),
                j,
                o);
        java.util.Collections.shuffle(sampled, rng);
        List<ExampleContext> explain = new ArrayList<>(), rest = new ArrayList<>();
        int fromTop = switch (o.sampling()) {
            case TOP -> o.explainExamples();
            case RANDOM -> 0;
            case TOP_RANDOM -> o.explainExamples() / 2;
        };
        int fromSampled = o.explainExamples() - Math.min(fromTop, top.size());
        for (int i = 0; i < top.size(); i++) {
            (i < fromTop ? explain : rest).add(top.get(i));
        }
        for (int i = 0; i < sampled.size(); i++) {
            (i < fromSampled ? explain : rest).add(sampled.get(i));
        }
        Set<Long> used = new HashSet<>();
        explain.forEach(c -> used.add(c.row()));
        java.util.Collections.shuffle(rest, rng);
        List<ExampleContext> activating = new ArrayList<>();
        for (ExampleContext c : rest) {
            if (activating.size() < o.activating() && used.add(c.row())) {
                activating.add(c);
            }
        }
        List<ExampleContext> quiet = new ArrayList<>();
        int fromNeighbours = o.nonActivating() / 2;
        for (FeatureNeighbours.Neighbour nb : FeatureNeighbours.nearestDecoders(d, j, 4)) {
            long[] rows = report.top().rows()[nb.feature()];
            for (int i = 0; i < report.top().count(nb.feature()) && quiet.size() < fromNeighbours; i++) {
                addIfQuiet(set, d, tokenizer, rows[i], j, o, used, quiet);
            }
        }
        for (int tries = 0; quiet.size() < o.nonActivating() && tries < 20 * o.nonActivating(); tries++) {
            addIfQuiet(set, d, tokenizer, (long) (rng.nextDouble() * set.rows()), j, o, used, quiet);
        }
        return new FeatureExamples(j, explain, activating, quiet);
    }

    private static void addIfQuiet(
            ActivationSet set,
            DictionaryOnDevice d,
            Tokenizer tokenizer,
            long row,
            int j,
            Options o,
            Set<Long> used,
            List<ExampleContext> out)
            throws IOException {
        if (used.contains(row)) {
            return;
        }
        var c = ExampleContext.of(set, d, tokenizer, row, j, o.tokensBefore(), o.tokensAfter());
        if (c.isPresent() && allZero(c.get().activations())) {
            used.add(row);
            out.add(c.get());
        }
    }

    private static boolean allZero(float[] a) {
        for (float v : a) {
            if (v != 0) {
                return false;
            }
        }
        return true;
    }

    private static List<ExampleContext> contexts(
            ActivationSet set, DictionaryOnDevice d, Tokenizer tokenizer, long[] rows, int count, int j, Options o)
            throws IOException {
        List<ExampleContext> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            ExampleContext.of(set, d, tokenizer, rows[i], j, o.tokensBefore(), o.tokensAfter())
                    .ifPresent(out::add);
        }
        return out;
    }

    /**
     * Explains and scores one feature. An answer that does not hold what was asked, or a prompt the model cannot take
     * (longer than its context), is a failed item (kept, with its text); a server that cannot answer stops the feature
     * with a {@link ServerException} naming it.
     */
    public static Interpretation interpret(ChatClient client, FeatureExamples ex, Options o)
            throws IOException, InterruptedException {
        List<Exchange> log = new ArrayList<>();
        long[] tokens = new long[2];
        List<String> marked =
                ex.forExplaining().stream().map(ExampleText::marked).toList();
        List<String> acts =
                ex.forExplaining().stream().map(ExampleText::activations).toList();
        var explainPrompt = Prompts.explain(marked, acts);
        ChatClient.Reply reply;
        try {
            reply = ask(client, ex.feature(), explainPrompt, 400, 0, tokens);
        } catch (ServerException e) {
            if (e.kind() != ServerException.Kind.REFUSED) {
                throw e;
            }
            // this feature's prompt, not the server: a failed item, and the run goes on
            log.add(new Exchange("explain", explainPrompt, "", e.getMessage()));
            return new Interpretation(
                    ex.feature(), null, null, null, log, tokens[0], tokens[1], client.modelName(), Prompts.VERSION);
        }
        String explanation;
        try {
            explanation = Answers.explanation(reply.text());
            log.add(new Exchange("explain", explainPrompt, reply.text(), null));
        } catch (AnswerFormatException e) {
            log.add(new Exchange("explain", explainPrompt, reply.text(), e.getMessage()));
            return new Interpretation(
                    ex.feature(), null, null, null, log, tokens[0], tokens[1], client.modelName(), Prompts.VERSION);
        }
        Random rng = new Random(o.seed() * 7_919L + ex.feature());
        List<Item> detection = new ArrayList<>(), fuzzing = new ArrayList<>();
        for (ExampleContext c : ex.activating()) {
            detection.add(new Item(ExampleText.plain(c), true));
            boolean right = rng.nextBoolean();
            fuzzing.add(new Item(right ? ExampleText.marked(c) : ExampleText.misMarked(c, rng), right));
        }
        for (ExampleContext c : ex.nonActivating()) {
            detection.add(new Item(ExampleText.plain(c), false));
            fuzzing.add(new Item(ExampleText.misMarked(c, rng), false));
        }
        java.util.Collections.shuffle(detection, rng);
        java.util.Collections.shuffle(fuzzing, rng);
        ScoreMetrics det = score(client, ex.feature(), false, explanation, detection, o, log, tokens);
        ScoreMetrics fuzz = score(client, ex.feature(), true, explanation, fuzzing, o, log, tokens);
        return new Interpretation(
                ex.feature(), explanation, det, fuzz, log, tokens[0], tokens[1], client.modelName(), Prompts.VERSION);
    }

    private record Item(String text, boolean label) {}

    private static ScoreMetrics score(
            ChatClient client,
            int feature,
            boolean fuzzing,
            String explanation,
            List<Item> items,
            Options o,
            List<Exchange> log,
            long[] tokens)
            throws IOException, InterruptedException {
        List<ScoreMetrics.Judgement> judged = new ArrayList<>();
        for (int from = 0; from < items.size(); from += o.perPrompt()) {
            List<Item> batch = items.subList(from, Math.min(items.size(), from + o.perPrompt()));
            var prompt = Prompts.score(
                    fuzzing, explanation, batch.stream().map(Item::text).toList());
            String purpose = fuzzing ? "fuzzing" : "detection";
            ChatClient.Reply r;
            try {
                r = ask(client, feature, prompt, 200, o.logprobs() ? 5 : 0, tokens);
            } catch (ServerException e) {
                if (e.kind() != ServerException.Kind.REFUSED) {
                    throw e;
                }
                for (Item it : batch) {
                    judged.add(new ScoreMetrics.Judgement(it.label(), null, null));
                }
                log.add(new Exchange(purpose, prompt, "", e.getMessage()));
                continue;
            }
            try {
                boolean[] yes = Answers.selections(r.text(), batch.size());
                double[] p = Answers.probabilities(r.logprobs(), batch.size());
                for (int i = 0; i < batch.size(); i++) {
                    judged.add(new ScoreMetrics.Judgement(batch.get(i).label(), yes[i], p == null ? null : p[i]));
                }
                log.add(new Exchange(purpose, prompt, r.text(), null));
            } catch (AnswerFormatException e) {
                for (Item it : batch) {
                    judged.add(new ScoreMetrics.Judgement(it.label(), null, null));
                }
                log.add(new Exchange(purpose, prompt, r.text(), e.getMessage()));
            }
        }
        return ScoreMetrics.of(judged);
    }

    private static ChatClient.Reply ask(
            ChatClient client, int feature, List<ChatClient.Message> prompt, int maxTokens, int logprobs, long[] tokens)
            throws IOException, InterruptedException {
        try {
            ChatClient.Reply r = client.chat(prompt, maxTokens, logprobs);
            tokens[0] += r.promptTokens();
            tokens[1] += r.completionTokens();
            return r;
        } catch (ServerException e) {
            throw new ServerException(
                    "feature " + feature, e.kind(), e.status(), e.getMessage(), e, e.retryAfterMillis());
        }
    }
}
