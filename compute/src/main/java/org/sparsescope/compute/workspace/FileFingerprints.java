package org.sparsescope.compute.workspace;

import com.google.gson.Gson;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.sparsescope.compute.tensor.AtomicFile;
import org.sparsescope.compute.work.ContentHash;

/**
 * Content hashes of files, remembered by (path, size, modification time) in an index, so that a second look at
 * an unchanged multi-gigabyte file costs a stat, not a read. A changed file is hashed again.
 */
final class FileFingerprints {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(FileFingerprints.class);

    private final Path index;
    private JsonObject entries;

    FileFingerprints(Path index) {
        this.index = index;
    }

    synchronized String sha256(Path file) throws IOException {
        if (entries == null) {
            entries = load();
        }
        Path abs = file.toAbsolutePath().normalize();
        long size = Files.size(abs);
        long mtime = Files.getLastModifiedTime(abs).toMillis();
        JsonObject e = entries.has(abs.toString()) ? entries.getAsJsonObject(abs.toString()) : null;
        if (e != null && e.get("size").getAsLong() == size && e.get("mtime").getAsLong() == mtime) {
            return e.get("sha256").getAsString();
        }
        String hash = ContentHash.sha256(abs);
        JsonObject fresh = new JsonObject();
        fresh.addProperty("size", size);
        fresh.addProperty("mtime", mtime);
        fresh.addProperty("sha256", hash);
        entries.add(abs.toString(), fresh);
        AtomicFile.writeString(index, new Gson().toJson(entries));
        return hash;
    }

    /**
     * {@link ContentHash#sha256(java.util.Collection)} of several files (a model's weight shards), remembered under
     * their paths, sizes and times together.
     */
    synchronized String sha256(java.util.Collection<Path> files) throws IOException {
        if (entries == null) {
            entries = load();
        }
        StringBuilder key = new StringBuilder("files:");
        StringBuilder stamp = new StringBuilder();
        for (Path f : files) {
            Path abs = f.toAbsolutePath().normalize();
            key.append(abs).append(';');
            stamp.append(Files.size(abs))
                    .append(':')
                    .append(Files.getLastModifiedTime(abs).toMillis())
                    .append(';');
        }
        JsonObject e = entries.has(key.toString()) ? entries.getAsJsonObject(key.toString()) : null;
        if (e != null && e.has("stamp") && e.get("stamp").getAsString().equals(stamp.toString())) {
            return e.get("sha256").getAsString();
        }
        String hash = ContentHash.sha256(files);
        JsonObject fresh = new JsonObject();
        fresh.addProperty("stamp", stamp.toString());
        fresh.addProperty("sha256", hash);
        entries.add(key.toString(), fresh);
        AtomicFile.writeString(index, new Gson().toJson(entries));
        return hash;
    }

    private JsonObject load() {
        try {
            return Files.isRegularFile(index)
                    ? JsonParser.parseString(Files.readString(index)).getAsJsonObject()
                    : new JsonObject();
        } catch (IOException | JsonParseException | IllegalStateException e) {
            LOG.warn("fingerprint index {} unreadable, files will be hashed again: {}", index, e.toString());
            return new JsonObject(); // a damaged index only costs rehashing
        }
    }
}
