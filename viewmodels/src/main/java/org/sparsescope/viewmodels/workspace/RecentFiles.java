package org.sparsescope.viewmodels.workspace;

import com.google.gson.Gson;
import com.google.gson.JsonParseException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;
import org.sparsescope.compute.tensor.AtomicFile;

/** The most recently opened files, newest first, kept in the workspace. */
final class RecentFiles {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(RecentFiles.class);

    private static final int MAX = 12;
    private final Path file;
    private final ObservableList<Path> files = FXCollections.observableArrayList();

    RecentFiles(Path file) {
        this.file = file;
        try {
            if (Files.isRegularFile(file)) {
                String[] saved = new Gson().fromJson(Files.readString(file), String[].class);
                for (String s : saved == null ? new String[0] : saved) {
                    files.add(Path.of(s));
                }
            }
        } catch (IOException | JsonParseException e) {
            // a damaged list is only a lost convenience
            LOG.warn("recent files list {} unreadable, starting empty: {}", file, e.toString());
        }
    }

    ObservableList<Path> files() {
        return files;
    }

    void add(Path p) {
        Path abs = p.toAbsolutePath().normalize();
        files.remove(abs);
        files.add(0, abs);
        while (files.size() > MAX) {
            files.remove(files.size() - 1);
        }
        List<String> out = new ArrayList<>();
        files.forEach(f -> out.add(f.toString()));
        try {
            AtomicFile.writeString(file, new Gson().toJson(out));
        } catch (IOException e) {
            LOG.warn("recent files list {} not saved: {}", file, e.getMessage()); // not fatal
        }
    }
}
