package org.sparsescope.viewmodels.workspace;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonParseException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import org.sparsescope.compute.InvalidInputException;
import org.sparsescope.compute.tensor.AtomicFile;

/**
 * {@code workspace.sparsescope} in a workspace folder: the model, corpus, activation set and dictionaries it holds,
 * so that double-clicking the file reopens the workspace as it was. Rewritten atomically on every change.
 */
public record WorkspaceFile(int version, String model, String corpus, String activations, List<String> dictionaries) {
    public static final String NAME = "workspace.sparsescope";
    private static final Gson GSON = new GsonBuilder().setPrettyPrinting().create();

    public static WorkspaceFile read(Path file) throws IOException {
        try {
            WorkspaceFile w = GSON.fromJson(Files.readString(file), WorkspaceFile.class);
            if (w == null || w.version() < 1) {
                throw new InvalidInputException(file, "not a Sparsescope workspace file");
            }
            return w;
        } catch (NoSuchFileException e) {
            throw new InvalidInputException(file, "not found");
        } catch (JsonParseException e) {
            throw new InvalidInputException(file, "malformed workspace file: " + e.getMessage(), e);
        }
    }

    public void write(Path file) throws IOException {
        AtomicFile.writeString(file, GSON.toJson(this));
    }
}
