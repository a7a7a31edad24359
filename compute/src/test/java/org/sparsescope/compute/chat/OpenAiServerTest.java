package org.sparsescope.compute.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
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
import org.sparsescope.compute.autointerp.AutointerpRun;
import org.sparsescope.compute.autointerp.ChatClient;
import org.sparsescope.compute.autointerp.ChatClient.Message;
import org.sparsescope.compute.autointerp.FeatureInterpreter;
import org.sparsescope.compute.autointerp.OpenAiCompatibleClient;
import org.sparsescope.compute.autointerp.ServerException;
import org.sparsescope.compute.dictionary.Dictionary;
import org.sparsescope.compute.dictionary.DictionaryFiles;
import org.sparsescope.compute.dictionary.DictionaryOnDevice;
import org.sparsescope.compute.model.Generator;
import org.sparsescope.compute.model.HookPoint;
import org.sparsescope.compute.model.Hooks;
import org.sparsescope.compute.model.LanguageModel;
import org.sparsescope.compute.stats.FeatureAnalysis;
import org.sparsescope.compute.stats.FeatureReport;
import org.sparsescope.compute.tensor.Tensor;
import org.sparsescope.compute.work.Cancellation;
import org.sparsescope.compute.work.ProgressListener;

/**
 * {@code serve} on the reference model over real HTTP: what it answers is what the model generates greedily
 * (recomputed without the cache), its log-probabilities are the log-softmax of a plain forward pass, OpenAI's errors
 * come back for OpenAI's mistakes, and autointerp runs through it, stored and resumed. The reference model is a base
 * model with no chat template, so its explanations are nonsense: the protocol, parsing and storage are real.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OpenAiServerTest {
    private static final List<Message> CHAT =
            List.of(new Message("system", "You describe text."), new Message("user", "The cat sat on the"));

    LanguageModel model;
    LocalChatModel local;
    OpenAiServer server;
    HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    void start() throws Exception {
        model = LanguageModel.load(Reference.path("model"));
        local = LocalChatModel.of(model);
        server = new OpenAiServer(local, new InetSocketAddress("127.0.0.1", 0));
    }

    @AfterAll
    void stop() {
        server.close();
        model.close();
    }

    private OpenAiCompatibleClient client(String name) {
        return new OpenAiCompatibleClient(new OpenAiCompatibleClient.Settings(
                URI.create(server.baseUrl()), name, null, 1, Duration.ofSeconds(60), 0, Duration.ofMillis(10)));
    }

    private HttpResponse<String> post(String route, String body) throws Exception {
        return http.send(
                HttpRequest.newBuilder(URI.create(server.baseUrl() + route))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(body))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** Greedy continuation by full recomputation at every step, cut at the first stop token. */
    private long[] greedyByRecomputation(long[] prompt, int tokens) {
        long[] out = Generator.generate(
                        model,
                        prompt,
                        tokens,
                        Generator.Sampling.greedy(),
                        Hooks.builder().build(),
                        false)
                .tokens();
        for (int i = 0; i < out.length; i++) {
            if (local.stopIds().contains(out[i])) {
                return Arrays.copyOf(out, i);
            }
        }
        return out;
    }

    @Test
    void aChatOverHttpIsTheModelsGreedyContinuationWithItsLogProbabilities() throws Exception {
        String rendered = local.prompt(CHAT);
        assertEquals("system: You describe text.\n\nuser: The cat sat on the\n\nassistant:", rendered);
        long[] prompt = model.tokenizer().encode(rendered);
        long[] expected = greedyByRecomputation(prompt, 12);

        ChatClient.Reply reply = client(local.modelName()).chat(CHAT, 12, 3);
        assertEquals(model.tokenizer().decode(expected), reply.text());
        assertEquals(prompt.length, reply.promptTokens());
        assertEquals(expected.length, reply.completionTokens());
        assertNotNull(reply.logprobs());
        assertEquals(expected.length, reply.logprobs().size());

        // log-softmax of one plain pass over prompt + answer, at the position before each answer token
        long[] all = new long[prompt.length + expected.length];
        System.arraycopy(prompt, 0, all, 0, prompt.length);
        System.arraycopy(expected, 0, all, prompt.length, expected.length);
        Tensor logits = model.logits(new long[][] {all});
        int vocab = (int) logits.shape()[2];
        float[] l = logits.floats();
        for (int i = 0; i < expected.length; i++) {
            int at = (prompt.length - 1 + i) * vocab;
            double max = Double.NEGATIVE_INFINITY, sum = 0;
            for (int v = 0; v < vocab; v++) {
                max = Math.max(max, l[at + v]);
            }
            for (int v = 0; v < vocab; v++) {
                sum += Math.exp(l[at + v] - max);
            }
            double logprob = l[at + (int) expected[i]] - max - Math.log(sum);
            var t = reply.logprobs().get(i);
            assertEquals(model.tokenizer().tokenText(expected[i]), t.token());
            assertEquals(3, t.top().size());
            assertEquals(t.token(), t.top().get(0), "greedy: the chosen token is the likeliest");
            assertEquals(logprob, t.topLogprobs().get(0), 1e-4);
            assertTrue(t.topLogprobs().get(1) <= t.topLogprobs().get(0));
        }
    }

    @Test
    void theCompletionsRouteStopsAtAStopStringAndReportsTokenLogprobs() throws Exception {
        String body =
                "{\"model\":\"model\",\"prompt\":\"Once upon a time\",\"max_tokens\":10,\"temperature\":0,\"logprobs\":2}";
        JsonObject first =
                JsonParser.parseString(post("/completions", body).body()).getAsJsonObject();
        JsonObject choice = first.getAsJsonArray("choices").get(0).getAsJsonObject();
        String text = choice.get("text").getAsString();
        long[] expected = greedyByRecomputation(model.tokenizer().encode("Once upon a time"), 10);
        assertEquals(model.tokenizer().decode(expected), text);
        assertEquals("text_completion", first.get("object").getAsString());
        var lp = choice.getAsJsonObject("logprobs");
        assertEquals(expected.length, lp.getAsJsonArray("tokens").size());
        assertEquals(expected.length, lp.getAsJsonArray("token_logprobs").size());
        assertEquals(
                2, lp.getAsJsonArray("top_logprobs").get(0).getAsJsonObject().size());
        assertEquals(
                expected.length,
                first.getAsJsonObject("usage").get("completion_tokens").getAsInt());

        String stop = model.tokenizer().decode(new long[] {expected[expected.length / 2]});
        String withStop = body.replace("\"logprobs\":2", "\"stop\":[" + new com.google.gson.JsonPrimitive(stop) + "]");
        JsonObject cut =
                JsonParser.parseString(post("/completions", withStop).body()).getAsJsonObject();
        JsonObject c = cut.getAsJsonArray("choices").get(0).getAsJsonObject();
        assertEquals(text.substring(0, text.indexOf(stop)), c.get("text").getAsString());
        assertEquals("stop", c.get("finish_reason").getAsString());
        assertTrue(c.get("logprobs").isJsonNull());
    }

    @Test
    void openAisMistakesGetOpenAisErrors() throws Exception {
        var e = assertThrows(ServerException.class, () -> client("gpt-4o-mini").chat(CHAT, 4, 0));
        assertEquals(404, e.status());
        assertTrue(e.getMessage().contains("`gpt-4o-mini` does not exist"), e.getMessage());

        HttpResponse<String> bad = post("/chat/completions", "{\"messages\": [");
        assertEquals(400, bad.statusCode());
        assertEquals(
                "the request body is not valid JSON",
                JsonParser.parseString(bad.body())
                        .getAsJsonObject()
                        .getAsJsonObject("error")
                        .get("message")
                        .getAsString());
        assertEquals(
                400,
                post("/chat/completions", "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"stream\":true}")
                        .statusCode());
        assertEquals(
                400,
                post("/chat/completions", "{\"messages\":[{\"role\":\"user\",\"content\":7}]}")
                        .statusCode());
        assertEquals(
                400,
                post(
                                "/chat/completions",
                                "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"max_tokens\":\"ten\"}")
                        .statusCode());

        HttpResponse<String> tooLong =
                post("/completions", "{\"prompt\":\"" + "word ".repeat(3000) + "\",\"max_tokens\":1}");
        assertEquals(400, tooLong.statusCode());
        JsonObject err =
                JsonParser.parseString(tooLong.body()).getAsJsonObject().getAsJsonObject("error");
        assertEquals("context_length_exceeded", err.get("code").getAsString());
        assertTrue(err.get("message").getAsString().contains("context is 2048"), err.toString());

        HttpResponse<String> models = http.send(
                HttpRequest.newBuilder(URI.create(server.baseUrl() + "/models"))
                        .GET()
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, models.statusCode());
        assertEquals(
                "model",
                JsonParser.parseString(models.body())
                        .getAsJsonObject()
                        .getAsJsonArray("data")
                        .get(0)
                        .getAsJsonObject()
                        .get("id")
                        .getAsString());
    }

    @Test
    void autointerpThroughServeStoresEachFeatureWithItsPromptAndAnswerAndResumesWithoutAsking(@TempDir Path dir)
            throws Exception {
        Dictionary dictionary = DictionaryFiles.read(Reference.path("saes/l1_4.11e-03"));
        new Harvester(model)
                .harvest(
                        HookPoint.parse("blocks.2.hook_resid_post"),
                        Corpus.open(Reference.path("corpus/test.txt")),
                        dir.resolve("set"),
                        HarvestOptions.of(16 * 128, 128),
                        ProgressListener.NONE,
                        Cancellation.none());
        ActivationSet set = ActivationSet.open(dir.resolve("set"));
        FeatureReport report = FeatureAnalysis.run(
                dictionary,
                set,
                0,
                set.rows(),
                FeatureAnalysis.Options.defaults(),
                ProgressListener.NONE,
                Cancellation.none());
        var options = new FeatureInterpreter.Options(4, 2, 2, 2, FeatureInterpreter.Sampling.TOP, 0, true, 12, 4);
        int[] features = {firing(report, 0), firing(report, 1)};
        try (DictionaryOnDevice onDevice = new DictionaryOnDevice(dictionary, model.device())) {
            AutointerpRun run = new AutointerpRun(dir.resolve("ws"), "abc123", local.modelName(), options);
            long before = server.requests();
            var first = runOn(run, options, set, onDevice, report, features);
            assertEquals(0, first.reused());
            assertTrue(server.requests() > before);
            for (int j : features) {
                var stored = run.stored(j).orElseThrow();
                assertEquals(local.modelName(), stored.explainer());
                var explain = stored.exchanges().get(0);
                assertEquals("explain", explain.purpose());
                assertEquals(
                        local.chat(explain.prompt(), 400, 0).text(),
                        explain.answer(),
                        "the stored answer is what the model says to the stored prompt");
                assertTrue(explain.prompt().get(1).content().contains("<<"), "examples are marked");
                assertTrue(stored.promptTokens() > 0);
                if (stored.explanation() == null) {
                    assertNotNull(explain.failure(), "a nonsense answer is a failed item with its reason");
                }
            }
            // prompts longer than the model's context: each feature a failed item naming why, the run goes on
            var long60 = new FeatureInterpreter.Options(60, 2, 2, 2, FeatureInterpreter.Sampling.TOP, 0, true, 24, 7);
            AutointerpRun tooLong = new AutointerpRun(dir.resolve("ws2"), "abc123", local.modelName(), long60);
            var refused = runOn(tooLong, long60, set, onDevice, report, features);
            for (var r : refused.results()) {
                assertEquals(null, r.explanation());
                assertTrue(
                        r.exchanges().get(0).failure().contains("context is 2048"),
                        r.exchanges().get(0).failure());
            }
            long asked = server.requests();
            var again = runOn(run, options, set, onDevice, report, features);
            assertEquals(2, again.reused());
            assertEquals(asked, server.requests(), "nothing stored is asked again");
        }
        assertFalse(Files.list(dir.resolve("ws/autointerp")).toList().isEmpty());
    }

    /** {@code run} over {@code features} through the test's server, one request at a time. */
    private AutointerpRun.Summary runOn(
            AutointerpRun run,
            FeatureInterpreter.Options options,
            ActivationSet set,
            DictionaryOnDevice onDevice,
            FeatureReport report,
            int[] features)
            throws Exception {
        return run.run(
                client(local.modelName()),
                set,
                onDevice,
                model.tokenizer(),
                report,
                features,
                options,
                1,
                ProgressListener.NONE,
                Cancellation.none());
    }

    /** The {@code n}-th feature (by index) with at least 8 top examples. */
    private static int firing(FeatureReport report, int n) {
        for (int j = 0, seen = 0; j < report.top().rows().length; j++) {
            if (report.top().count(j) >= 8 && seen++ == n) {
                return j;
            }
        }
        throw new AssertionError("no firing feature");
    }
}
