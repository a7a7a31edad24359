package org.sparsescope.compute.dictionary;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.LinkedHashMap;
import java.util.Map;
import org.sparsescope.compute.tensor.Tensor;

/**
 * The original research code's TiedSAE: the decoder is the (row-normalised) encoder, with an optional centering
 * center(x) = ((x − trans) rotᵀ)·scale. c = relu(center(x) Eᵀ + bias), x̂ = ((c E) / scale) rot + trans, E = rownorm(encoder).
 */
public record TiedDictionary(
        Tensor encoder,
        Tensor bias,
        Tensor centerTrans,
        Tensor centerRot,
        float centerScale,
        boolean normEncoder,
        DictionaryInfo info)
        implements Dictionary {

    public TiedDictionary {
        Params.requireMatrix("encoder", encoder);
        long n = encoder.shape()[0], d = encoder.shape()[1];
        Params.requireShape("encoder_bias", bias, n);
        Params.requireShape("center_trans", centerTrans, d);
        Params.requireShape("center_rot", centerRot, d, d);
    }

    @Override
    public int dIn() {
        return (int) encoder.shape()[1];
    }

    @Override
    public int dSae() {
        return (int) encoder.shape()[0];
    }

    @Override
    public String architecture() {
        return "tied";
    }

    @Override
    public Dictionary withInfo(DictionaryInfo newInfo) {
        return new TiedDictionary(encoder, bias, centerTrans, centerRot, centerScale, normEncoder, newInfo);
    }

    @Override
    public Map<String, Tensor> tensors() {
        Map<String, Tensor> m = new LinkedHashMap<>();
        m.put("encoder", encoder);
        m.put("encoder_bias", bias);
        m.put("center_trans", centerTrans);
        m.put("center_rot", centerRot);
        m.put("center_scale", Tensor.ofFloats(new long[0], new float[] {centerScale}));
        return m;
    }

    @Override
    public Codec codec(NDManager manager) {
        NDArray enc = Params.put(manager, encoder);
        NDArray e = normEncoder ? Params.rowNormalized(enc) : enc; // [n, d]
        NDArray b = Params.put(manager, bias),
                trans = Params.put(manager, centerTrans),
                rot = Params.put(manager, centerRot);
        NDArray eT = e.transpose();
        NDArray writes = e.matMul(rot).div(centerScale); // what feature j adds to x̂, in activation space
        return new Codec() {
            @Override
            public NDArray encode(NDArray x) {
                NDArray centered = x.sub(trans).matMul(rot.transpose()).mul(centerScale);
                return centered.matMul(eT).add(b).maximum(0f);
            }

            @Override
            public NDArray decode(NDArray c) {
                return c.matMul(e).div(centerScale).matMul(rot).add(trans);
            }

            @Override
            public NDArray decoderRows() {
                return writes;
            }
        };
    }

    /**
     * The same map as a standard dictionary (exactly: W_enc = scale·rotᵀEᵀ, W_dec = E·rot/scale, b_dec = trans),
     * the trainable and savable form.
     */
    public StandardDictionary toStandard() {
        try (NDManager m = NDManager.newBaseManager(ai.djl.Device.cpu())) {
            NDArray enc = Params.put(m, encoder);
            NDArray e = normEncoder ? Params.rowNormalized(enc) : enc;
            NDArray rot = Params.put(m, centerRot);
            NDArray wEnc = rot.transpose().matMul(e.transpose()).mul(centerScale); // [d, n]
            NDArray wDec = e.matMul(rot).div(centerScale); // [n, d]
            return new StandardDictionary(host(wEnc), bias, host(wDec), centerTrans, true, info);
        }
    }

    static Tensor host(NDArray a) {
        return Tensor.ofFloats(a.getShape().getShape(), a.toFloatArray());
    }
}
