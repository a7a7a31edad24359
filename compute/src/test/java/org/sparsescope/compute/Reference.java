package org.sparsescope.compute;

import java.nio.file.Files;
import java.nio.file.Path;

/** The reference world in ../shared/reference, read in place by tests. */
public final class Reference {
    private Reference() {
    }

    public static Path dir() {
        String prop = System.getProperty("sparsescope.reference");
        Path p = prop != null ? Path.of(prop) : Path.of("../../shared/reference");
        if (!Files.isDirectory(p)) {
            p = Path.of("../shared/reference");
        }
        if (!Files.isDirectory(p)) {
            throw new IllegalStateException("reference world not found at " + p.toAbsolutePath() + "; set -Dsparsescope.reference");
        }
        return p.toAbsolutePath().normalize();
    }

    public static Path path(String relative) {
        return dir().resolve(relative);
    }
}
