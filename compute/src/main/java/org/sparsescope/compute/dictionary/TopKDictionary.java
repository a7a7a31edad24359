package org.sparsescope.compute.dictionary;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import java.util.Map;
import org.sparsescope.compute.tensor.Tensor;

/** TopK dictionary (sparsify, SAELens "topk"): the k largest of relu((x − b_dec) W_enc + b_enc) per row, the rest 0. */
public record TopKDictionary(StandardDictionary base, int k) implements Dictionary {

    public TopKDictionary {
        if (k < 1 || k > base.dSae()) {
            throw new IllegalArgumentException("k must be in [1, " + base.dSae() + "], got " + k);
        }
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
        return "topk";
    }

    @Override
    public DictionaryInfo info() {
        return base.info();
    }

    @Override
    public Dictionary withInfo(DictionaryInfo info) {
        return new TopKDictionary((StandardDictionary) base.withInfo(info), k);
    }

    @Override
    public Map<String, Tensor> tensors() {
        return base.tensors();
    }

    @Override
    public Codec codec(NDManager manager) {
        StandardDictionary.Loaded w = base.load(manager);
        return w.withEncoder(x -> keepTopK(w.preActivation(x).maximum(0f), k));
    }

    /** Zeros all but the k largest entries of each row. */
    public static NDArray keepTopK(NDArray pre, int k) {
        NDList top = pre.topK(k, -1, true, false); // [values, indices]
        return pre.zerosLike().scatter(top.get(1), top.get(0), -1);
    }
}
