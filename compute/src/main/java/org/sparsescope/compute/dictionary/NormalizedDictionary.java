package org.sparsescope.compute.dictionary;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.Map;
import org.sparsescope.compute.tensor.Tensor;

/**
 * A dictionary that normalises each activation row before encoding and undoes it on the way out
 * ({@link InputNormalization}): OpenAI's TopK autoencoders on GPT-2, SAELens's {@code layer_norm} and
 * {@code constant_norm_rescale}. Its codes are the inner dictionary's codes of the normalised row; its
 * reconstruction of a row x is {@code normalization.out(inner.decode(codes), x)}.
 */
public record NormalizedDictionary(Dictionary inner, InputNormalization normalization) implements Dictionary {

    public NormalizedDictionary {
        if (inner instanceof NormalizedDictionary) {
            throw new IllegalArgumentException("a dictionary is normalised once");
        }
        if (normalization instanceof InputNormalization.None) {
            throw new IllegalArgumentException("no normalisation: use the inner dictionary itself");
        }
    }

    @Override
    public int dIn() {
        return inner.dIn();
    }

    @Override
    public int dSae() {
        return inner.dSae();
    }

    @Override
    public String architecture() {
        return inner.architecture();
    }

    @Override
    public DictionaryInfo info() {
        return inner.info();
    }

    @Override
    public Dictionary withInfo(DictionaryInfo info) {
        return new NormalizedDictionary(inner.withInfo(info), normalization);
    }

    @Override
    public Map<String, Tensor> tensors() {
        return inner.tensors();
    }

    @Override
    public Codec codec(NDManager manager) {
        Codec c = inner.codec(manager);
        return new Codec() {
            @Override
            public NDArray encode(NDArray x) {
                return c.encode(normalization.in(x));
            }

            @Override
            public NDArray decode(NDArray codes) {
                return c.decode(codes);
            }

            @Override
            public NDArray decode(NDArray codes, NDArray x) {
                return normalization.out(c.decode(codes), x);
            }

            @Override
            public NDArray decoderRows() {
                return c.decoderRows();
            }

            @Override
            public InputNormalization normalization() {
                return normalization;
            }
        };
    }
}
