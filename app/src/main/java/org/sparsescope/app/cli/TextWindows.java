package org.sparsescope.app.cli;

import java.io.IOException;
import java.nio.file.Path;
import org.sparsescope.compute.model.LanguageModel;
import picocli.CommandLine.Option;

/** The text options the intervention commands share: a file encoded whole, cut into consecutive windows. */
final class TextWindows {
    @Option(names = "--text", required = true, description = "UTF-8 text file; encoded whole, then cut into windows")
    Path text;

    @Option(names = "--window", defaultValue = "128", description = "tokens per window (default ${DEFAULT-VALUE})")
    int window;

    @Option(
            names = "--windows",
            defaultValue = "64",
            description = "number of windows from the start of the text (default ${DEFAULT-VALUE})")
    int windows;

    long[][] cut(LanguageModel model) throws IOException {
        long[][] w = model.windows(model.tokenizer().encode(TextFiles.read(text)), window, windows);
        if (w.length == 0) {
            throw new IllegalArgumentException(text + ": fewer than " + window + " tokens; no window fits");
        }
        return w;
    }
}
