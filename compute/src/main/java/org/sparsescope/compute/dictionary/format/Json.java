package org.sparsescope.compute.dictionary.format;

import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import org.sparsescope.compute.JsonInput;
import org.sparsescope.compute.dictionary.DictionaryFormatException;

/** The format readers' config files: {@link JsonInput}, its errors as {@link DictionaryFormatException}. */
final class Json {
    private Json() {}

    static JsonInput in(Path file) {
        return JsonInput.of(file, DictionaryFormatException::new);
    }

    static JsonObject read(Path file) throws IOException {
        return in(file).readObject();
    }

    static JsonObject object(Path file, JsonObject o, String key) throws IOException {
        return in(file).object(o, key);
    }

    static String str(Path file, JsonObject o, String key, String fallback) throws IOException {
        return in(file).str(o, key, fallback);
    }

    static Integer integer(Path file, JsonObject o, String key) throws IOException {
        return in(file).integer(o, key);
    }

    static int requiredInt(Path file, JsonObject o, String key) throws IOException {
        return in(file).requiredInt(o, key);
    }

    static Double number(Path file, JsonObject o, String key) throws IOException {
        return in(file).number(o, key);
    }

    static Boolean bool(Path file, JsonObject o, String key) throws IOException {
        return in(file).bool(o, key);
    }

    static Map<String, String> flatten(JsonObject o) {
        return JsonInput.flatten(o);
    }
}
