package org.sparsescope.compute.dictionary.format;

import java.nio.file.Path;
import java.util.Map;
import org.sparsescope.compute.dictionary.DictionaryFormatException;
import org.sparsescope.compute.tensor.Tensor;

/** A named tensor a layout requires, or a typed error naming the file and what it has instead. */
final class Tensors {
    private Tensors() {}

    static Tensor need(Map<String, Tensor> t, Path file, String name) throws DictionaryFormatException {
        Tensor x = t.get(name);
        if (x == null) {
            throw new DictionaryFormatException(
                    file, "lacks the tensor '" + name + "' (has " + new java.util.TreeSet<>(t.keySet()) + ")");
        }
        return x;
    }
}
