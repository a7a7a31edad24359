package org.sparsescope.compute.model;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.sparsescope.compute.InvalidInputException;

/**
 * A model's tokenizer.json through DJL's binding of Hugging Face tokenizers, offline. Encodes raw text with no
 * added special tokens, no truncation and no padding, exactly as {@code tokenizer.encode(text).ids} in Python.
 */
public final class Tokenizer implements AutoCloseable {
    public static final String FILE = "tokenizer.json";
    public static final String END_OF_TEXT = "<|endoftext|>";

    private final Path file;
    private final HuggingFaceTokenizer hf;

    private Tokenizer(Path file, HuggingFaceTokenizer hf) {
        this.file = file;
        this.hf = hf;
    }

    /**
     * Loads {@code tokenizer.json} from a model folder: checked first, and test-loaded in a child process when new,
     * since the native library aborts the JVM on some malformed files (see {@link TokenizerProbe}).
     */
    public static Tokenizer load(Path modelDir) throws IOException {
        Path file = modelDir.resolve(FILE);
        if (!Files.isRegularFile(file)) {
            throw new InvalidInputException(file, "missing: the model folder needs its tokenizer.json");
        }
        TokenizerFileCheck.validate(file);
        TokenizerProbe.ensureSafe(file);
        return loadInProcess(file);
    }

    /** The checks {@link #load} makes of a tokenizer file before any native code reads it (a typed error when one fails). */
    public static void check(Path file) throws IOException {
        TokenizerFileCheck.validate(file);
    }

    /** The native load itself, for a file already checked (or inside the probe's child process). */
    static Tokenizer loadInProcess(Path file) throws IOException {
        try {
            HuggingFaceTokenizer hf = HuggingFaceTokenizer.newInstance(
                    file,
                    Map.of(
                            "addSpecialTokens",
                            "false",
                            "truncation",
                            "false",
                            "padding",
                            "false",
                            "maxLength",
                            String.valueOf(Integer.MAX_VALUE),
                            "modelMaxLength",
                            String.valueOf(Integer.MAX_VALUE)));
            return new Tokenizer(file, hf);
        } catch (RuntimeException e) {
            throw new InvalidInputException(file, "not a readable tokenizer: " + e.getMessage(), e);
        }
    }

    public Path file() {
        return file;
    }

    public long[] encode(String text) {
        return hf.encode(text, false, false).getIds();
    }

    public String decode(long[] ids) {
        return hf.decode(ids, false);
    }

    /**
     * The text of one token as it appears in context (byte-level pieces decoded). A token that is part of a
     * character (a byte-level piece of UTF-8, which would decode to "�") shows its bytes instead, e.g. "‹e2 80›",
     * so that two such tokens stay told apart.
     */
    public String tokenText(long id) {
        String text = hf.decode(new long[] {id}, false);
        if (text.indexOf('\uFFFD') < 0) {
            return text;
        }
        String piece = vocabulary().get(id);
        return piece == null ? text : ByteLevel.readable(piece);
    }

    private volatile Map<Long, String> vocabulary;

    /** The vocabulary's pieces by id, read from tokenizer.json once, when a byte-level piece first needs showing. */
    private Map<Long, String> vocabulary() {
        Map<Long, String> v = vocabulary;
        if (v == null) {
            try {
                v = ByteLevel.vocabulary(file);
            } catch (IOException | RuntimeException e) {
                v = Map.of(); // the decoded text is shown, as before
            }
            vocabulary = v;
        }
        return v;
    }

    private volatile Long bosId;

    /**
     * The token this tokenizer puts before a text when asked for special tokens (its post-processor's BOS, as
     * {@code tokenizer(text)} in Python adds it); -1 when it adds none.
     */
    public long bosId() {
        Long id = bosId;
        if (id == null) {
            long[] plain = hf.encode("a", false, false).getIds();
            long[] special = hf.encode("a", true, false).getIds();
            id = special.length > plain.length && special.length > 0 && (plain.length == 0 || special[0] != plain[0])
                    ? special[0]
                    : -1L;
            bosId = id;
        }
        return id;
    }

    /** The id of {@code <|endoftext|>}, which joins documents; -1 when the vocabulary lacks it. */
    public long endOfTextId() {
        long[] ids = encode(END_OF_TEXT);
        return ids.length == 1 ? ids[0] : -1;
    }

    @Override
    public void close() {
        hf.close();
    }
}
