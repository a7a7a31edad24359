package org.sparsescope.compute.dictionary.format;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.sparsescope.compute.tensor.AtomicFile;

/**
 * {@code sparsescope.json}, the app's file beside a dictionary it saved: training settings, held-out metrics,
 * evaluations per activation set, and the exact identity of what it was trained on (the model's weight hash).
 * A folder without it is a foreign dictionary, whose files the app never writes.
 */
public final class Sidecar {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Sidecar.class);

    public static final String FILE = "sparsescope.json";
    static final Gson GSON = new GsonBuilder()
            .setPrettyPrinting()
            .serializeSpecialFloatingPointValues()
            .create();

    private Sidecar() {}

    static void write(Path dir, Map<String, Object> content) throws IOException {
        AtomicFile.writeString(
                dir.resolve(FILE),
                GSON.toJson(org.sparsescope.compute.CanonicalJson.ordered(content == null ? Map.of() : content)));
    }

    /** The weights a dictionary the app trained was trained on: their SHA-256, and the folder they were in then. */
    public record TrainedOn(String modelSha256, Path modelFolder) {}

    /** What the sidecar says the dictionary was trained on, when the app trained it. */
    public static Optional<TrainedOn> trainedOn(Path dictionaryDir) throws IOException {
        Path file = dictionaryDir.resolve(FILE);
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        JsonObject prov = Json.object(file, Json.read(file), "provenance");
        String sha = Json.str(file, prov, "model_sha256", null);
        if (sha == null) {
            return Optional.empty();
        }
        String folder = Json.str(file, prov, "model", null);
        Path p = null;
        try {
            p = folder == null ? null : Path.of(folder);
        } catch (java.nio.file.InvalidPathException e) {
            // a path of another system: the name in cfg.json must find it
        }
        return Optional.of(new TrainedOn(sha, p));
    }

    /** The activation set the app trained this dictionary on (the sidecar's training.activations), when it says. */
    public static Optional<Path> trainingSet(Path dictionaryDir) throws IOException {
        Path file = dictionaryDir.resolve(FILE);
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        String set = Json.str(file, Json.object(file, Json.read(file), "training"), "activations", null);
        try {
            return set == null ? Optional.empty() : Optional.of(Path.of(set));
        } catch (java.nio.file.InvalidPathException e) {
            return Optional.empty(); // a path of another system
        }
    }

    /** The sweep's knob the app trained this dictionary with: "l1 0.001" or "k 32"; empty for a foreign one. */
    public static Optional<String> sweepSetting(Path dictionaryDir) {
        Path file = dictionaryDir.resolve(FILE);
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        try {
            JsonObject training = Json.object(file, Json.read(file), "training");
            for (String key : new String[] {"l1", "k"}) {
                if (training.has(key) && training.get(key).isJsonPrimitive()) {
                    return Optional.of(key + " " + training.get(key).getAsString());
                }
            }
        } catch (IOException | RuntimeException e) {
            LOG.warn("{} unreadable, no sweep setting shown: {}", file, e.toString());
        }
        return Optional.empty();
    }

    /**
     * The architecture to show for a dictionary: its files' own, or "tied" where the app trained it tied and saved
     * its standard equivalent (the sidecar's training.tied). A sidecar that cannot be read leaves the files' word.
     */
    public static String architectureOf(Path dictionaryPath, String fromFiles) {
        Path file = dictionaryPath.resolve(FILE);
        if (!Files.isRegularFile(file)) {
            return fromFiles;
        }
        try {
            JsonObject training = Json.object(file, Json.read(file), "training");
            return training.has("tied")
                            && training.get("tied").isJsonPrimitive()
                            && training.get("tied").getAsBoolean()
                    ? "tied"
                    : fromFiles;
        } catch (IOException | RuntimeException e) {
            LOG.warn("{} unreadable, the architecture its files say is kept: {}", FILE, e.toString());
            return fromFiles;
        }
    }

    /**
     * Adds an evaluation under "evaluations" keyed by what was evaluated. Returns false, touching nothing, for a
     * folder without the sidecar (a foreign dictionary).
     */
    public static boolean recordEvaluation(Path dir, String key, Map<String, Object> metrics) throws IOException {
        Path file = dir.resolve(FILE);
        if (!Files.isRegularFile(file)) {
            return false;
        }
        JsonObject root = Json.read(file);
        JsonObject evals = Json.object(file, root, "evaluations");
        evals.add(key, GSON.toJsonTree(org.sparsescope.compute.CanonicalJson.ordered(metrics)));
        root.add("evaluations", evals);
        AtomicFile.writeString(file, GSON.toJson(root));
        return true;
    }
}
