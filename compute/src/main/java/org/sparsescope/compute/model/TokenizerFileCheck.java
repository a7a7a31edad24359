package org.sparsescope.compute.model;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import org.sparsescope.compute.InvalidInputException;
import org.sparsescope.compute.JsonInput;

/**
 * Checks a {@code tokenizer.json} before the native Hugging Face library sees it. That library is Rust behind JNI: a
 * panic there cannot unwind into Java and aborts the whole JVM (the app, the user's unsaved work). The checks refuse,
 * with a typed error, the inputs known to panic or to take minutes, and bound size and nesting; anything they miss is
 * caught by loading a new file first in a child process ({@link TokenizerProbe}).
 */
final class TokenizerFileCheck {
    /** Real added tokens are a few characters; a 49,000-character one makes loading take a minute. */
    static final int MAX_ADDED_TOKEN_CHARS = 512;

    static final int MAX_ADDED_TOKENS = 1 << 20;

    private TokenizerFileCheck() {}

    static void validate(Path file) throws IOException {
        JsonInput in =
                JsonInput.of(file); // bounded size, strict UTF-8, nesting ≤ 64 (the decoder recursion panic needs 200)
        JsonObject root = in.readObject();
        JsonObject model = in.object(root, "model");
        String type = in.str(model, "type", "BPE");
        if (!Set.of("BPE", "WordPiece", "WordLevel", "Unigram").contains(type)) {
            throw in.error("model type '" + type
                    + "' is not one the tokenizer library knows (BPE, WordPiece, WordLevel, Unigram)");
        }
        JsonElement added = root.get("added_tokens");
        if (added != null && !added.isJsonNull()) {
            if (!added.isJsonArray()) {
                throw in.error("\"added_tokens\" should be a list");
            }
            JsonArray list = added.getAsJsonArray();
            if (list.size() > MAX_ADDED_TOKENS) {
                throw in.error(list.size() + " added tokens is more than " + MAX_ADDED_TOKENS);
            }
            for (JsonElement e : list) {
                if (!e.isJsonObject()) {
                    throw in.error("each of \"added_tokens\" should be an object");
                }
                String content = in.str(e.getAsJsonObject(), "content", "");
                if (content.length() > MAX_ADDED_TOKEN_CHARS) {
                    throw in.error("an added token of " + content.length() + " characters (at most "
                            + MAX_ADDED_TOKEN_CHARS + ")");
                }
            }
        }
        if (type.equals("BPE")) {
            checkBpe(in, model);
        }
    }

    /**
     * With a continuing-subword prefix, the library (tokenizers 0.21, bpe/model.rs) slices each merge's second part
     * after the prefix and looks the joined token up unchecked: every merge must have that shape, or it panics.
     */
    private static void checkBpe(JsonInput in, JsonObject model) throws InvalidInputException {
        String prefix = in.str(model, "continuing_subword_prefix", null);
        in.str(model, "end_of_word_suffix", null);
        JsonObject vocab = in.object(model, "vocab");
        JsonElement merges = model.get("merges");
        if (merges != null && !merges.isJsonNull() && !merges.isJsonArray()) {
            throw in.error("\"model.merges\" should be a list");
        }
        if (prefix == null || prefix.isEmpty() || merges == null || merges.isJsonNull()) {
            return;
        }
        Set<String> tokens = new HashSet<>(vocab.keySet());
        for (JsonElement m : merges.getAsJsonArray()) {
            String a;
            String b;
            if (m.isJsonPrimitive()) {
                String[] parts = m.getAsString().split(" ", -1);
                if (parts.length != 2) {
                    throw in.error("a merge '" + m.getAsString() + "' is not two tokens");
                }
                a = parts[0];
                b = parts[1];
            } else if (m.isJsonArray()
                    && m.getAsJsonArray().size() == 2
                    && m.getAsJsonArray().get(0).isJsonPrimitive()
                    && m.getAsJsonArray().get(1).isJsonPrimitive()) {
                a = m.getAsJsonArray().get(0).getAsString();
                b = m.getAsJsonArray().get(1).getAsString();
            } else {
                throw in.error("a merge " + m + " is not two tokens");
            }
            if (!b.startsWith(prefix)
                    || !tokens.contains(a)
                    || !tokens.contains(b)
                    || !tokens.contains(a + b.substring(prefix.length()))) {
                throw in.error(
                        "with continuing_subword_prefix '" + prefix + "', the merge '" + a + " " + b
                                + "' does not join two vocabulary tokens the prefix continues; the tokenizer library would abort on it");
            }
        }
    }
}
