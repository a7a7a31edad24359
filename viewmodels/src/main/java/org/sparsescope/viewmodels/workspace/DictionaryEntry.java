package org.sparsescope.viewmodels.workspace;

import java.nio.file.Path;

/**
 * A dictionary known to the workspace, with its place on the frontier once measured (NaN before).
 *
 * @param id the path it was opened from, as a string (unique in a workspace)
 */
public record DictionaryEntry(String id, String name, Path path, String architecture, int dIn, int dSae, String hook, String source,
        double fvu, double l0) {

    public DictionaryEntry withMetrics(double newFvu, double newL0) {
        return new DictionaryEntry(id, name, path, architecture, dIn, dSae, hook, source, newFvu, newL0);
    }

    public boolean measured() {
        return !Double.isNaN(fvu) && !Double.isNaN(l0);
    }
}
