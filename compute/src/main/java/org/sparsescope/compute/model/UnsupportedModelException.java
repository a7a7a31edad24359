package org.sparsescope.compute.model;

import java.nio.file.Path;
import org.sparsescope.compute.InvalidInputException;

/** A model folder whose config or weights describe something the runtime cannot run. */
public final class UnsupportedModelException extends InvalidInputException {
    private static final long serialVersionUID = 1L;

    public UnsupportedModelException(Path file, String problem) {
        super(file, problem);
    }
}
