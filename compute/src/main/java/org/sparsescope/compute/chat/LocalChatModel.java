package org.sparsescope.compute.chat;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.sparsescope.compute.InvalidInputException;
import org.sparsescope.compute.JsonInput;
import org.sparsescope.compute.autointerp.Answers;
import org.sparsescope.compute.autointerp.ChatClient;
import org.sparsescope.compute.autointerp.ServerException;
import org.sparsescope.compute.model.Generator;
import org.sparsescope.compute.model.Hooks;
import org.sparsescope.compute.model.LanguageModel;

/**
 * A model the app runs itself, answering chat messages: its own chat template renders them, decoding is greedy (or
 * sampled from a seed) with the key/value cache, and it stops at the model's end tokens ({@code generation_config}'s
 * and {@code config}'s {@code eos_token_id}, and the template's {@code eos_token}) or at a stop string. Each
 * generated token comes with its log-probability and the top alternatives, from the logits it was picked from.
 * Optional {@code hooks} (steering) apply to every pass. One request runs at a time: the model is one device copy.
 */
public final class LocalChatModel implements ChatClient {
    /** One candidate token and its log-probability. */
    public record Alternative(long id, String text, double logprob) {}

    /** A generated token: its log-probability and the most likely alternatives at its place (itself among them). */
    public record TokenChoice(long id, String text, double logprob, List<Alternative> top) {}

    /** Why generation ended: a stop token or string ("stop"), or the token limit ("length"), as OpenAI names them. */
    public record Completion(
            String text, List<TokenChoice> tokens, int promptTokens, String finishReason, double seconds) {}

    private final LanguageModel model;
    private final ChatTemplate template;
    private final String name;
    private final Hooks hooks;
    private final Set<Long> stopIds;

    public LocalChatModel(LanguageModel model, ChatTemplate template, String name, Hooks hooks) throws IOException {
        this.model = model;
        this.template = template;
        this.name = name;
        this.hooks = hooks;
        this.stopIds = stopIds(model, template);
    }

    /** The model in {@code model.dir()} with its own template, unsteered, named by its folder. */
    public static LocalChatModel of(LanguageModel model) throws IOException {
        return new LocalChatModel(
                model,
                ChatTemplate.of(model.dir()),
                model.dir().getFileName().toString(),
                Hooks.builder().build());
    }

    @Override
    public String modelName() {
        return name;
    }

    public ChatTemplate template() {
        return template;
    }

    /** The ids that end an answer. */
    public Set<Long> stopIds() {
        return stopIds;
    }

    private static Set<Long> stopIds(LanguageModel model, ChatTemplate template) throws IOException {
        Set<Long> ids = new LinkedHashSet<>();
        for (String file : List.of("generation_config.json", "config.json")) {
            Path f = model.dir().resolve(file);
            if (Files.isRegularFile(f)) {
                JsonInput in = JsonInput.of(f);
                JsonObject o = in.readObject();
                addIds(in, o.get("eos_token_id"), ids);
                if (o.has("text_config") && o.get("text_config").isJsonObject()) {
                    addIds(in, o.getAsJsonObject("text_config").get("eos_token_id"), ids);
                }
            }
        }
        if (!template.eosToken().isEmpty()) {
            long[] eos = model.tokenizer().encode(template.eosToken());
            if (eos.length == 1) {
                ids.add(eos[0]);
            }
        }
        long eot = model.tokenizer().endOfTextId();
        if (eot >= 0) {
            ids.add(eot);
        }
        return Set.copyOf(ids);
    }

    private static void addIds(JsonInput in, JsonElement e, Set<Long> ids) throws InvalidInputException {
        if (e == null || e.isJsonNull()) {
            return;
        }
        if (e.isJsonArray()) {
            for (JsonElement x : e.getAsJsonArray()) {
                addIds(in, x, ids);
            }
        } else if (e.isJsonPrimitive() && e.getAsJsonPrimitive().isNumber()) {
            ids.add(e.getAsLong());
        } else {
            throw in.error("eos_token_id must be a token id or a list of them");
        }
    }

    /**
     * The messages as the model reads them. A template that refuses a system message (Gemma 2's) gets it folded into
     * the first user message, as servers do for such models.
     */
    public String prompt(List<Message> messages) throws InvalidInputException {
        try {
            return template.render(messages, true);
        } catch (InvalidInputException e) {
            if (messages.size() < 2
                    || !"system".equals(messages.get(0).role())
                    || !"user".equals(messages.get(1).role())) {
                throw e;
            }
            List<Message> folded = new ArrayList<>();
            folded.add(new Message(
                    "user", messages.get(0).content() + "\n\n" + messages.get(1).content()));
            folded.addAll(messages.subList(2, messages.size()));
            return template.render(folded, true);
        }
    }

