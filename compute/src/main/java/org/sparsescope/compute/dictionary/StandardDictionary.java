package org.sparsescope.compute.dictionary;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.LinkedHashMap;
import java.util.Map;
import org.sparsescope.compute.tensor.Tensor;

/**
 * SAELens's "standard" ReLU dictionary: c = relu((x − b_dec·[apply_b_dec_to_input]) W_enc + b_enc),
 * x̂ = c W_dec + b_dec.
 */
public record StandardDictionary(Tensor wEnc, Tensor bEnc, Tensor wDec, Tensor bDec, boolean applyBDecToInput, DictionaryInfo info)
        implements Dictionary {

    public StandardDictionary {
        long d = wEnc.shape()[0], n = wEnc.shape()[1];
        Params.requireShape("W_enc", wEnc, d, n);
        Params.requireShape("b_enc", bEnc, n);
        Params.requireShape("W_dec", wDec, n, d);
        Params.requireShape("b_dec", bDec, d);
    }

    @Override
    public int dIn() {
        return (int) wEnc.shape()[0];
    }

    @Override
    public int dSae() {
        return (int) wEnc.shape()[1];
    }

    @Override
    public String architecture() {
        return "standard";
    }

    @Override
    public Dictionary withInfo(DictionaryInfo newInfo) {
        return new StandardDictionary(wEnc, bEnc, wDec, bDec, applyBDecToInput, newInfo);
    }

    @Override
    public Map<String, Tensor> tensors() {
        Map<String, Tensor> m = new LinkedHashMap<>();
        m.put("W_enc", wEnc);
        m.put("b_enc", bEnc);
        m.put("W_dec", wDec);
        m.put("b_dec", bDec);
        return m;
    }

    @Override
    public Codec codec(NDManager manager) {
        NDArray we = Params.put(manager, wEnc), be = Params.put(manager, bEnc), wd = Params.put(manager, wDec), bd = Params.put(manager, bDec);
        return new Codec() {
            @Override
            public NDArray encode(NDArray x) {
                NDArray in = applyBDecToInput ? x.sub(bd) : x;
                return in.matMul(we).add(be).maximum(0f);
            }

            @Override
            public NDArray decode(NDArray c) {
                return c.matMul(wd).add(bd);
            }

            @Override
            public NDArray decoderRows() {
                return wd;
            }
        };
    }
}
