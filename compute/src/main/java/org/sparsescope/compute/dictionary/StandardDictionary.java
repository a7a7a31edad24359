package org.sparsescope.compute.dictionary;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.sparsescope.compute.tensor.Tensor;

/**
 * SAELens's "standard" ReLU dictionary: c = relu((x − b_dec·[apply_b_dec_to_input]) W_enc + b_enc),
 * x̂ = c W_dec + b_dec.
 */
public record StandardDictionary(
        Tensor wEnc, Tensor bEnc, Tensor wDec, Tensor bDec, boolean applyBDecToInput, DictionaryInfo info)
        implements Dictionary {

    public StandardDictionary {
        Params.requireMatrix("W_enc", wEnc);
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
        Loaded w = load(manager);
        return w.withEncoder(x -> w.preActivation(x).maximum(0f));
    }

    /** The weights on the engine, with the affine maps TopK and JumpReLU share; each put on the device once. */
    record Loaded(NDArray wEnc, NDArray bEnc, NDArray wDec, NDArray bDec, boolean applyBDecToInput) {
        /** (x − b_dec·[apply_b_dec_to_input]) W_enc + b_enc, before any nonlinearity. */
        NDArray preActivation(NDArray x) {
            return (applyBDecToInput ? x.sub(bDec) : x).matMul(wEnc).addi(bEnc); // in place on the fresh product
        }

        /** These weights' codec with {@code encoder}, typically relu or another activation of the pre-activation. */
        Codec withEncoder(UnaryOperator<NDArray> encoder) {
            return Codec.withAffineDecoder(encoder, wDec, bDec);
        }
    }

    Loaded load(NDManager manager) {
        return new Loaded(
                Params.put(manager, wEnc),
                Params.put(manager, bEnc),
                Params.put(manager, wDec),
                Params.put(manager, bDec),
                applyBDecToInput);
    }
}
