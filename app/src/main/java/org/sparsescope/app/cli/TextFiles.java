package org.sparsescope.app.cli;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.sparsescope.compute.InvalidInputException;

/** Reading a user's text file with errors that name it. */
final class TextFiles {
    private TextFiles() {}

    static String read(Path file) throws IOException {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new InvalidInputException(file, "file not found");
        } catch (CharacterCodingException e) {
            throw new InvalidInputException(file, "not UTF-8 text");
        }
    }
}
