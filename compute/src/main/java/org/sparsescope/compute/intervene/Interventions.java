package org.sparsescope.compute.intervene;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.sparsescope.compute.InvalidInputException;
import org.sparsescope.compute.dictionary.Codec;
import org.sparsescope.compute.dictionary.Dictionary;
import org.sparsescope.compute.model.HookFunction;
import org.sparsescope.compute.model.HookPoint;
import org.sparsescope.compute.model.Hooks;
import org.sparsescope.compute.model.LanguageModel;
import org.sparsescope.compute.model.Perplexity;

/**
 * Runs a model over windows of text with a dictionary at its hook and measures what interventions do to the
 * next-token loss. Holds the dictionary's weights on the model's device; close it to free them.
 */
public final class Interventions implements AutoCloseable {
    private final LanguageModel model;
    private final Dictionary dictionary;
    private final HookPoint hook;
    private final NDManager weights;
    private final Codec codec;

    /**
     * @param hookName where the dictionary reads and writes; its own hook when null
     */
    public Interventions(LanguageModel model, Dictionary dictionary, String hookName) throws InvalidInputException {
        this.model = model;
        this.dictionary = dictionary;
        String name = hookName != null ? hookName : dictionary.info().hook();
        if (name == null || name.equals("unknown")) {
            throw new InvalidInputException(model.dir(), "the dictionary does not say which hook it reads; name one");
        }
        this.hook = model.hook(name);
        if (dictionary.dIn() != model.config().dModel()) {
            throw new InvalidInputException(model.dir(), "the dictionary reads d_in=" + dictionary.dIn() + " but " + hook + " has d="
                    + model.config().dModel());
        }
        this.weights = NDManager.newBaseManager(model.device());
        this.codec = dictionary.codec(weights);
    }

    public HookPoint hook() {
        return hook;
    }

    /** Per-token losses [windows][T − 1] under an intervention. */
    public float[][] tokenLosses(long[][] windows, Intervention intervention) {
        for (int f : featuresOf(intervention)) {
            if (f < 0 || f >= dictionary.dSae()) {
                throw new IllegalArgumentException("feature " + f + " is outside 0 … " + (dictionary.dSae() - 1));
            }
        }
        Hooks.Builder b = Hooks.builder().logits();
        if (!(intervention instanceof Intervention.Clean)) {
            b.replace(hook, hookFunction(intervention));
        }
        return model.tokenLosses(windows, b.build(), Perplexity.BATCH_WINDOWS);
    }

    private static int[] featuresOf(Intervention i) {
        if (i instanceof Intervention.Ablate a) {
            return a.features();
        }
        if (i instanceof Intervention.Steer s) {
            return new int[] {s.feature()};
        }
        return new int[0];
    }

    /** The replacement for an activation [B, T, D]. */
    HookFunction hookFunction(Intervention intervention) {
        if (intervention instanceof Intervention.ZeroAblation) {
            return NDArray::zerosLike;
        }
        return x -> {
            Shape s = x.getShape();
            NDArray flat = x.reshape(s.get(0) * s.get(1), s.get(2)); // [B·T, D]
            NDArray out;
            if (intervention instanceof Intervention.Splice) {
                out = codec.decode(codec.encode(flat));
            } else if (intervention instanceof Intervention.Ablate a) {
                NDArray c = codec.encode(flat);
                NDArray mask = featureMask(flat.getManager(), a.features()); // 1 on the ablated features
                out = a.mode() == Intervention.AblationMode.RECONSTRUCTION
                        ? codec.decode(c.mul(mask.neg().add(1f)))
                        : flat.sub(codec.decode(c.mul(mask)).sub(codec.decode(c.zerosLike())));
            } else if (intervention instanceof Intervention.Steer st) {
                NDArray one = featureMask(flat.getManager(), new int[] {st.feature()}).expandDims(0);
                NDArray direction = codec.decode(one).sub(codec.decode(one.zerosLike())); // [1, D]
                out = flat.add(direction.mul(st.alpha()));
            } else {
                throw new IllegalStateException(intervention.toString());
            }
            return out.reshape(s);
        };
    }

    private NDArray featureMask(NDManager m, int[] features) {
        float[] mask = new float[dictionary.dSae()];
        for (int f : features) {
            mask[f] = 1f;
        }
        return m.create(mask);
    }

    /**
     * Clean, zero-ablated and spliced cross-entropy over the windows, and the fraction of the loss the
     * dictionary recovers: (zero − spliced) / (zero − clean).
     */
    public record SpliceReport(double cleanCe, double zeroAblationCe, double splicedCe) {
        public double ceLossRecovered() {
            return (zeroAblationCe - splicedCe) / (zeroAblationCe - cleanCe);
        }
    }

    public SpliceReport splice(long[][] windows) {
        return new SpliceReport(mean(tokenLosses(windows, new Intervention.Clean())), mean(tokenLosses(windows, new Intervention.ZeroAblation())),
                mean(tokenLosses(windows, new Intervention.Splice())));
    }

    /** An intervention's effect: its mean loss beside the clean one, and the per-token loss change (intervened − clean). */
    public record Effect(Intervention intervention, double cleanCe, double ce, float[][] tokenLossDelta) {
        public double deltaCe() {
            return ce - cleanCe;
        }

        public double perplexity() {
            return Math.exp(ce);
        }

        public double cleanPerplexity() {
            return Math.exp(cleanCe);
        }
    }

    public Effect effect(long[][] windows, Intervention intervention, float[][] cleanLosses) {
        float[][] losses = tokenLosses(windows, intervention);
        float[][] delta = new float[losses.length][];
        for (int i = 0; i < losses.length; i++) {
            delta[i] = new float[losses[i].length];
            for (int t = 0; t < losses[i].length; t++) {
                delta[i][t] = losses[i][t] - cleanLosses[i][t];
            }
        }
        return new Effect(intervention, mean(cleanLosses), mean(losses), delta);
    }

    public static double mean(float[][] losses) {
        return Perplexity.of(losses, losses.length == 0 ? 0 : losses[0].length + 1).meanCrossEntropy();
    }

    @Override
    public void close() {
        weights.close();
    }
}
