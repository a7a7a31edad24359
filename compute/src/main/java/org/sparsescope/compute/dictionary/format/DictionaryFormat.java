package org.sparsescope.compute.dictionary.format;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.sparsescope.compute.dictionary.Dictionary;
import org.sparsescope.compute.dictionary.Provenance;

/**
 * One layout of dictionary files. A format recognises a path (a folder or file) by the files it finds, reads every
 * dictionary there, and reads the provenance alone (from configs, without the weights) for listings.
 */
public interface DictionaryFormat {
    /** A short name shown to the user: "SAELens", "sparsify", … */
    String name();

    /** Whether {@code path} is in this layout (a cheap look at file names). */
    boolean recognises(Path path);

    /** Every dictionary at {@code path}; one for most layouts. */
    List<Dictionary> read(Path path) throws IOException;

    /** What the files say of the model and hook, one per dictionary at {@code path}, without reading weights. */
    List<Provenance> provenance(Path path) throws IOException;

    /** The formats the app reads, in the order they are tried. */
    static List<DictionaryFormat> all() {
        return List.of(
                new SaeLensFormat(),
                new SparsifyFormat(),
                new DictionaryLearningFormat(),
                new GemmaScopeFormat(),
                new LlamaScopeFormat(),
                new GoodfireFormat(),
                new QwenScopeFormat(),
                new OpenAiFormat(),
                new StateDictFormat(),
                new SeedFormat());
    }
}
