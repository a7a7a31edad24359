package org.sparsescope.compute.chat;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.stream.JsonReader;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sparsescope.compute.InvalidInputException;
import org.sparsescope.compute.autointerp.ChatClient;
import org.sparsescope.compute.autointerp.ServerException;
import org.sparsescope.compute.model.Generator;

/**
 * The app's own OpenAI-compatible server for a model it runs: {@code POST /v1/chat/completions},
 * {@code POST /v1/completions} (both with log-probabilities), {@code GET /v1/models}, so that any tool that speaks
 * OpenAI's API (delphi, SAEBench, a notebook) can use a local model, steered or not. Requests are answered one at a
 * time (one device copy of the model); a bad request is a 400 with OpenAI's error object, a model name other than
 * the served one a 404, as OpenAI answers them. Not streaming. The JDK's HTTP server: no dependency for a few routes.
 */
public final class OpenAiServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(OpenAiServer.class);
    /** A chat request is kilobytes; beyond this it is refused before it is read. */
    static final int MAX_BODY_BYTES = 8 << 20;

    static final int MAX_TOKENS_LIMIT = 8192;
    static final int DEFAULT_MAX_TOKENS = 256;

    private final LocalChatModel model;
    private final HttpServer http;
    private final ExecutorService pool;
    private final AtomicLong requests = new AtomicLong();

    /** Serves {@code model} on {@code address} (port 0: any free port); call {@link #close()} to stop. */
    public OpenAiServer(LocalChatModel model, InetSocketAddress address) throws IOException {
        this.model = model;
        this.http = HttpServer.create(address, 16);
        this.pool = Executors.newFixedThreadPool(4, r -> {
            Thread t = new Thread(r, "serve");
            t.setDaemon(true);
            return t;
        });
        http.setExecutor(pool);
        http.createContext("/", this::handle);
        http.start();
    }

    public int port() {
        return http.getAddress().getPort();
    }

    public String baseUrl() {
        return "http://" + http.getAddress().getHostString() + ":" + port() + "/v1";
    }

    /** Requests answered so far (any route, errors included). */
    public long requests() {
        return requests.get();
    }

    @Override
    public void close() {
        http.stop(0);
        pool.shutdownNow();
    }

    /** A request that cannot be answered as asked: its HTTP status and OpenAI's error type and code. */
    private static final class BadRequest extends Exception {
        private static final long serialVersionUID = 1L;
        final int status;
        final String type;
        final String code;

        BadRequest(int status, String type, String code, String message) {
            super(message);
            this.status = status;
            this.type = type;
            this.code = code;
        }

        static BadRequest invalid(String message) {
            return new BadRequest(400, "invalid_request_error", null, message);
        }
    }

    private void handle(HttpExchange ex) throws IOException {
        requests.incrementAndGet();
        try (ex) {
            try {
                JsonObject answer = route(ex);
                send(ex, 200, answer);
            } catch (BadRequest e) {
                send(ex, e.status, error(e.getMessage(), e.type, e.code));
            } catch (RuntimeException e) {
                LOG.warn("serve: " + ex.getRequestURI() + " failed", e);
                send(ex, 500, error("the server failed: " + e.getClass().getSimpleName(), "server_error", null));
            }
        }
    }

    private JsonObject route(HttpExchange ex) throws BadRequest, IOException {
        String path = ex.getRequestURI().getPath().replaceAll("/+$", "");
        String method = ex.getRequestMethod();
        return switch (path) {
            case "/v1/models" -> {
                requireMethod(method, "GET");
                yield models();
            }
            case "/v1/chat/completions" -> {
                requireMethod(method, "POST");
                yield chat(body(ex));
            }
            case "/v1/completions" -> {
                requireMethod(method, "POST");
                yield completion(body(ex));
            }
            default -> throw new BadRequest(404, "invalid_request_error", "not_found", "no route " + path);
        };
    }

    private static void requireMethod(String method, String wanted) throws BadRequest {
        if (!wanted.equals(method)) {
            throw new BadRequest(405, "invalid_request_error", null, "use " + wanted);
        }
    }

    private JsonObject models() {
        JsonObject m = new JsonObject();
        m.addProperty("id", model.modelName());
        m.addProperty("object", "model");
        m.addProperty("owned_by", "sparsescope");
        JsonArray data = new JsonArray();
        data.add(m);
        JsonObject o = new JsonObject();
        o.addProperty("object", "list");
        o.add("data", data);
        return o;
    }

    /** The request body as a JSON object, bounded in size and nesting. */
    private static JsonObject body(HttpExchange ex) throws BadRequest, IOException {
        byte[] bytes;
        try (InputStream in = ex.getRequestBody()) {
            bytes = in.readNBytes(MAX_BODY_BYTES + 1);
        }
        if (bytes.length > MAX_BODY_BYTES) {
            throw new BadRequest(
                    413, "invalid_request_error", null, "the request is over " + MAX_BODY_BYTES + " bytes");
        }
        try {
            JsonReader r = new JsonReader(new StringReader(new String(bytes, StandardCharsets.UTF_8)));
            r.setNestingLimit(64);
            JsonElement e = JsonParser.parseReader(r);
            if (!e.isJsonObject()) {
                throw BadRequest.invalid("the request body must be a JSON object");
            }
            return e.getAsJsonObject();
        } catch (JsonParseException e) {
            throw BadRequest.invalid("the request body is not valid JSON");
        }
    }

    /** The settings both endpoints share: model, max tokens, temperature and seed, stop strings, no streaming. */
    private record Common(int maxTokens, Generator.Sampling sampling, List<String> stops) {}

    private Common common(JsonObject req) throws BadRequest {
        if (req.has("model") && !req.get("model").isJsonNull()) {
            String asked = string(req, "model");
            if (!asked.equals(model.modelName())) {
                throw new BadRequest(
                        404,
                        "invalid_request_error",
                        "model_not_found",
                        "The model `" + asked + "` does not exist; this server serves `" + model.modelName() + "`");
            }
        }
        if (req.has("stream") && bool(req, "stream")) {
            throw BadRequest.invalid("streaming is not supported by this server: leave stream out or false");
        }
        if (req.has("n") && integer(req, "n", 1, 1) != 1) {
            throw BadRequest.invalid("n must be 1");
        }
        int max = req.has("max_completion_tokens")
                ? integer(req, "max_completion_tokens", 1, MAX_TOKENS_LIMIT)
                : req.has("max_tokens") && !req.get("max_tokens").isJsonNull()
                        ? integer(req, "max_tokens", 1, MAX_TOKENS_LIMIT)
                        : DEFAULT_MAX_TOKENS;
        double temperature = req.has("temperature") ? number(req, "temperature", 0, 2) : 1.0;
        long seed = req.has("seed") && !req.get("seed").isJsonNull()
                ? integer(req, "seed", Integer.MIN_VALUE, Integer.MAX_VALUE)
                : 0;
        List<String> stops = new ArrayList<>();
        JsonElement stop = req.get("stop");
        if (stop != null && !stop.isJsonNull()) {
            if (stop.isJsonPrimitive() && stop.getAsJsonPrimitive().isString()) {
                stops.add(stop.getAsString());
            } else if (stop.isJsonArray() && stop.getAsJsonArray().size() <= 4) {
                for (JsonElement s : stop.getAsJsonArray()) {
                    if (!s.isJsonPrimitive() || !s.getAsJsonPrimitive().isString()) {
                        throw BadRequest.invalid("stop must be a string or a list of up to 4 strings");
                    }
                    stops.add(s.getAsString());
                }
            } else {
                throw BadRequest.invalid("stop must be a string or a list of up to 4 strings");
            }
        }
        return new Common(max, new Generator.Sampling(temperature, seed), stops);
    }

    private JsonObject chat(JsonObject req) throws BadRequest {
        Common c = common(req);
        JsonElement ms = req.get("messages");
        if (ms == null || !ms.isJsonArray() || ms.getAsJsonArray().isEmpty()) {
            throw BadRequest.invalid("messages must be a non-empty list");
        }
        List<ChatClient.Message> messages = new ArrayList<>();
        for (JsonElement m : ms.getAsJsonArray()) {
            if (!m.isJsonObject()) {
                throw BadRequest.invalid("each message must be an object with a role and a content");
            }
            messages.add(new ChatClient.Message(string(m.getAsJsonObject(), "role"), content(m.getAsJsonObject())));
        }
        boolean logprobs = req.has("logprobs") && bool(req, "logprobs");
        int top = req.has("top_logprobs") && !req.get("top_logprobs").isJsonNull()
                ? integer(req, "top_logprobs", 0, 20)
                : 0;
        String prompt;
        try {
            prompt = model.prompt(messages);
        } catch (InvalidInputException e) {
            throw BadRequest.invalid(e.getMessage());
        }
        LocalChatModel.Completion done = complete(prompt, c, logprobs ? Math.max(top, 1) : 0);
        JsonObject message = new JsonObject();
        message.addProperty("role", "assistant");
        message.addProperty("content", done.text());
        JsonObject choice = new JsonObject();
        choice.addProperty("index", 0);
        choice.add("message", message);
        if (logprobs) {
            JsonArray content = new JsonArray();
            for (LocalChatModel.TokenChoice t : done.tokens()) {
                JsonObject o = tokenLogprob(t.text(), t.logprob());
                JsonArray alts = new JsonArray();
                for (LocalChatModel.Alternative a :
                        t.top().subList(0, Math.min(top, t.top().size()))) {
                    alts.add(tokenLogprob(a.text(), a.logprob()));
                }
                o.add("top_logprobs", alts);
                content.add(o);
            }
            JsonObject lp = new JsonObject();
            lp.add("content", content);
            choice.add("logprobs", lp);
        } else {
            choice.add("logprobs", com.google.gson.JsonNull.INSTANCE);
        }
        choice.addProperty("finish_reason", done.finishReason());
        return envelope("chatcmpl-", "chat.completion", choice, done);
    }

    private JsonObject completion(JsonObject req) throws BadRequest {
        Common c = common(req);
        JsonElement p = req.get("prompt");
        if (p != null && p.isJsonArray() && p.getAsJsonArray().size() == 1) {
            p = p.getAsJsonArray().get(0);
        }
        if (p == null || !p.isJsonPrimitive() || !p.getAsJsonPrimitive().isString()) {
            throw BadRequest.invalid("prompt must be a string (or a list of one string)");
        }
        if (req.has("echo") && bool(req, "echo")) {
            throw BadRequest.invalid("echo is not supported by this server");
        }
        int top = req.has("logprobs") && !req.get("logprobs").isJsonNull() ? integer(req, "logprobs", 0, 20) : -1;
        LocalChatModel.Completion done = complete(p.getAsString(), c, Math.max(top, 0));
        JsonObject choice = new JsonObject();
        choice.addProperty("index", 0);
        choice.addProperty("text", done.text());
        if (top >= 0) {
            JsonArray tokens = new JsonArray(),
                    logprobs = new JsonArray(),
                    tops = new JsonArray(),
                    offsets = new JsonArray();
            int offset = 0;
            for (LocalChatModel.TokenChoice t : done.tokens()) {
                tokens.add(t.text());
                logprobs.add(t.logprob());
                JsonObject alts = new JsonObject();
                for (LocalChatModel.Alternative a : t.top()) {
                    alts.addProperty(a.text(), a.logprob());
                }
                tops.add(alts);
                offsets.add(offset);
                offset += t.text().length();
            }
            JsonObject lp = new JsonObject();
            lp.add("tokens", tokens);
            lp.add("token_logprobs", logprobs);
            lp.add("top_logprobs", tops);
            lp.add("text_offset", offsets);
            choice.add("logprobs", lp);
        } else {
            choice.add("logprobs", com.google.gson.JsonNull.INSTANCE);
        }
        choice.addProperty("finish_reason", done.finishReason());
        return envelope("cmpl-", "text_completion", choice, done);
    }

    private LocalChatModel.Completion complete(String prompt, Common c, int top) throws BadRequest {
        try {
            return model.complete(prompt, c.maxTokens(), c.sampling(), top, c.stops());
        } catch (ServerException e) {
            throw new BadRequest(400, "invalid_request_error", "context_length_exceeded", e.getMessage());
        }
    }

    private JsonObject envelope(String idPrefix, String object, JsonObject choice, LocalChatModel.Completion done) {
        JsonObject o = new JsonObject();
        o.addProperty("id", idPrefix + UUID.randomUUID().toString().replace("-", ""));
        o.addProperty("object", object);
        o.addProperty("created", System.currentTimeMillis() / 1000);
        o.addProperty("model", model.modelName());
        JsonArray choices = new JsonArray();
        choices.add(choice);
        o.add("choices", choices);
        JsonObject usage = new JsonObject();
        usage.addProperty("prompt_tokens", done.promptTokens());
        usage.addProperty("completion_tokens", done.tokens().size());
        usage.addProperty("total_tokens", done.promptTokens() + done.tokens().size());
        o.add("usage", usage);
        return o;
    }

    private static JsonObject tokenLogprob(String token, double logprob) {
        JsonObject o = new JsonObject();
        o.addProperty("token", token);
        o.addProperty("logprob", logprob);
        JsonArray bytes = new JsonArray();
        for (byte b : token.getBytes(StandardCharsets.UTF_8)) {
            bytes.add(b & 0xff);
        }
        o.add("bytes", bytes);
        return o;
    }

    /** A message's content: a string, or OpenAI's list of parts of which the text ones are joined. */
    private static String content(JsonObject m) throws BadRequest {
        JsonElement c = m.get("content");
        if (c != null && c.isJsonPrimitive() && c.getAsJsonPrimitive().isString()) {
            return c.getAsString();
        }
        if (c != null && c.isJsonArray()) {
            StringBuilder b = new StringBuilder();
            for (JsonElement part : c.getAsJsonArray()) {
                if (!part.isJsonObject() || !"text".equals(optString(part.getAsJsonObject(), "type"))) {
                    throw BadRequest.invalid("only text content parts are supported");
                }
                b.append(string(part.getAsJsonObject(), "text"));
            }
            return b.toString();
        }
        throw BadRequest.invalid("each message needs a content string");
    }

    private static String optString(JsonObject o, String key) {
        JsonElement e = o.get(key);
        return e != null && e.isJsonPrimitive() && e.getAsJsonPrimitive().isString() ? e.getAsString() : null;
    }

    private static String string(JsonObject o, String key) throws BadRequest {
        String s = optString(o, key);
        if (s == null) {
            throw BadRequest.invalid(key + " must be a string");
        }
        return s;
    }

    private static boolean bool(JsonObject o, String key) throws BadRequest {
        JsonElement e = o.get(key);
        if (e == null || !e.isJsonPrimitive() || !e.getAsJsonPrimitive().isBoolean()) {
            throw BadRequest.invalid(key + " must be true or false");
        }
        return e.getAsBoolean();
    }

    private static int integer(JsonObject o, String key, int min, int max) throws BadRequest {
        JsonElement e = o.get(key);
        if (e == null || !e.isJsonPrimitive() || !e.getAsJsonPrimitive().isNumber()) {
            throw BadRequest.invalid(key + " must be an integer");
        }
        double v = e.getAsDouble();
        if (v != Math.rint(v) || v < min || v > max) {
            throw BadRequest.invalid(key + " must be an integer from " + min + " to " + max);
        }
        return (int) v;
    }

    private static double number(JsonObject o, String key, double min, double max) throws BadRequest {
        JsonElement e = o.get(key);
        if (e == null || !e.isJsonPrimitive() || !e.getAsJsonPrimitive().isNumber()) {
            throw BadRequest.invalid(key + " must be a number");
        }
        double v = e.getAsDouble();
        if (!(v >= min && v <= max)) {
            throw BadRequest.invalid(key + " must be from " + min + " to " + max);
        }
        return v;
    }

    private static JsonObject error(String message, String type, String code) {
        JsonObject err = new JsonObject();
        err.addProperty("message", message);
        err.addProperty("type", type);
        if (code != null) {
            err.addProperty("code", code);
        } else {
            err.add("code", com.google.gson.JsonNull.INSTANCE);
        }
        JsonObject o = new JsonObject();
        o.add("error", err);
        return o;
    }

    private static void send(HttpExchange ex, int status, JsonObject body) throws IOException {
        byte[] bytes = body.toString().getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(status, bytes.length);
        ex.getResponseBody().write(bytes);
    }
}
