package org.sparsescope.compute.autointerp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonParser;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The chat client against a local server scripted to misbehave: every failure is a typed error naming the server
 * (never the key), transient ones are retried with back-off, and no more requests are in flight than allowed.
 */
class OpenAiCompatibleClientTest {
    static final String KEY = "sk-test-0123456789";

    /** One scripted reply: status, body, an optional Retry-After, and a delay before answering. */
    record Scripted(int status, String body, String retryAfter, long delayMillis) {}

    HttpServer server;
    final Deque<Scripted> script = new ConcurrentLinkedDeque<>();
    final List<String> requests = new ArrayList<>();
    final List<String> authorizations = new ArrayList<>();
    final AtomicInteger inFlight = new AtomicInteger(), maxInFlight = new AtomicInteger();

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(Executors.newFixedThreadPool(8));
        server.createContext("/v1/chat/completions", this::answer);
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private void answer(HttpExchange ex) throws IOException {
        int now = inFlight.incrementAndGet();
        maxInFlight.accumulateAndGet(now, Math::max);
        try {
            synchronized (requests) {
                requests.add(new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
                authorizations.add(ex.getRequestHeaders().getFirst("Authorization"));
            }
            Scripted s = script.size() > 1 ? script.pollFirst() : script.peekFirst();
            if (s.delayMillis() > 0) {
                Thread.sleep(s.delayMillis());
            }
            if (s.retryAfter() != null) {
                ex.getResponseHeaders().add("Retry-After", s.retryAfter());
            }
            byte[] b = s.body().getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(s.status(), b.length);
            ex.getResponseBody().write(b);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            inFlight.decrementAndGet();
            ex.close();
        }
    }

    URI base() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    OpenAiCompatibleClient client(int concurrency, Duration timeout, int retries) {
        return new OpenAiCompatibleClient(new OpenAiCompatibleClient.Settings(
                base(), "qwen2.5-0.5b-instruct", KEY, concurrency, timeout, retries, Duration.ofMillis(10)));
    }

    static final String GOOD = """
            {"choices": [{"message": {"role": "assistant", "content": "[0, 1]"},
              "logprobs": {"content": [
                {"token": "[", "top_logprobs": [{"token": "[", "logprob": 0.0}]},
                {"token": "0", "top_logprobs": [{"token": "0", "logprob": -0.1}, {"token": "1", "logprob": -2.4}]},
                {"token": ",", "top_logprobs": [{"token": ",", "logprob": 0.0}]},
                {"token": "1", "top_logprobs": [{"token": "1", "logprob": -0.2}, {"token": "0", "logprob": -1.7}]},
                {"token": "]", "top_logprobs": [{"token": "]", "logprob": 0.0}]}]}}],
             "usage": {"prompt_tokens": 120, "completion_tokens": 5}}""";

    static List<ChatClient.Message> ask() {
        return List.of(new ChatClient.Message("system", "You score."), new ChatClient.Message("user", "Examples …"));
    }

    @Test
    void aGoodReplyGivesTextLogprobsAndUsageAndTheRequestIsTheChatApis() throws Exception {
        script.add(new Scripted(200, GOOD, null, 0));
        ChatClient.Reply r = client(2, Duration.ofSeconds(5), 0).chat(ask(), 64, 5);
        assertEquals("[0, 1]", r.text());
        assertEquals(120, r.promptTokens());
        assertEquals(5, r.completionTokens());
        double[] p = Answers.probabilities(r.logprobs(), 2);
        assertEquals(Math.exp(-2.4) / (Math.exp(-0.1) + Math.exp(-2.4)), p[0], 1e-12);
        var sent = JsonParser.parseString(requests.get(0)).getAsJsonObject();
        assertEquals("qwen2.5-0.5b-instruct", sent.get("model").getAsString());
        assertEquals(0, sent.get("temperature").getAsInt());
        assertTrue(sent.get("logprobs").getAsBoolean());
        assertEquals(5, sent.get("top_logprobs").getAsInt());
        assertEquals(
                "system",
                sent.getAsJsonArray("messages")
                        .get(0)
                        .getAsJsonObject()
                        .get("role")
                        .getAsString());
        assertEquals("Bearer " + KEY, authorizations.get(0));
    }

    @Test
    void rateLimitsAndServerErrorsAreRetriedThenGiveUpNamingTheStatus() throws Exception {
        script.add(new Scripted(429, "{\"error\": {\"message\": \"slow down\"}}", "0", 0));
        script.add(new Scripted(503, "overloaded", null, 0));
        script.add(new Scripted(200, GOOD, null, 0));
        assertEquals(
                "[0, 1]", client(1, Duration.ofSeconds(5), 3).chat(ask(), 64, 0).text());
        assertEquals(3, requests.size(), "two failures, then the answer");

        script.clear();
        requests.clear();
        script.add(new Scripted(500, "{\"error\": {\"message\": \"CUDA out of memory\"}}", null, 0));
        var e = assertThrows(
                ServerException.class, () -> client(1, Duration.ofSeconds(5), 2).chat(ask(), 64, 0));
        assertEquals(ServerException.Kind.HTTP_STATUS, e.kind());
        assertEquals(500, e.status());
        assertEquals(3, requests.size(), "the first try and two retries");
        assertTrue(e.getMessage().contains("HTTP 500: CUDA out of memory"), e.getMessage());
        assertTrue(e.getMessage().contains(base().toString()), e.getMessage());
        assertFalse(e.getMessage().contains(KEY));
    }

    @Test
    void aWrongModelNameFailsAtOnceWithTheServersWords() {
        script.add(new Scripted(404, "{\"error\": {\"message\": \"model 'qwen9' not found\"}}", null, 0));
        var e = assertThrows(
                ServerException.class, () -> client(1, Duration.ofSeconds(5), 3).chat(ask(), 64, 0));
        assertEquals(404, e.status());
        assertEquals(1, requests.size(), "not retried");
        assertTrue(e.getMessage().contains("model 'qwen9' not found"), e.getMessage());
    }

    @Test
    void malformedTruncatedOrEmptyRepliesAreTypedErrors() {
        for (String body : List.of(
                "<html>502 Bad Gateway</html>",
                "{\"choices\": [{\"message\": {\"role\": \"assistant\", \"content\": \"[0, 1",
                "{\"choices\": []}",
                "{\"choices\": [{\"message\": {\"role\": \"assistant\"}}]}",
                "{\"choices\": [{\"message\": {\"content\": {\"nested\": 1}}}]}",
                "[]")) {
            script.clear();
            script.add(new Scripted(200, body, null, 0));
            var e = assertThrows(
                    ServerException.class,
                    () -> client(1, Duration.ofSeconds(5), 0).chat(ask(), 64, 0),
                    body);
            assertEquals(ServerException.Kind.MALFORMED, e.kind(), body);
            assertFalse(e.getMessage().contains(KEY));
        }
    }

    @Test
    void aSlowServerTimesOutAndAnAbsentOneIsUnreachable() throws Exception {
        script.add(new Scripted(200, GOOD, null, 2000));
        var slow = assertThrows(
                ServerException.class,
                () -> client(1, Duration.ofMillis(300), 0).chat(ask(), 64, 0));
        assertEquals(ServerException.Kind.TIMEOUT, slow.kind());
        int free;
        try (ServerSocket s = new ServerSocket(0)) {
            free = s.getLocalPort();
        }
        var absent = new OpenAiCompatibleClient(
                OpenAiCompatibleClient.Settings.local(URI.create("http://127.0.0.1:" + free + "/v1"), "m", KEY));
        var e = assertThrows(ServerException.class, () -> absent.chat(ask(), 8, 0));
        assertEquals(ServerException.Kind.UNREACHABLE, e.kind());
        assertTrue(e.getMessage().contains("127.0.0.1:" + free), e.getMessage());
        assertFalse(absent.toString().contains(KEY));
    }

    @Test
    void noMoreRequestsAreInFlightThanTheConcurrencyAllows() throws Exception {
        script.add(new Scripted(200, GOOD, null, 150));
        OpenAiCompatibleClient c = client(2, Duration.ofSeconds(10), 0);
        ExecutorService pool = Executors.newFixedThreadPool(6);
        try {
            List<Future<ChatClient.Reply>> all = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                all.add(pool.submit(() -> c.chat(ask(), 64, 0)));
            }
            for (var f : all) {
                assertEquals("[0, 1]", f.get().text());
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(6, requests.size());
        assertEquals(2, maxInFlight.get());
    }
}
