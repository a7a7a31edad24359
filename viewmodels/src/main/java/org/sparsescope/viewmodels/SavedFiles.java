package org.sparsescope.viewmodels;

import java.io.IOException;
import java.nio.file.Path;
import org.sparsescope.compute.tensor.AtomicFile;

/** How the views save what they draw (a plot's SVG): whole or not at all, never a half-written file. */
public final class SavedFiles {
    private SavedFiles() {}

    public static void writeString(Path file, String text) throws IOException {
        AtomicFile.writeString(file, text);
    }
}
