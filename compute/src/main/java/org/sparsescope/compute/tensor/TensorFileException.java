package org.sparsescope.compute.tensor;

import java.nio.file.Path;
import org.sparsescope.compute.InvalidInputException;

/** A tensor file that is truncated, malformed, or holds what we cannot read. */
public class TensorFileException extends InvalidInputException {
    private static final long serialVersionUID = 1L;

    public TensorFileException(Path file, String problem) {
        super(file, problem);
    }

    public TensorFileException(Path file, String problem, Throwable cause) {
        super(file, problem, cause);
    }
}
