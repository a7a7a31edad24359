package org.sparsescope.compute.dictionary;

import java.io.IOException;
import java.lang.ref.SoftReference;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Dictionaries read once and handed out again while their files are unchanged, so that opening, measuring and
 * comparing the same dictionary do not each read its weights from disk. Unchanged means every source file keeps
 * its size and modification time. Entries are softly held: under memory pressure they are dropped and read again.
 */
public final class LoadedDictionaries {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(LoadedDictionaries.class);

    private record Entry(String stamp, SoftReference<Dictionary> dictionary) {}

    private final Map<Path, Entry> entries = new ConcurrentHashMap<>();

    /** The dictionary at {@code path} (as {@link DictionaryFiles#read} takes it), from memory when its files are unchanged. */
    public Dictionary read(Path path) throws IOException {
        Path key = path.toAbsolutePath().normalize();
        String stamp = stamp(path); // taken before reading, so a file changed meanwhile shows as changed next time
        Entry e = entries.get(key);
        Dictionary d = stamp != null && e != null && e.stamp().equals(stamp)
                ? e.dictionary().get()
                : null;
        if (d == null) {
            d = DictionaryFiles.read(path); // also where a missing or unreadable dictionary gets its clear error
            if (stamp != null) {
                entries.put(key, new Entry(stamp, new SoftReference<>(d)));
            }
        }
        return d;
    }

    /** Names, sizes and modification times of the source files; null when they cannot be listed. */
    private static String stamp(Path path) {
        StringBuilder s = new StringBuilder();
        try {
            for (DictionaryFiles.SourceFile f : DictionaryFiles.sourceFiles(
                    DictionaryFiles.Location.of(path).path())) {
                s.append(f.name())
                        .append(':')
                        .append(Files.size(f.file()))
                        .append(':')
                        .append(Files.getLastModifiedTime(f.file()).toInstant())
                        .append(';');
            }
        } catch (IOException e) {
            LOG.warn("cannot stat the files of {} ({}); it is read afresh", path, e.getMessage());
            return null;
        }
        return s.toString();
    }
}
