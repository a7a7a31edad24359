package org.sparsescope.compute.dictionary.format;

import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Release layouts say what a dictionary is of in their folder names (a hub repository, a layer folder). */
final class Folders {
    private Folders() {}

    /** The nearest of {@code dir} and its ancestors whose name matches {@code pattern}, as a match; null if none. */
    static Matcher nearestMatching(Path dir, Pattern pattern) {
        for (Path p = dir.toAbsolutePath().normalize(); p != null && p.getFileName() != null; p = p.getParent()) {
            Matcher m = pattern.matcher(p.getFileName().toString());
            if (m.matches()) {
                return m;
            }
        }
        return null;
    }
}
