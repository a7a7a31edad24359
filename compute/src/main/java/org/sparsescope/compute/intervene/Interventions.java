package org.sparsescope.compute.intervene;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;
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
     * @param hook where the dictionary reads and writes; its own hook when null
     */
    public Interventions(LanguageModel model, Dictionary dictionary, HookPoint hook) throws InvalidInputException {
        this(model, dictionary, hook, null);
    }

    /** On a dictionary already on the model's device: nothing is copied, and closing this leaves the copy to its owner. */
    public Interventions(
            LanguageModel model, org.sparsescope.compute.dictionary.DictionaryOnDevice onDevice, HookPoint hook)
            throws InvalidInputException {
        this(model, onDevice.dictionary(), hook, onDevice);
    }

    private Interventions(
            LanguageModel model,
            Dictionary dictionary,
            HookPoint hookAsked,
            org.sparsescope.compute.dictionary.DictionaryOnDevice onDevice)
            throws InvalidInputException {
        this.model = model;
        this.dictionary = dictionary;
        HookPoint point = hookAsked != null ? hookAsked : dictionary.info().hook();
        if (point == null) {
            throw new InvalidInputException(model.dir(), "the dictionary does not say which hook it reads; name one");
        }
        this.hook = model.hook(point);
        if (dictionary.dIn() != model.width(hook)) {
            throw new InvalidInputException(
                    model.dir(),
                    "the dictionary reads d_in=" + dictionary.dIn() + " but " + hook + " has d=" + model.width(hook));
        }
        if (onDevice != null) {
            this.weights = null;
            this.codec = onDevice.codec();
        } else {
            this.weights = NDManager.newBaseManager(model.device());
            this.codec = dictionary.codec(weights);
        }
    }

    public HookPoint hook() {
        return hook;
    }

    /** Per-token losses [windows][T − 1] under an intervention. */
    public float[][] tokenLosses(long[][] windows, Intervention intervention) {
        requireFeatures(intervention);
        return model.tokenLosses(windows, hooksFor(intervention), Perplexity.BATCH_WINDOWS);
    }

    /** A pass to the logits with the intervention at the hook (none for a clean pass). */
    private Hooks hooksFor(Intervention intervention) {
        Hooks.Builder b = Hooks.builder().logits();
        if (!(intervention instanceof Intervention.Clean)) {
            b.replace(hook, hookFunction(intervention));
        }
        return b.build();
    }

    private void requireFeatures(Intervention intervention) {
        for (int f : featuresOf(intervention)) {
            if (f < 0 || f >= dictionary.dSae()) {
                throw new IllegalArgumentException("feature " + f + " is outside 0 … " + (dictionary.dSae() - 1));
            }
        }
    }

    private static int[] featuresOf(Intervention i) {
        if (i instanceof Intervention.Ablate a) {
            return a.features();
        }
        if (i instanceof Intervention.Steer s) {
            return s.features();
        }
        if (i instanceof Intervention.Clamp c) {
            return c.features();
        }
        return new int[0];
    }

    /** The hooks that apply {@code intervention} at the dictionary's hook (for generation: {@link org.sparsescope.compute.model.Generator}). */
    public Hooks replacing(Intervention intervention) {
        requireFeatures(intervention);
        Hooks.Builder b = Hooks.builder();
        if (!(intervention instanceof Intervention.Clean)) {
            b.replace(hook, hookFunction(intervention));
        }
        return b.build();
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
            // every decode takes the rows it is for: a dictionary that normalises each row (OpenAI's, SAELens's
            // layer_norm) writes at that row's own scale
            if (intervention instanceof Intervention.Splice) {
                out = codec.decode(codec.encode(flat), flat);
            } else if (intervention instanceof Intervention.Ablate a) {
                NDArray c = codec.encode(flat);
                NDArray mask = featureMask(flat.getManager(), a.features()); // 1 on the ablated features
                out = a.mode() == Intervention.AblationMode.RECONSTRUCTION
                        ? codec.decode(c.mul(mask.neg().add(1f)), flat)
                        : flat.sub(codec.decode(c.mul(mask), flat).sub(codec.decode(c.zerosLike(), flat)));
            } else if (intervention instanceof Intervention.Steer st) {
                out = flat;
                int[] fs = st.features();
                double[] alphas = st.alphas();
                for (int i = 0; i < fs.length; i++) {
                    NDArray direction = write(flat, fs[i]); // [1, D], or [B·T, D] at each row's scale
                    if (st.units() == Intervention.SteerUnits.NORM_RELATIVE) {
                        NDArray unit = direction.div(direction.norm(new int[] {1}, true));
                        out = out.add(unit.mul(flat.norm(new int[] {1}, true)).mul(alphas[i])); // α·‖x_t‖ per position
                    } else {
                        out = out.add(direction.mul(alphas[i]));
                    }
                }
            } else if (intervention instanceof Intervention.Clamp cl) {
                NDArray c = codec.encode(flat);
                out = flat;
                int[] fs = cl.features();
                double[] values = cl.values();
                for (int i = 0; i < fs.length; i++) {
                    NDArray shift =
                            c.get(":, " + fs[i] + ":" + (fs[i] + 1)).neg().add(values[i]); // v − c_j, [B·T, 1]
                    out = out.add(shift.mul(write(flat, fs[i])));
                }
            } else {
                throw new IllegalStateException(intervention.toString());
            }
            return out.reshape(s);
        };
    }

    /**
     * What feature j adds to the reconstruction of rows {@code flat} at code 1, decode(e_j, x) − decode(0, x): [1, D],
     * or [B·T, D] for a dictionary that normalises each row.
     */
    private NDArray write(NDArray flat, int feature) {
        NDArray one = featureMask(flat.getManager(), new int[] {feature}).expandDims(0);
        return codec.decode(one, flat).sub(codec.decode(one.zerosLike(), flat));
    }

    private NDArray featureMask(NDManager m, int[] features) {
        float[] mask = new float[dictionary.dSae()];
        for (int f : features) {
            mask[f] = 1f;
        }
        return m.create(mask);
    }

    /**
     * What splicing the dictionary in costs the model over the windows, as SAELens and SAEBench report it: mean
     * cross-entropy clean, with the hook zero-ablated and with the reconstruction spliced in, and the mean over
     * positions of KL(p_clean ‖ p) of the next-token distribution, spliced and zero-ablated. Every position of a
     * window has a next-token distribution, so KL is over all T positions; CE over the T − 1 that have a target.
     * {@code ceLossRecoveredStandardError} is the standard error of the CE loss recovered over the windows as a sample
     * (see {@link #ratioStandardError}); NaN for fewer than two windows.
     */
    public record SpliceReport(
            double cleanCe,
            double zeroAblationCe,
            double splicedCe,
            double klSpliced,
            double klZeroAblation,
            long klPositions,
            int windows,
            double ceLossRecoveredStandardError) {
        /** The fraction of the loss the dictionary recovers: (zero − spliced) / (zero − clean). */
        public double ceLossRecovered() {
            return (zeroAblationCe - splicedCe) / (zeroAblationCe - cleanCe);
        }

        /** SAELens's KL score: 1 − KL_spliced / KL_zero-ablation. */
        public double klScore() {
            return 1 - klSpliced / klZeroAblation;
        }
    }

    /**
     * The standard error of a ratio of means r = mean(a) / mean(b) over n independent units (here windows), by the
     * delta method: SE(r) = sqrt(Σ (a_i − r·b_i)² / (n (n − 1))) / |mean(b)|. For CE loss recovered, a_i = zero_i −
     * spliced_i and b_i = zero_i − clean_i are window i's mean losses (windows have equal lengths, so the mean of
     * window means is the mean over tokens). NaN for fewer than two units.
     */
    public static double ratioStandardError(double[] a, double[] b) {
        int n = a.length;
        if (n < 2) {
            return Double.NaN;
        }
        double sa = 0, sb = 0;
        for (int i = 0; i < n; i++) {
            sa += a[i];
            sb += b[i];
        }
        double r = sa / sb, ss = 0;
        for (int i = 0; i < n; i++) {
            double e = a[i] - r * b[i];
            ss += e * e;
        }
        return Math.sqrt(ss / ((double) n * (n - 1))) / Math.abs(sb / n);
    }

    public SpliceReport splice(long[][] windows) {
        Hooks clean = hooksFor(new Intervention.Clean()),
                spliced = hooksFor(new Intervention.Splice()),
                zero = hooksFor(new Intervention.ZeroAblation());
        List<float[]> lossClean = new ArrayList<>(), lossSpliced = new ArrayList<>(), lossZero = new ArrayList<>();
        double klS = 0, klZ = 0;
        long positions = 0;
        for (int start = 0; start < windows.length; start += Perplexity.BATCH_WINDOWS) {
            long[][] batch = java.util.Arrays.copyOfRange(
                    windows, start, Math.min(windows.length, start + Perplexity.BATCH_WINDOWS));
            try (NDManager scope = model.newScope()) {
                NDArray ids = model.idsArray(scope, batch);
                NDArray lc = model.run(ids, clean).logits(),
                        ls = model.run(ids, spliced).logits(),
                        lz = model.run(ids, zero).logits();
                addRows(lossClean, LanguageModel.tokenLoss(lc, ids));
                addRows(lossSpliced, LanguageModel.tokenLoss(ls, ids));
                addRows(lossZero, LanguageModel.tokenLoss(lz, ids));
                NDArray pClean = lc.logSoftmax(-1).toType(DataType.FLOAT64, false);
                klS += klSum(pClean, ls);
                klZ += klSum(pClean, lz);
                positions += ids.getShape().get(0) * ids.getShape().get(1);
            }
        }
        double[] recoveredNum = new double[windows.length], recoveredDen = new double[windows.length];
        for (int w = 0; w < windows.length; w++) {
            double z = windowMean(lossZero.get(w));
            recoveredNum[w] = z - windowMean(lossSpliced.get(w));
            recoveredDen[w] = z - windowMean(lossClean.get(w));
        }
        return new SpliceReport(
                mean(lossClean.toArray(new float[0][])),
                mean(lossZero.toArray(new float[0][])),
                mean(lossSpliced.toArray(new float[0][])),
                klS / positions,
                klZ / positions,
                positions,
                windows.length,
                ratioStandardError(recoveredNum, recoveredDen));
    }

    private static double windowMean(float[] losses) {
        double s = 0;
        for (float v : losses) {
            s += v;
        }
        return s / losses.length;
    }

    /** Σ over positions of KL(p ‖ q) = Σ_v p (log p − log q), from log p (float64) and q's logits. */
    private static double klSum(NDArray logP, NDArray logitsQ) {
        NDArray logQ = logitsQ.logSoftmax(-1).toType(DataType.FLOAT64, false);
        return logP.exp().mul(logP.sub(logQ)).sum().getDouble();
    }

    private static void addRows(List<float[]> out, NDArray losses) {
        float[] flat = losses.toFloatArray();
        int b = (int) losses.getShape().get(0), t = (int) losses.getShape().get(1);
        for (int i = 0; i < b; i++) {
            out.add(java.util.Arrays.copyOfRange(flat, i * t, (i + 1) * t));
        }
    }

    /** A predicted token whose loss the splice raised, with the features most active where the prediction is made. */
    public record CostlyToken(
            TokenChange change, double cleanLoss, double splicedLoss, int[] features, float[] activations) {}

    /** A window and the mean rise of its per-token loss with the reconstruction spliced in. */
    public record CostlyWindow(int window, double cleanCe, double splicedCe, String text) {
        public double delta() {
            return splicedCe - cleanCe;
        }
    }

    /** Where splicing the dictionary in costs the model most: the tokens and the windows whose loss rises most. */
    public record SpliceCosts(double cleanCe, double splicedCe, List<CostlyToken> tokens, List<CostlyWindow> windows) {}

    /**
     * The seed's "datapoints with the greatest perplexity difference": per-token loss spliced − clean over the
     * windows; the {@code topTokens} tokens that rise most, each with the {@code featuresPerToken} features most
     * active at the position that predicts it, and the {@code topWindows} windows whose mean loss rises most.
     */
    public SpliceCosts spliceCosts(long[][] windows, int topTokens, int topWindows, int featuresPerToken) {
        float[][] clean = tokenLosses(windows, new Intervention.Clean());
        float[][] spliced = tokenLosses(windows, new Intervention.Splice());
        float[][] delta = difference(spliced, clean);
        List<CostlyWindow> ws = new ArrayList<>();
        for (int w = 0; w < windows.length; w++) {
            ws.add(new CostlyWindow(
                    w,
                    windowMean(clean[w]),
                    windowMean(spliced[w]),
                    model.tokenizer().decode(windows[w])));
        }
        ws.sort((a, b) -> Double.compare(b.delta(), a.delta()));
        List<CostlyToken> tokens = new ArrayList<>();
        List<TokenChange> costly = TokenChange.largest(model.tokenizer(), windows, delta, topTokens, true);
        // one pass per window, however many of its tokens are listed; only the listed positions leave the engine
        java.util.Map<Integer, java.util.Map<Integer, float[]>> codesAt = new java.util.HashMap<>();
        costly.stream()
                .collect(java.util.stream.Collectors.groupingBy(TokenChange::window))
                .forEach((w, cs) -> codesAt.put(
                        w,
                        codesAt(
                                windows[w],
                                cs.stream()
                                        .mapToInt(ch -> ch.position() - 1)
                                        .distinct()
                                        .toArray())));
        for (TokenChange ch : costly) {
            float[] codes = codesAt.get(ch.window()).get(ch.position() - 1);
            int[] top = java.util.stream.IntStream.range(0, codes.length)
                    .boxed()
                    .filter(j -> codes[j] > 0)
                    .sorted((a, b) -> Float.compare(codes[b], codes[a]))
                    .limit(featuresPerToken)
                    .mapToInt(Integer::intValue)
                    .toArray();
            float[] acts = new float[top.length];
            for (int i = 0; i < top.length; i++) {
                acts[i] = codes[top[i]];
            }
            int t = ch.position() - 1;
            tokens.add(new CostlyToken(ch, clean[ch.window()][t], spliced[ch.window()][t], top, acts));
        }
        return new SpliceCosts(mean(clean), mean(spliced), tokens, ws.subList(0, Math.min(topWindows, ws.size())));
    }

    /** The dictionary's codes at some positions of a window, by position (one clean pass to the hook). */
    private java.util.Map<Integer, float[]> codesAt(long[] window, int[] positions) {
        try (NDManager scope = model.newScope()) {
            NDArray ids = model.idsArray(scope, new long[][] {window});
            NDArray x = model.run(ids, Hooks.builder().capture(hook).build())
                    .captures()
                    .get(hook); // [1, T, D]
            NDArray codes = codec.encode(x.reshape(window.length, -1)); // [T, n]
            java.util.Map<Integer, float[]> out = new java.util.HashMap<>();
            for (int p : positions) {
                out.put(p, codes.get(p).toFloatArray());
            }
            return out;
        }
    }

    /**
     * An intervention's effect: its mean loss beside the clean one and, where it was run, the spliced one (NaN
     * otherwise), and the per-token loss change against the intervention's {@link Intervention#baseline() baseline}:
     * the spliced run for an ablation inside the reconstruction, the clean run for everything else.
     */
    public record Effect(
            Intervention intervention, double cleanCe, double splicedCe, double ce, float[][] tokenLossDelta) {
        /** Whether the change is measured against the reconstruction spliced in rather than the clean run. */
        public boolean againstSpliced() {
            return intervention.measuredAgainstSplice();
        }

        /** The mean loss the change is measured against. */
        public double baselineCe() {
            return againstSpliced() ? splicedCe : cleanCe;
        }

        /** The intervention's own change of the mean loss, against its baseline. */
        public double deltaCe() {
            return ce - baselineCe();
        }

        public double perplexity() {
            return Math.exp(ce);
        }

        public double cleanPerplexity() {
            return Math.exp(cleanCe);
        }

        public double baselinePerplexity() {
            return Math.exp(baselineCe());
        }
    }

    /** The effect of an intervention, the clean losses given; the spliced ones are computed when the baseline needs them. */
    public Effect effect(long[][] windows, Intervention intervention, float[][] cleanLosses) {
        float[][] spliced =
                intervention.measuredAgainstSplice() ? tokenLosses(windows, new Intervention.Splice()) : null;
        return effect(windows, intervention, cleanLosses, spliced);
    }

    /** The effect of an intervention, the clean and (where there are any) spliced losses given. */
    public Effect effect(long[][] windows, Intervention intervention, float[][] cleanLosses, float[][] splicedLosses) {
        float[][] base = intervention.measuredAgainstSplice() ? splicedLosses : cleanLosses;
        if (base == null) {
            throw new IllegalArgumentException(
                    intervention.describe() + " is measured against the spliced run: give its losses");
        }
        float[][] losses = tokenLosses(windows, intervention);
        return new Effect(
                intervention,
                mean(cleanLosses),
                splicedLosses == null ? Double.NaN : mean(splicedLosses),
                mean(losses),
                difference(losses, base));
    }

    /** Per-token a − b. */
    public static float[][] difference(float[][] a, float[][] b) {
        float[][] delta = new float[a.length][];
        for (int i = 0; i < a.length; i++) {
            delta[i] = new float[a[i].length];
            for (int t = 0; t < a[i].length; t++) {
                delta[i][t] = a[i][t] - b[i][t];
            }
        }
        return delta;
    }

    public static double mean(float[][] losses) {
        return Perplexity.of(losses, losses.length == 0 ? 0 : losses[0].length + 1)
                .meanCrossEntropy();
    }

    @Override
    public void close() {
        if (weights != null) {
            weights.close();
        }
    }
}
