package org.sparsescope.compute.dictionary;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.Map;
import org.sparsescope.compute.tensor.Tensor;

/** SAELens JumpReLU: pre = (x − b_dec) W_enc + b_enc; c = relu(pre) · [pre > threshold] per feature. */
public record JumpReluDictionary(StandardDictionary base, Tensor threshold) implements Dictionary {

    public JumpReluDictionary {
        Params.requireShape("threshold", threshold, base.dSae());
    }

    @Override
    public int dIn() {
        return base.dIn();
    }

    @Override
    public int dSae() {
        return base.dSae();
    }

    @Override
    public String architecture() {
        return "jumprelu";
    }

    @Override
    public DictionaryInfo info() {
        return base.info();
    }

    @Override
    public Dictionary withInfo(DictionaryInfo info) {
        return new JumpReluDictionary((StandardDictionary) base.withInfo(info), threshold);
    }

    @Override
    public Map<String, Tensor> tensors() {
        Map<String, Tensor> m = new java.util.LinkedHashMap<>(base.tensors());
        m.put("threshold", threshold);
        return m;
    }

    @Override
    public Codec codec(NDManager manager) {
        StandardDictionary.Loaded w = base.load(manager);
        NDArray th = Params.put(manager, threshold);
        return w.withEncoder(x -> {
            NDArray pre = w.preActivation(x);
            return pre.maximum(0f).mul(pre.gt(th).toType(ai.djl.ndarray.types.DataType.FLOAT32, false));
        });
    }
}
