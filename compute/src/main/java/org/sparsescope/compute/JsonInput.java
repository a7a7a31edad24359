package org.sparsescope.compute;

import com.google.gson.Gson;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import java.io.IOException;
import java.io.StringReader;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A JSON file the user gave (a config, a manifest, a workspace), read totally: a bounded size, strict UTF-8, bounded
 * nesting, and typed fields, so that a missing file, bad text, a field of the wrong type or a null is an
 * {@link InvalidInputException} naming the file and the field, never Gson's unchecked exceptions.
 */
public final class JsonInput {
    /** Configs and manifests are kilobytes; beyond this a file is not one (and would cost memory to parse). */
    public static final long MAX_BYTES = 64L << 20;
    /** Real configs nest a few levels; deeper input is refused before it can cost stack or time. */
    public static final int MAX_NESTING = 64;

    /** Makes the typed error for a problem (a reader of dictionaries uses its own subtype). */
    @FunctionalInterface
    public interface Errors {
        InvalidInputException of(Path file, String problem);
    }

    private final Path file;
    private final Errors errors;

    private JsonInput(Path file, Errors errors) {
        this.file = file;
        this.errors = errors;
    }

    public static JsonInput of(Path file) {
        return new JsonInput(file, InvalidInputException::new);
    }

    public static JsonInput of(Path file, Errors errors) {
        return new JsonInput(file, errors);
    }

    public Path file() {
        return file;
    }

    public InvalidInputException error(String problem) {
        return errors.of(file, problem);
    }

