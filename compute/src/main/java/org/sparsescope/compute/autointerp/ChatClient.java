package org.sparsescope.compute.autointerp;

import java.io.IOException;
import java.util.List;

/** A model that answers chat messages: a server speaking OpenAI's chat API, or a model the app runs itself. */
public interface ChatClient {
    /** One message of a conversation: role "system", "user" or "assistant". */
    record Message(String role, String content) {}

    /**
     * What came back: the text, the generated tokens' log-probabilities when asked for and given (else null), and the
     * tokens the server counted (0 when it did not say).
     */
    record Reply(String text, List<Answers.TokenLogprobs> logprobs, long promptTokens, long completionTokens) {}

    /** Greedy (temperature 0) unless the server ignores it; {@code topLogprobs} &gt; 0 asks for log-probabilities. */
    Reply chat(List<Message> messages, int maxTokens, int topLogprobs) throws IOException, InterruptedException;

    /** Which model answers, as results are stored under it. */
    String modelName();
}
