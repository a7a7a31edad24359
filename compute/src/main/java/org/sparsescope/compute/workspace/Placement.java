package org.sparsescope.compute.workspace;

import java.nio.file.Path;
import org.sparsescope.compute.dictionary.Provenance;
import org.sparsescope.compute.model.ModelNotFoundException;

/**
 * Where a dictionary belongs: its provenance (from its files or the user) and the (model, hook) pair that
 * resolves to on this machine. {@code at} is null while model or hook is unknown; {@code missingModel} says why
 * the model's folder was not found.
 */
public record Placement(Path dictionary, Provenance provenance, ModelHook at, ModelNotFoundException missingModel) {

    /** Whether the dictionary can be measured here: its model and hook are known and the model was found. */
    public boolean ready() {
        return at != null && at.modelFound();
    }

    public String describe() {
        return at != null ? at.label() : provenance.describe();
    }
}
