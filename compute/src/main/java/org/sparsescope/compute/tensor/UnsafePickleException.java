package org.sparsescope.compute.tensor;

import java.nio.file.Path;

/** A pickle that names a global outside the whitelist, or uses an opcode that could run code. Nothing was executed. */
public final class UnsafePickleException extends TensorFileException {
    private static final long serialVersionUID = 1L;

    public UnsafePickleException(Path file, String problem) {
        super(file, problem);
    }
}
