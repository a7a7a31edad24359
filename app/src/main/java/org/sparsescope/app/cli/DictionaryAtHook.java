package org.sparsescope.app.cli;

import java.io.IOException;
import java.nio.file.Path;
import org.sparsescope.compute.dictionary.DictionaryFiles;
import org.sparsescope.compute.intervene.Interventions;
import org.sparsescope.compute.model.LanguageModel;
import picocli.CommandLine.Option;

/** The options the intervention commands share: a model, a dictionary, and the hook it sits at. */
final class DictionaryAtHook {
    @Option(names = "--model", required = true, description = "Hugging Face model folder")
    Path model;

    @Option(names = "--dict", required = true, description = "dictionary folder or file")
    Path dict;

    @Option(names = "--hook", description = "hook where the dictionary reads and writes (default: the dictionary's own)")
    String hook;

    LanguageModel loadModel() throws IOException {
        return LanguageModel.load(model);
    }

    Interventions interventions(LanguageModel lm) throws IOException {
        return new Interventions(lm, DictionaryFiles.read(dict), hook);
    }
}
