package org.sparsescope.compute.workspace;

import java.nio.file.Path;
import org.sparsescope.compute.InvalidInputException;

/**
 * A dictionary paired with activations or a model of another (model, hook), or with one whose provenance nobody
 * knows: refused, with a message naming both sides.
 */
public final class ProvenanceMismatchException extends InvalidInputException {
    private static final long serialVersionUID = 1L;

    public ProvenanceMismatchException(Path dictionary, String problem) {
        super(dictionary, problem);
    }
}
