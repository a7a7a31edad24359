package org.sparsescope.compute.autointerp;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Semaphore;

/**
 * Any server that speaks OpenAI's {@code /v1/chat/completions}: Ollama, llama.cpp's {@code llama-server}, vLLM, LM
 * Studio, or a hosted API. At most {@code concurrency} requests at once; a rate limit (429), a server error (5xx), a
 * time-out or a dropped connection is tried again after 1, 2, 4 … seconds (a {@code Retry-After} wins), up to
 * {@code retries} times; anything else fails at once with a {@link ServerException}. The API key goes only into the
 * Authorization header: never into a message, a log line or a file.
 */
public final class OpenAiCompatibleClient implements ChatClient {
    /** Where it is, what it serves, how to reach it. */
    public record Settings(
            URI baseUrl,
            String model,
            String apiKey,
            int concurrency,
            Duration timeout,
            int retries,
            Duration backoff) {
        public Settings {
            if (concurrency < 1 || retries < 0) {
                throw new IllegalArgumentException("concurrency ≥ 1 and retries ≥ 0");
            }
        }

        /** Local defaults: 4 requests at once, 120 s each, 3 retries from 1 s. */
        public static Settings local(URI baseUrl, String model, String apiKey) {
            return new Settings(baseUrl, model, apiKey, 4, Duration.ofSeconds(120), 3, Duration.ofSeconds(1));
        }

        @Override
        public String toString() { // a record prints its fields: never the key
            return "Settings[" + baseUrl + ", " + model + (apiKey == null ? "" : ", key set") + "]";
        }
    }

    private final Settings settings;
    private final HttpClient http;
    private final Semaphore slots;
    private final URI endpoint;

    public OpenAiCompatibleClient(Settings settings) {
        this.settings = settings;
        this.http = HttpClient.newBuilder().connectTimeout(settings.timeout()).build();
        this.slots = new Semaphore(settings.concurrency());
        String base = settings.baseUrl().toString().replaceAll("/+$", "");
        this.endpoint = URI.create(base.endsWith("/v1") ? base + "/chat/completions" : base + "/v1/chat/completions");
    }

    @Override
    public String modelName() {
        return settings.model();
    }

    @Override
    public Reply chat(List<Message> messages, int maxTokens, int topLogprobs) throws IOException, InterruptedException {
        JsonObject body = new JsonObject();
        body.addProperty("model", settings.model());
        JsonArray ms = new JsonArray();
        for (Message m : messages) {
            JsonObject o = new JsonObject();
            o.addProperty("role", m.role());
            o.addProperty("content", m.content());
            ms.add(o);
        }
        body.add("messages", ms);
        body.addProperty("temperature", 0);
        body.addProperty("max_tokens", maxTokens);
        if (topLogprobs > 0) {
            body.addProperty("logprobs", true);
            body.addProperty("top_logprobs", topLogprobs);
        }
        String json = body.toString();
        ServerException last = null;
        for (int attempt = 0; attempt <= settings.retries(); attempt++) {
            if (attempt > 0) {
                Thread.sleep(waitBefore(attempt, last));
            }
            slots.acquire();
            try {
                return send(json);
            } catch (ServerException e) {
                if (!e.transientFailure()) {
                    throw e;
                }
                last = e;
            } finally {
                slots.release();
            }
        }
        throw last;
    }

    private long waitBefore(int attempt, ServerException last) {
        long backoff = settings.backoff().toMillis() << Math.min(attempt - 1, 10);
        return last != null && last.retryAfterMillis() >= 0 ? last.retryAfterMillis() : backoff;
    }

