package org.sparsescope.compute.dictionary.format;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.sparsescope.compute.dictionary.DictionaryFormatException;

/** Config-file reading the format readers share: typed fields, and a typed error naming the file and the field. */
final class Json {
    private Json() {
    }

    static JsonObject read(Path file) throws IOException {
        try {
            JsonElement e = JsonParser.parseString(Files.readString(file));
            if (!e.isJsonObject()) {
                throw new DictionaryFormatException(file, "expected a JSON object");
            }
            return e.getAsJsonObject();
        } catch (NoSuchFileException e) {
            throw new DictionaryFormatException(file, "missing");
        } catch (CharacterCodingException e) {
            throw new DictionaryFormatException(file, "not UTF-8 text");
        } catch (JsonParseException e) {
            throw new DictionaryFormatException(file, "not valid JSON" + where(e.getMessage()));
        }
    }

    /** " (at line L column C)" from a parser's message, without its advice on parser settings. */
    static String where(String parserMessage) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("line (\\d+) column (\\d+)").matcher(parserMessage == null ? "" : parserMessage);
        return m.find() ? " (at line " + m.group(1) + " column " + m.group(2) + ")" : "";
    }

    /** The object at {@code key}, or an empty one when absent or of another type. */
    static JsonObject object(JsonObject o, String key) {
        return o.has(key) && o.get(key).isJsonObject() ? o.getAsJsonObject(key) : new JsonObject();
    }

    /** A string (or number, as text) at {@code key}; fallback when absent or null. */
    static String str(Path file, JsonObject o, String key, String fallback) throws DictionaryFormatException {
        if (!o.has(key) || o.get(key).isJsonNull()) {
            return fallback;
        }
        if (!o.get(key).isJsonPrimitive()) {
            throw new DictionaryFormatException(file, "field \"" + key + "\" should be a string, found " + o.get(key));
        }
        return o.get(key).getAsString();
    }

    static Integer integer(Path file, JsonObject o, String key) throws DictionaryFormatException {
        if (!o.has(key) || o.get(key).isJsonNull()) {
            return null;
        }
        try {
            if (o.get(key).isJsonPrimitive() && o.get(key).getAsJsonPrimitive().isNumber()) {
                double v = o.get(key).getAsDouble();
                if (v == Math.rint(v) && Math.abs(v) <= Integer.MAX_VALUE) {
                    return (int) v;
                }
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new DictionaryFormatException(file, "field \"" + key + "\" should be an integer, found " + o.get(key));
    }

    static int requiredInt(Path file, JsonObject o, String key) throws DictionaryFormatException {
        Integer v = integer(file, o, key);
        if (v == null) {
            throw new DictionaryFormatException(file, "lacks \"" + key + "\"");
        }
        return v;
    }

    static Boolean bool(Path file, JsonObject o, String key) throws DictionaryFormatException {
        if (!o.has(key) || o.get(key).isJsonNull()) {
            return null;
        }
        if (o.get(key).isJsonPrimitive() && o.get(key).getAsJsonPrimitive().isBoolean()) {
            return o.get(key).getAsBoolean();
        }
        throw new DictionaryFormatException(file, "field \"" + key + "\" should be true or false, found " + o.get(key));
    }

    static Map<String, String> flatten(JsonObject o) {
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
                out.put(key, e.getValue().isJsonPrimitive() ? e.getValue().getAsString() : e.getValue().toString());
            }
        }
    }
}
