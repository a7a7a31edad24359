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

    private JsonObject load() {
        try {
            return Files.isRegularFile(index) ? JsonParser.parseString(Files.readString(index)).getAsJsonObject() : new JsonObject();
        } catch (IOException | JsonParseException | IllegalStateException e) {
            return new JsonObject(); // a damaged index only costs rehashing
        }
    }
}
