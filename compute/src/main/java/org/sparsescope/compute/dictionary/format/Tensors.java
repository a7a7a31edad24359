package org.sparsescope.compute.dictionary.format;

import java.nio.file.Path;
import java.util.Map;
import org.sparsescope.compute.dictionary.DictionaryFormatException;
import org.sparsescope.compute.dictionary.DictionaryInfo;
import org.sparsescope.compute.dictionary.HostTensors;
import org.sparsescope.compute.dictionary.StandardDictionary;
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

    /**
     * A dictionary stored as torch nn.Linear layers ([out, in] weights): the encoder [d_sae, d_in] and decoder
     * [d_in, d_sae] brought to SAELens's orientation; a shape that does not fit is a typed error naming the file.
     */
    static StandardDictionary fromLinearLayers(
            Map<String, Tensor> t,
            Path file,
            String encoder,
            String encoderBias,
            String decoder,
            String decoderBias,
            boolean applyBDecToInput,
            DictionaryInfo info)
            throws DictionaryFormatException {
        try {
            return new StandardDictionary(
                    HostTensors.transpose(need(t, file, encoder)),
                    need(t, file, encoderBias),
                    HostTensors.transpose(need(t, file, decoder)),
                    need(t, file, decoderBias),
                    applyBDecToInput,
                    info);
        } catch (IllegalArgumentException e) {
            throw new DictionaryFormatException(file, e.getMessage());
        }
    }
}
