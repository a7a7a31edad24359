package org.sparsescope.compute.workspace;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.sparsescope.compute.InvalidInputException;
import org.sparsescope.compute.JsonInput;
import org.sparsescope.compute.model.HookPoint;
import org.sparsescope.compute.model.HookPointJson;
import org.sparsescope.compute.tensor.AtomicFile;

/**
 * {@code workspace.sparsescope}: what a workspace holds, so that double-clicking it reopens the workspace as it
 * was: models by name, dictionaries with what the user stated of their model and hook, foreign activation sets
 * the user confirmed, the corpus, and the (model, hook) pair last shown. Rewritten atomically on every change.
 * Version 1 files (one model, one activation set) are read and upgraded.
 *
 * @param models       model names (hub ids, short names, the names dictionaries use) → folders
 * @param dictionaries every dictionary opened here; {@code model}/{@code hook} set only where the user stated them
 * @param foreignSets  activation sets of foreign layout → the model and hook the user confirmed for them
 * @param shown        the (model, hook) pair the frontier showed last, as "model @ hook"
 */
public record WorkspaceFile(
        int version,
        String corpus,
        Map<String, String> models,
        List<DictionaryRecord> dictionaries,
        Map<String, SetStatement> foreignSets,
        String shown) {
    public static final String NAME = "workspace.sparsescope";
    public static final int VERSION = 2;
    private static final Gson GSON = new GsonBuilder()
            .registerTypeAdapter(HookPoint.class, new HookPointJson().nullSafe())
            .setPrettyPrinting()
            .create();

    /** A dictionary known here; model and hook are the user's statement, null where the files say. */
    public record DictionaryRecord(String path, String model, HookPoint hook) {}

    /** The model and hook the user confirmed for an activation set whose files do not say. */
    public record SetStatement(String model, HookPoint hook) {}

    public WorkspaceFile {
        // sorted, so that the file's bytes do not depend on a JVM's Map.of order
        models = models == null ? Map.of() : java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(models));
        dictionaries = dictionaries == null ? List.of() : List.copyOf(dictionaries);
        foreignSets = foreignSets == null
                ? Map.of()
                : java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(foreignSets));
    }

    public static WorkspaceFile read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new InvalidInputException(file, "not found");
        }
        JsonInput in = JsonInput.of(file);
        JsonObject o = in.readObject();
        Integer version = o.has("version") ? in.integer(o, "version") : null;
        if (version == null) {
            throw new InvalidInputException(file, "not a Sparsescope workspace file (no \"version\")");
        }
        if (version == 1) {
            return upgrade(file, o);
        }
        if (version != VERSION) {
            throw new InvalidInputException(
                    file, "workspace format version " + version + " (this Sparsescope reads 1 and 2)");
        }
        return parse(in, o);
    }

    /** Field by field, so that a field of the wrong type is an error naming it rather than a silent coercion. */
    private static WorkspaceFile parse(JsonInput in, JsonObject o) throws InvalidInputException {
        Path file = in.file();
        Map<String, String> models = new LinkedHashMap<>();
        for (var e : in.object(o, "models").entrySet()) {
            models.put(e.getKey(), string(file, e.getValue(), "models." + e.getKey()));
        }
        List<DictionaryRecord> dicts = new ArrayList<>();
        JsonElement list = o.get("dictionaries");
        if (list != null && !list.isJsonNull()) {
            if (!list.isJsonArray()) {
                throw new InvalidInputException(file, "\"dictionaries\" should be a list, found " + list);
            }
            for (JsonElement e : list.getAsJsonArray()) {
                if (!e.isJsonObject()) {
                    throw new InvalidInputException(file, "each of \"dictionaries\" should be an object, found " + e);
                }
                JsonObject d = e.getAsJsonObject();
                String path = optionalString(file, d, "path");
                if (path == null) {
                    throw new InvalidInputException(file, "a dictionary entry lacks its \"path\"");
                }
                dicts.add(new DictionaryRecord(path, optionalString(file, d, "model"), hook(file, d)));
            }
        }
        Map<String, SetStatement> sets = new LinkedHashMap<>();
        for (var e : in.object(o, "foreignSets").entrySet()) {
            if (!e.getValue().isJsonObject()) {
                throw new InvalidInputException(
                        file, "\"foreignSets." + e.getKey() + "\" should be an object, found " + e.getValue());
            }
            sets.put(
                    e.getKey(),
                    new SetStatement(
                            optionalString(file, e.getValue().getAsJsonObject(), "model"),
                            hook(file, e.getValue().getAsJsonObject())));
        }
        return new WorkspaceFile(
                VERSION, optionalString(file, o, "corpus"), models, dicts, sets, optionalString(file, o, "shown"));
    }

    private static String optionalString(Path file, JsonObject o, String key) throws InvalidInputException {
        JsonElement e = o.get(key);
        return e == null || e.isJsonNull() ? null : string(file, e, key);
    }

    private static HookPoint hook(Path file, JsonObject o) throws InvalidInputException {
        String name = optionalString(file, o, "hook");
        try {
            return HookPointJson.parse(name);
        } catch (IllegalArgumentException e) {
            throw new InvalidInputException(file, "\"hook\": " + e.getMessage());
        }
    }

    private static String string(Path file, JsonElement e, String key) throws InvalidInputException {
        if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isString()) {
            throw new InvalidInputException(file, "\"" + key + "\" should be a string, found " + e);
        }
        return e.getAsString();
    }

    /** Version 1 held one model folder and one activation set; its dictionaries become entries without statements. */
    private static WorkspaceFile upgrade(Path file, JsonObject o) throws InvalidInputException {
        List<DictionaryRecord> dicts = new ArrayList<>();
        if (o.has("dictionaries") && o.get("dictionaries").isJsonArray()) {
            for (JsonElement e : (JsonArray) o.get("dictionaries")) {
                if (!e.isJsonPrimitive()) {
                    throw new InvalidInputException(file, "version 1 lists dictionaries as paths, found " + e);
                }
                dicts.add(new DictionaryRecord(e.getAsString(), null, null));
            }
        }
        Map<String, String> models = new LinkedHashMap<>();
        if (o.has("model") && o.get("model").isJsonPrimitive()) {
            String m = o.get("model").getAsString();
            models.put(m, m);
        }
        String corpus = o.has("corpus") && o.get("corpus").isJsonPrimitive()
                ? o.get("corpus").getAsString()
                : null;
        return new WorkspaceFile(VERSION, corpus, models, dicts, Map.of(), null);
    }

    public void write(Path file) throws IOException {
        AtomicFile.writeString(file, GSON.toJson(this));
    }
}
