package org.sparsescope.compute.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.sparsescope.compute.dictionary.Dictionary;
import org.sparsescope.compute.dictionary.DictionaryInfo;
import org.sparsescope.compute.dictionary.TiedDictionary;
import org.sparsescope.compute.tensor.Tensor;

/**
 * Tied ReLU members, as the research code's {@code FunctionalTiedSAE}: encoder [E, n, d] and encoder_bias
 * [E, 1, n] are trained; the dictionary D is the row-normalised encoder (norms clamped at 1e-8); activations are
 * centred by the training mean (center_trans [E, 1, d], a buffer; rotation and scale are the identity);
 * c = relu(D x_c + b), x̂_c = Dᵀ c, loss = mean over batch and dimensions of (x̂_c − x_c)² + l1 × mean_b Σc.
 */
final class TiedEnsemble extends Ensemble {
    private static final float NORM_FLOOR = 1e-8f;
    private final NDArray centerTrans;

    TiedEnsemble(NDManager manager, List<SweepMember> members, int d, float[] dataMean, Random rnd) {
        super(manager, members, d, initial(manager, members, d, rnd));
        float[] trans = new float[e * d];
        for (int m = 0; m < e; m++) {
            System.arraycopy(dataMean, 0, trans, m * d, d);
        }
        centerTrans = manager.create(trans, new Shape(e, 1, d));
    }

    private static Parameter[] initial(NDManager manager, List<SweepMember> members, int d, Random rnd) {
        int e = members.size(), n = members.get(0).dSae();
        for (SweepMember m : members) {
            if (m.start() != null) {
                throw new IllegalArgumentException(
                        "tied member " + m.name() + " cannot start from a dictionary: tied members train from scratch");
            }
        }
        // the research code's initialisation: encoder xavier_uniform_ on [n, d] (bound √(6 / (n + d))), bias 0
        float[] encoder = new float[e * n * d];
        double bound = Math.sqrt(6.0 / (n + d));
        for (int i = 0; i < encoder.length; i++) {
            encoder[i] = (float) ((2 * rnd.nextDouble() - 1) * bound);
        }
        return new Parameter[] {
            new Parameter(manager, "encoder", encoder, new Shape(e, n, d)),
            new Parameter(manager, "encoder_bias", new float[e * n], new Shape(e, 1, n))
        };
    }

    @Override
    Map<String, NDArray> buffers() {
        return Map.of("center_trans", centerTrans);
    }

    @Override
    MemberStep stepMember(int m, NDArray x, float l1, int batch) {
        Parameter pEncoder = params[0], pBias = params[1];
        NDArray encoder = pEncoder.value.get(m), bias = pBias.value.get(m); // [n, d], [1, n]
        NDArray norms = encoder.norm(new int[] {1}, true).maximum(NORM_FLOOR); // [n, 1]
        NDArray dict = encoder.div(norms); // D
        NDArray centered = x.sub(centerTrans.get(m)); // x_c, [B, d]
        NDArray codes = Activation.relu(centered.matMul(dict.transpose()).addi(bias)); // [B, n]
        NDArray err = codes.matMul(dict).subi(centered); // x̂_c − x_c
        NDArray active = codes.sign();
        NDArray gErr = err.mul(2f / ((float) batch * d));
        NDArray gPre = gErr.matMul(dict.transpose()).addi(l1 / batch).muli(active); // [B, n]
        // D is read twice, by the encoder (pre = x_c Dᵀ) and the decoder (x̂_c = c D)
        NDArray gDict = codes.transpose().matMul(gErr).addi(gPre.transpose().matMul(centered)); // [n, d]
        NDIndex member = new NDIndex(m);
        pEncoder.grad.set(
                member,
                gDict.sub(dict.mul(gDict.mul(dict).sum(new int[] {1}, true))).divi(norms));
        pBias.grad.set(member, gPre.sum(new int[] {0}, true));
        return new MemberStep(codes, active, err);
    }

    /**
     * The research code does not resample tied dictionaries; here as the untied ones are: the encoder row becomes a
     * random batch input minus the centring, at the mean norm of live rows (the norm is divided away in the forward
     * pass but sets the size of Adam's steps relative to the row), bias 0.
     */
    @Override
    void resample(int m, boolean[] dead, Map<String, float[]> host, float[] batch, int batchRows, Random rnd) {
        float[] encoder = host.get("encoder"), bias = host.get("encoder_bias");
        float[] trans = slice(centerTrans, m);
        double scale = meanLiveNorm(dead, encoder, (j, i) -> (m * n + j) * d + i);
        for (int j = 0; j < n; j++) {
            if (!dead[j]) {
                continue;
            }
            float[] u = randomDirection(batch, batchRows, trans, 0, rnd);
            for (int i = 0; i < d; i++) {
                int at = (m * n + j) * d + i;
                encoder[at] = (float) (u[i] * scale);
                host.get("encoder.exp_avg")[at] = 0;
                host.get("encoder.exp_avg_sq")[at] = 0;
            }
            bias[m * n + j] = 0;
            host.get("encoder_bias.exp_avg")[m * n + j] = 0;
            host.get("encoder_bias.exp_avg_sq")[m * n + j] = 0;
        }
    }

    /** The member as the research code's TiedSAE (norm_encoder, centring = translation only). */
    TiedDictionary tied(int m, DictionaryInfo info) {
        float[] rot = new float[d * d];
        for (int i = 0; i < d; i++) {
            rot[i * d + i] = 1;
        }
        return new TiedDictionary(
                Tensor.ofFloats(new long[] {n, d}, slice(params[0].value, m)),
                Tensor.ofFloats(new long[] {n}, slice(params[1].value, m)),
                Tensor.ofFloats(new long[] {d}, slice(centerTrans, m)),
                Tensor.ofFloats(new long[] {d, d}, rot),
                1f,
                true,
                info);
    }

    /** Saved as its exact standard equivalent: W_enc = Dᵀ, W_dec = D, b_dec = the translation, b_enc = the bias. */
    @Override
    Dictionary dictionary(int m, DictionaryInfo info) {
        return tied(m, info).toStandard();
    }
}
