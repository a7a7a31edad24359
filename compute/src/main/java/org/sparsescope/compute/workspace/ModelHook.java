package org.sparsescope.compute.workspace;

import java.nio.file.Path;
import org.sparsescope.compute.model.HookPoint;

/**
 * A (model, hook) pair: where a dictionary reads and an activation set was harvested. Two pairs are the same
 * when their models' weights hash alike (or, for a model not found, their names agree) and their hooks read the
 * same tensor.
 *
 * @param model       the model's name as shown (a hub id, a name a dictionary uses, or a folder)
 * @param modelFolder where the model is on this machine; null when it was not found
 * @param modelHash   SHA-256 of its weight files; null when it was not found
 * @param hook        the place it reads
 */
public record ModelHook(String model, Path modelFolder, String modelHash, HookPoint hook) {

    /**
     * The identity two pairs are compared by: the model's weights (or, for a model not found here, its name) and
     * the hook's canonical point.
     */
    public record Key(String model, HookPoint hook) {
        /** Short text for a log line or a file name; the key itself is what is compared. */
        @Override
        public String toString() {
            return model + "@" + hook.describe();
        }
    }

    public ModelHook {
        if (hook == null) {
            throw new IllegalArgumentException("a pair needs its hook point");
        }
    }

    /** The identity two pairs are compared by. */
    public Key key() {
        return new Key(modelHash != null ? modelHash : "name:" + model, hook.canonical());
    }

    public boolean modelFound() {
        return modelFolder != null && modelHash != null;
    }

    public boolean sameAs(ModelHook other) {
        return other != null && key().equals(other.key());
    }

    /** "model @ hook", as the views and the CLI show it. */
    public String label() {
        return model + " @ " + hook.describe();
    }
}