    /** The file's text: at most {@link #MAX_BYTES}, strictly UTF-8. */
    public String text() throws IOException {
        long size;
        try {
            size = Files.size(file);
        } catch (NoSuchFileException e) {
            throw error("missing");
        }
        if (size > MAX_BYTES) {
            throw error(size + " bytes is too large for this kind of file (at most " + MAX_BYTES + ")");
        }
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw error("missing");
        }
        try {
            return StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes))
                    .toString();
        } catch (CharacterCodingException e) {
            throw error("not UTF-8 text");
        }
    }

    /** The whole file as a JSON element. */
    public JsonElement readElement() throws IOException {
        return parse(text());
    }

    /** The whole file, which must be a JSON object. */
    public JsonObject readObject() throws IOException {
        JsonElement e = readElement();
        if (!e.isJsonObject()) {
            throw error("expected a JSON object, found " + kind(e));
        }
        return e.getAsJsonObject();
    }

    /** Text (of this file, or one line of it) as JSON, nesting bounded. */
    public JsonElement parse(String text) throws InvalidInputException {
        try {
            JsonReader r = new JsonReader(new StringReader(text));
            r.setNestingLimit(MAX_NESTING);
            JsonElement e = JsonParser.parseReader(r);
            if (r.peek() != JsonToken.END_DOCUMENT) {
                throw error("not valid JSON: text after the value");
            }
            return e;
        } catch (JsonParseException | IOException | IllegalStateException e) {
            String m = String.valueOf(e.getMessage());
            throw error((m.contains("Nesting limit")
                            ? "nested more than " + MAX_NESTING + " levels deep"
                            : "not valid JSON")
                    + where(m));
        }
    }

    /** A record or class read by Gson, its type errors typed. */
    public <T> T read(Gson gson, Class<T> type) throws IOException {
        JsonElement e = readElement();
        try {
            return gson.fromJson(e, type);
        } catch (RuntimeException ex) {
            // Gson's own errors for a field of the wrong type, and its wrapper around a record's constructor refusing
            // what it was given: both are about this file's content
            throw error("a field has the wrong type or a value is not allowed: "
                    + abbreviate(String.valueOf(ex.getMessage())));
        }
    }

    /** " (at line L column C)" from a parser's message, without its advice on parser settings. */
    static String where(String parserMessage) {
        Matcher m = Pattern.compile("line (\\d+) column (\\d+)").matcher(parserMessage == null ? "" : parserMessage);
        return m.find() ? " (at line " + m.group(1) + " column " + m.group(2) + ")" : "";
    }

    // --- typed fields ---

    /** The object at {@code key}; an empty one when absent or null; an error when of another type. */
    public JsonObject object(JsonObject o, String key) throws InvalidInputException {
        JsonElement v = o.get(key);
        if (v == null || v.isJsonNull()) {
            return new JsonObject();
        }
        if (!v.isJsonObject()) {
            throw error("field \"" + key + "\" should be an object, found " + abbreviate(v.toString()));
        }
        return v.getAsJsonObject();
    }

    /** A string (or a number, as text) at {@code key}; fallback when absent or null. */
    public String str(JsonObject o, String key, String fallback) throws InvalidInputException {
        JsonElement v = o.get(key);
        if (v == null || v.isJsonNull()) {
            return fallback;
        }
        if (!v.isJsonPrimitive() || v.getAsJsonPrimitive().isBoolean()) {
            throw error("field \"" + key + "\" should be a string, found " + abbreviate(v.toString()));
        }
        return v.getAsString();
    }

    public String requiredString(JsonObject o, String key) throws InvalidInputException {
        String s = str(o, key, null);
        if (s == null) {
            throw error("lacks \"" + key + "\"");
        }
        return s;
    }

    public Integer integer(JsonObject o, String key) throws InvalidInputException {
        Long v = longValue(o, key);
        if (v == null) {
            return null;
        }
        if (v > Integer.MAX_VALUE || v < Integer.MIN_VALUE) {
            throw error("field \"" + key + "\" is " + v + ", out of range");
        }
        return v.intValue();
    }

    public int requiredInt(JsonObject o, String key) throws InvalidInputException {
        Integer v = integer(o, key);
        if (v == null) {
            throw error("lacks \"" + key + "\"");
        }
        return v;
    }

    /** A positive integer no larger than {@code max}, required: a size that must be sane before anything is allocated. */
    public int positiveInt(JsonObject o, String key, int max) throws InvalidInputException {
        int v = requiredInt(o, key);
        if (v <= 0 || v > max) {
            throw error("field \"" + key + "\" is " + v + " (expected 1 to " + max + ")");
        }
        return v;
    }

    public Long longValue(JsonObject o, String key) throws InvalidInputException {
        JsonElement v = o.get(key);
        if (v == null || v.isJsonNull()) {
            return null;
        }
        if (v.isJsonPrimitive() && v.getAsJsonPrimitive().isNumber()) {
            try {
                return v.getAsBigDecimal().longValueExact();
            } catch (ArithmeticException | NumberFormatException e) {
                // reported below
            }
        }
        throw error("field \"" + key + "\" should be an integer, found " + abbreviate(v.toString()));
    }

    public Double number(JsonObject o, String key) throws InvalidInputException {
        JsonElement v = o.get(key);
        if (v == null || v.isJsonNull()) {
            return null;
        }
        if (v.isJsonPrimitive() && v.getAsJsonPrimitive().isNumber()) {
            try {
                return v.getAsDouble();
            } catch (NumberFormatException e) {
                // reported below
            }
        }
        throw error("field \"" + key + "\" should be a number, found " + abbreviate(v.toString()));
    }

    public double number(JsonObject o, String key, double fallback) throws InvalidInputException {
        Double v = number(o, key);
        return v == null ? fallback : v;
    }

    public Boolean bool(JsonObject o, String key) throws InvalidInputException {
        JsonElement v = o.get(key);
        if (v == null || v.isJsonNull()) {
            return null;
        }
        if (v.isJsonPrimitive() && v.getAsJsonPrimitive().isBoolean()) {
            return v.getAsBoolean();
        }
        throw error("field \"" + key + "\" should be true or false, found " + abbreviate(v.toString()));
    }

    public boolean bool(JsonObject o, String key, boolean fallback) throws InvalidInputException {
        Boolean v = bool(o, key);
        return v == null ? fallback : v;
    }

    /** Every scalar of an object as dotted key → text, for showing a config as it is. */
    public static Map<String, String> flatten(JsonObject o) {
        Map<String, String> out = new LinkedHashMap<>();
        flatten("", o, out);
        return out;
    }

    private static void flatten(String prefix, JsonObject o, Map<String, String> out) {
        for (Map.Entry<String, JsonElement> e : o.entrySet()) {
            String key = prefix + e.getKey();
            if (e.getValue().isJsonObject()) {
                flatten(key + ".", e.getValue().getAsJsonObject(), out);
            } else if (!e.getValue().isJsonNull()) {
                out.put(
                        key,
                        e.getValue().isJsonPrimitive()
                                ? e.getValue().getAsString()
                                : e.getValue().toString());
            }
        }
    }

    private static String kind(JsonElement e) {
        return e.isJsonArray()
                ? "a list"
                : e.isJsonNull() ? "null" : e.isJsonPrimitive() ? abbreviate(e.toString()) : "an object";
    }

    static String abbreviate(String s) {
        return s.length() > 80 ? s.substring(0, 80) + "…" : s;
    }
}
