package org.sparsescope.compute;

import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Path;

/**
 * A file of ours could not be written (the disk is full, the folder is read-only): names the file and the system's
 * reason. Every writer writes beside the target and renames, so what was saved before is intact; the message says so.
 */
public final class WriteFailedException extends IOException {
    private static final long serialVersionUID = 1L;
    private final transient Path file;

    private WriteFailedException(Path file, String reason, Throwable cause) {
        super(file + ": could not be written (" + reason + "); what was saved before is intact", cause);
        this.file = file;
    }

    public Path file() {
        return file;
    }

    /** The failure of writing {@code file}, typed; a failure already typed is passed through. */
    public static IOException of(Path file, IOException e) {
        if (e instanceof WriteFailedException || e instanceof InvalidInputException) {
            return e;
        }
        String reason = e instanceof java.nio.file.AccessDeniedException
                ? "permission denied"
                : e instanceof FileSystemException fse && fse.getReason() != null
                        ? fse.getReason()
                        : String.valueOf(e.getMessage());
        return new WriteFailedException(file, reason, e);
    }
}
