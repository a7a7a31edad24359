package org.sparsescope.compute.dictionary;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.util.Map;
import org.sparsescope.compute.tensor.Tensor;

/**
 * SAELens gated dictionary: with x' = x − b_dec, the gate [x' W_enc + b_gate > 0] selects features whose
 * magnitude is relu(x' (W_enc ⊙ exp(r_mag)) + b_mag).
 */
public record GatedDictionary(
        Tensor wEnc,
        Tensor bGate,
        Tensor rMag,
        Tensor bMag,
        Tensor wDec,
        Tensor bDec,
        boolean applyBDecToInput,
        DictionaryInfo info)
        implements Dictionary {

    public GatedDictionary {
        Params.requireMatrix("W_enc", wEnc);
        long d = wEnc.shape()[0], n = wEnc.shape()[1];
        Params.requireShape("b_gate", bGate, n);
        Params.requireShape("r_mag", rMag, n);
        Params.requireShape("b_mag", bMag, n);
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
        return "gated";
    }

    @Override
    public Dictionary withInfo(DictionaryInfo newInfo) {
        return new GatedDictionary(wEnc, bGate, rMag, bMag, wDec, bDec, applyBDecToInput, newInfo);
    }

    @Override
    public Map<String, Tensor> tensors() {
        Map<String, Tensor> m = new java.util.LinkedHashMap<>();
        m.put("W_enc", wEnc);
        m.put("b_gate", bGate);
        m.put("r_mag", rMag);
        m.put("b_mag", bMag);
        m.put("W_dec", wDec);
        m.put("b_dec", bDec);
        return m;
    }

    @Override
    public Codec codec(NDManager manager) {
        NDArray we = Params.put(manager, wEnc), bg = Params.put(manager, bGate), bm = Params.put(manager, bMag);
        NDArray wd = Params.put(manager, wDec), bd = Params.put(manager, bDec);
        NDArray wMag = we.mul(Params.put(manager, rMag).exp()); // W_enc ⊙ exp(r_mag), per feature column
        return Codec.withAffineDecoder(
                x -> {
                    NDArray in = applyBDecToInput ? x.sub(bd) : x;
                    NDArray gate = in.matMul(we).add(bg).gt(0f).toType(DataType.FLOAT32, false);
                    return in.matMul(wMag).add(bm).maximum(0f).mul(gate);
                },
                wd,
                bd);
    }
}