    @Override
    public Reply chat(List<Message> messages, int maxTokens, int topLogprobs) throws IOException {
        Completion c = complete(prompt(messages), maxTokens, new Generator.Sampling(0, 0), topLogprobs, List.of());
        List<Answers.TokenLogprobs> logprobs = null;
        if (topLogprobs > 0) {
            logprobs = new ArrayList<>();
            for (TokenChoice t : c.tokens()) {
                logprobs.add(new Answers.TokenLogprobs(
                        t.text(),
                        t.top().stream().map(Alternative::text).toList(),
                        t.top().stream().map(Alternative::logprob).toList()));
            }
        }
        return new Reply(c.text(), logprobs, c.promptTokens(), c.tokens().size());
    }

    /**
     * Continues {@code text} (read as it is: special tokens spelled in it are those tokens) for at most
     * {@code maxTokens}, ending at a stop token or before the first of {@code stops}. A prompt longer than the
     * model's context is refused ({@link ServerException.Kind#REFUSED}); the answer is cut at the context's end.
     */
    public synchronized Completion complete(
            String text, int maxTokens, Generator.Sampling sampling, int topLogprobs, List<String> stops)
            throws ServerException {
        long[] ids = model.tokenizer().encode(text);
        int context = model.config().maxPositions();
        if (ids.length == 0) {
            throw refused("the prompt has no tokens");
        }
        if (ids.length >= context) {
            throw refused("the prompt has " + ids.length + " tokens; " + name + "'s context is " + context);
        }
        int budget = Math.min(maxTokens, context - ids.length);
        List<TokenChoice> choices = new ArrayList<>();
        List<Long> kept = new ArrayList<>();
        String[] finish = {"length"};
        String[] cut = {null};
        Generator.Result r = Generator.generate(model, ids, budget, sampling, hooks, true, (i, token, logits) -> {
            if (stopIds.contains(token)) {
                finish[0] = "stop";
                return false;
            }
            choices.add(choice(token, logits, topLogprobs));
            kept.add(token);
            if (!stops.isEmpty()) {
                String sofar = decode(kept);
                for (String s : stops) {
                    int at = sofar.indexOf(s);
                    if (!s.isEmpty() && at >= 0) {
                        cut[0] = sofar.substring(0, at);
                        finish[0] = "stop";
                        return false;
                    }
                }
            }
            return true;
        });
        String answer = cut[0] != null ? cut[0] : decode(kept);
        return new Completion(answer, List.copyOf(choices), ids.length, finish[0], r.seconds());
    }

    /** The {@code k} largest entries' indices, largest first (k passes of insertion: k is at most a few dozen). */
    static int[] topIndices(float[] values, int k) {
        int n = Math.min(Math.max(k, 0), values.length);
        int[] best = new int[n];
        if (n == 0) {
            return best;
        }
        int filled = 0;
        for (int v = 0; v < values.length; v++) {
            if (filled < n || values[v] > values[best[n - 1]]) {
                int at = Math.min(filled, n - 1);
                while (at > 0 && values[best[at - 1]] < values[v]) {
                    best[at] = best[at - 1];
                    at--;
                }
                best[at] = v;
                filled = Math.min(filled + 1, n);
            }
        }
        return best;
    }

    private String decode(List<Long> ids) {
        return model.tokenizer().decode(ids.stream().mapToLong(Long::longValue).toArray());
    }

    private ServerException refused(String why) {
        return new ServerException(name, ServerException.Kind.REFUSED, 400, why, null);
    }

    /** The token's log-probability under log-softmax of the logits, and the {@code k} most likely tokens. */
    private TokenChoice choice(long token, float[] logits, int k) {
        double max = Double.NEGATIVE_INFINITY;
        for (float l : logits) {
            max = Math.max(max, l);
        }
        double sum = 0;
        for (float l : logits) {
            sum += Math.exp(l - max);
        }
        double logZ = max + Math.log(sum);
        List<Alternative> top = new ArrayList<>();
        for (int v : topIndices(logits, k)) {
            top.add(new Alternative(v, model.tokenizer().tokenText(v), logits[v] - logZ));
        }
        return new TokenChoice(token, model.tokenizer().tokenText(token), logits[(int) token] - logZ, top);
    }
}