    private Reply send(String json) throws ServerException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(endpoint)
                .timeout(settings.timeout())
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json));
        if (settings.apiKey() != null && !settings.apiKey().isBlank()) {
            b.header("Authorization", "Bearer " + settings.apiKey());
        }
        String where = endpoint.toString();
        HttpResponse<String> r;
        try {
            r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        } catch (HttpTimeoutException e) {
            throw new ServerException(
                    where,
                    ServerException.Kind.TIMEOUT,
                    0,
                    "no answer within " + settings.timeout().toSeconds() + " s",
                    e);
        } catch (ConnectException e) {
            throw new ServerException(
                    where, ServerException.Kind.UNREACHABLE, 0, "unreachable (is the server running?)", e);
        } catch (IOException e) {
            throw new ServerException(
                    where,
                    ServerException.Kind.UNREACHABLE,
                    0,
                    "the connection failed: " + e.getClass().getSimpleName(),
                    e);
        }
        if (r.statusCode() != 200) {
            long retryAfter = r.headers()
                    .firstValue("Retry-After")
                    .map(OpenAiCompatibleClient::seconds)
                    .orElse(-1L);
            String body = r.body() == null ? "" : r.body();
            boolean tooLong = r.statusCode() == 400
                    && (body.contains("context_length_exceeded") || body.contains("maximum context length"));
            throw new ServerException(
                    where,
                    // a prompt longer than the model's context: this request's, not the server's, failure
                    tooLong ? ServerException.Kind.REFUSED : ServerException.Kind.HTTP_STATUS,
                    r.statusCode(),
                    "HTTP " + r.statusCode() + errorDetail(r.body()),
                    null,
                    retryAfter);
        }
        return parse(where, r.body());
    }

    private static long seconds(String header) {
        try {
            return Math.min(60_000, (long) (Double.parseDouble(header.strip()) * 1000));
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** The server's own error message, when its body has one (as OpenAI's {@code {"error": {"message": …}}}). */
    private static String errorDetail(String body) {
        try {
            JsonElement e = JsonParser.parseString(body);
            if (e.isJsonObject() && e.getAsJsonObject().has("error")) {
                JsonElement err = e.getAsJsonObject().get("error");
                String msg = err.isJsonObject() && err.getAsJsonObject().has("message")
                        ? err.getAsJsonObject().get("message").getAsString()
                        : err.toString();
                return ": " + shorten(msg);
            }
        } catch (RuntimeException ignored) {
            // not JSON: the status says enough
        }
        return body == null || body.isBlank() ? "" : ": " + shorten(body);
    }

    private static String shorten(String s) {
        String one = s.replaceAll("\\s+", " ").strip();
        return one.length() > 200 ? one.substring(0, 200) + "…" : one;
    }

    /** The first choice's message and log-probabilities, and the usage. */
    static Reply parse(String where, String body) throws ServerException {
        try {
            JsonElement root = JsonParser.parseString(body);
            if (!root.isJsonObject() || !root.getAsJsonObject().has("choices")) {
                throw malformed(where, "no choices in the reply");
            }
            JsonElement choices = root.getAsJsonObject().get("choices");
            if (!choices.isJsonArray() || choices.getAsJsonArray().isEmpty()) {
                throw malformed(where, "no choices in the reply");
            }
            JsonElement first = choices.getAsJsonArray().get(0);
            if (!first.isJsonObject()
                    || !first.getAsJsonObject().has("message")
                    || !first.getAsJsonObject().get("message").isJsonObject()) {
                throw malformed(where, "the first choice has no message");
            }
            JsonObject message = first.getAsJsonObject().getAsJsonObject("message");
            JsonElement content = message.get("content");
            if (content == null || !content.isJsonPrimitive()) {
                throw malformed(where, "the message has no text content");
            }
            long prompt = 0, completion = 0;
            JsonElement usage = root.getAsJsonObject().get("usage");
            if (usage != null && usage.isJsonObject()) {
                JsonObject u = usage.getAsJsonObject();
                prompt = u.has("prompt_tokens") && u.get("prompt_tokens").isJsonPrimitive()
                        ? u.get("prompt_tokens").getAsLong()
                        : 0;
                completion =
                        u.has("completion_tokens") && u.get("completion_tokens").isJsonPrimitive()
                                ? u.get("completion_tokens").getAsLong()
                                : 0;
            }
            return new Reply(
                    content.getAsString(),
                    Answers.fromChatLogprobs(first.getAsJsonObject().get("logprobs")),
                    prompt,
                    completion);
        } catch (JsonParseException | IllegalStateException | NumberFormatException | UnsupportedOperationException e) {
            throw new ServerException(
                    where,
                    ServerException.Kind.MALFORMED,
                    0,
                    "the reply is not the chat API's JSON (" + e.getClass().getSimpleName() + ")",
                    e);
        }
    }

    private static ServerException malformed(String where, String what) {
        return new ServerException(where, ServerException.Kind.MALFORMED, 0, what, null);
    }
}
