package org.sparsescope.compute.autointerp;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reading what an explainer or a scorer answered. Models are chatty and may quote the examples they were shown, so
 * each reader takes the <em>last</em> well-formed answer in the text (the prompts ask for it at the end), and a text
 * without one is an {@link AnswerFormatException} naming what was missing.
 */
public final class Answers {
    private Answers() {}

    /** The marker the explainer's final line starts with. */
    public static final String EXPLANATION_MARKER = "[EXPLANATION]:";

    private static final Pattern BINARY_LIST = Pattern.compile("\\[\\s*([01](?:\\s*,\\s*[01])*)\\s*]");
    private static final int MAX_EXPLANATION_CHARS = 500;

    /**
     * The explanation on the answer's last {@code [EXPLANATION]:} line: the rest of that line, without quotes or
     * markdown emphasis around it.
     */
    public static String explanation(String answer) throws AnswerFormatException {
        if (answer == null) {
            throw new AnswerFormatException("the answer is empty", "");
        }
        int at = answer.lastIndexOf(EXPLANATION_MARKER);
        if (at < 0) {
            throw new AnswerFormatException("no " + EXPLANATION_MARKER + " line in the answer", answer);
        }
        String rest = answer.substring(at + EXPLANATION_MARKER.length());
        int nl = rest.indexOf('\n');
        String line = (nl < 0 ? rest : rest.substring(0, nl)).strip();
        // quotes or emphasis around the whole line go; quotes inside it stay ("the word \"the\"")
        while (line.length() >= 2
                && "*_\"'`".indexOf(line.charAt(0)) >= 0
                && line.charAt(line.length() - 1) == line.charAt(0)) {
            line = line.substring(1, line.length() - 1).strip();
        }
        if (line.isEmpty()) {
            throw new AnswerFormatException(EXPLANATION_MARKER + " is followed by nothing", answer);
        }
        return line.length() > MAX_EXPLANATION_CHARS ? line.substring(0, MAX_EXPLANATION_CHARS) : line;
    }

    /**
     * The scorer's yes/no per example: the last list of 0s and 1s in the answer with {@code n} entries. A list of
     * another length, or none, is an {@link AnswerFormatException}.
     */
    public static boolean[] selections(String answer, int n) throws AnswerFormatException {
        if (answer == null) {
            throw new AnswerFormatException("the answer is empty", "");
        }
        Matcher m = BINARY_LIST.matcher(answer);
        boolean[] found = null;
        int otherLength = -1;
        while (m.find()) {
            String[] items = m.group(1).split("\\s*,\\s*");
            if (items.length == n) {
                found = new boolean[n];
                for (int i = 0; i < n; i++) {
                    found[i] = items[i].strip().equals("1");
                }
            } else {
                otherLength = items.length;
            }
        }
        if (found != null) {
            return found;
        }
        throw new AnswerFormatException(
                otherLength >= 0
                        ? "a list of " + otherLength + " answers for " + n + " examples"
                        : "no list of 0s and 1s in the answer",
                answer);
    }

    /** One generated token and the top alternatives the server reported for its place, as log-probabilities. */
    public record TokenLogprobs(String token, List<String> top, List<Double> topLogprobs) {}

    /**
     * P(1) / (P(0) + P(1)) at each generated token that holds a 0 or a 1, summing the top alternatives that contain
     * each (delphi's {@code _parse_logprobs}); null unless exactly {@code n} such tokens were generated.
     */
    public static double[] probabilities(List<TokenLogprobs> tokens, int n) {
        if (tokens == null) {
            return null;
        }
        List<Double> out = new ArrayList<>();
        for (TokenLogprobs t : tokens) {
            if (!t.token().contains("0") && !t.token().contains("1")) {
                continue;
            }
            double p0 = 0, p1 = 0;
            for (int i = 0; i < t.top().size(); i++) {
                String alt = t.top().get(i);
                double p = Math.exp(t.topLogprobs().get(i));
                if (alt.contains("0")) {
                    p0 += p;
                } else if (alt.contains("1")) {
                    p1 += p;
                }
            }
            out.add(p0 + p1 > 0 ? p1 / (p0 + p1) : 0.0);
        }
        if (out.size() != n) {
            return null;
        }
        return out.stream().mapToDouble(Double::doubleValue).toArray();
    }

    /** The chat API's {@code logprobs.content} as token records (null when absent or not that shape). */
    static List<TokenLogprobs> fromChatLogprobs(JsonElement logprobs) {
        if (logprobs == null
                || !logprobs.isJsonObject()
                || !logprobs.getAsJsonObject().has("content")) {
            return null;
        }
        JsonElement content = logprobs.getAsJsonObject().get("content");
        if (!content.isJsonArray()) {
            return null;
        }
        List<TokenLogprobs> out = new ArrayList<>();
        for (JsonElement e : content.getAsJsonArray()) {
            if (!e.isJsonObject() || !e.getAsJsonObject().has("token")) {
                return null;
            }
            var o = e.getAsJsonObject();
            List<String> top = new ArrayList<>();
            List<Double> lp = new ArrayList<>();
            JsonArray alts = o.has("top_logprobs") && o.get("top_logprobs").isJsonArray()
                    ? o.getAsJsonArray("top_logprobs")
                    : new JsonArray();
            for (JsonElement a : alts) {
                if (a.isJsonObject()
                        && a.getAsJsonObject().has("token")
                        && a.getAsJsonObject().has("logprob")) {
                    top.add(a.getAsJsonObject().get("token").getAsString());
                    lp.add(a.getAsJsonObject().get("logprob").getAsDouble());
                }
            }
            out.add(new TokenLogprobs(o.get("token").getAsString(), top, lp));
        }
        return out;
    }
}
