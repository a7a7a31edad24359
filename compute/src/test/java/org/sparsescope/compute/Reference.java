package org.sparsescope.compute;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.stream.Stream;

/**
 * The reference world the tests read: the repository's own copy in {@code reference/} (the build passes its path as
 * {@code sparsescope.reference}), so a clone tests itself anywhere.
 */
public final class Reference {
    private Reference() {}

    public static Path dir() {
        String prop = System.getProperty("sparsescope.reference");
        Path p = prop != null ? Path.of(prop) : Path.of("../reference");
        if (!Files.isDirectory(p)) {
            p = Path.of("reference");
        }
        if (!Files.isDirectory(p)) {
            throw new IllegalStateException(
                    "reference world not found at " + p.toAbsolutePath() + "; set -Dsparsescope.reference");
        }
        return p.toAbsolutePath().normalize();
    }

    public static Path path(String relative) {
        return dir().resolve(relative);
    }

    /**
     * The tiny Llama, Qwen2, Qwen3, Gemma 2 and Gemma 3 of tools/families/make_tiny.py, and the release layouts of
     * make_releases.py, in compute's test resources: read as files, so that other modules' tests find them too.
     */
    public static Path testResource(String relative) {
        return dir().getParent().resolve("compute/src/test/resources").resolve(relative);
    }

    /** Copies a folder with everything under it (a model, a dictionary) to {@code to}, replacing what is there. */
    public static void copyFolder(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path f : files.toList()) {
                Path target = to.resolve(from.relativize(f).toString());
                if (Files.isDirectory(f)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(f, target, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }

    /**
     * A model folder placed in a Hugging Face hub cache under {@code repoId} ("org/name"), as the hub lays out a
     * download ({@code models--org--name/snapshots/REVISION}); returns the snapshot folder.
     */
    public static Path inHubCache(Path hub, String repoId, String revision, Path model) throws IOException {
        Path snapshot = hub.resolve("models--" + repoId.replace("/", "--"))
                .resolve("snapshots")
                .resolve(revision);
        copyFolder(model, snapshot);
        return snapshot;
    }
}
