package org.sparsescope.compute;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Bad input from the user's files: the message names the file, what was expected and what was found.
 * The UI shows it as it is and the CLI prints it and exits non-zero, so it must read well on its own.
 */
public class InvalidInputException extends IOException {
    private static final long serialVersionUID = 1L;
    private final transient Path file;

    public InvalidInputException(Path file, String problem) {
        super(file + ": " + problem);
        this.file = file;
    }

    public InvalidInputException(Path file, String problem, Throwable cause) {
        super(file + ": " + problem, cause);
        this.file = file;
    }

    /** The file the problem is in. */
    public Path file() {
        return file;
    }
}
