package org.sparsescope.compute.dictionary;

import java.nio.file.Path;
import org.sparsescope.compute.InvalidInputException;

/** A dictionary file or folder that is incomplete, inconsistent, or of no known layout. */
public final class DictionaryFormatException extends InvalidInputException {
    private static final long serialVersionUID = 1L;

    public DictionaryFormatException(Path file, String problem) {
        super(file, problem);
    }
}
