package org.sparsescope.compute.circuits;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;
import java.util.List;
import org.sparsescope.compute.InvalidInputException;
import org.sparsescope.compute.dictionary.Codec;
import org.sparsescope.compute.dictionary.Dictionary;
import org.sparsescope.compute.dictionary.InputNormalization;
import org.sparsescope.compute.intervene.Intervention.AblationMode;
import org.sparsescope.compute.model.HookPoint;
import org.sparsescope.compute.model.Hooks;
import org.sparsescope.compute.model.LanguageModel;
import org.sparsescope.compute.work.Cancellation;
import org.sparsescope.compute.work.CancelledException;

/**
 * Measures edges from features of an upstream dictionary A (at h_A) to every feature of a downstream dictionary B
 * (at a later h_B) of one model, over windows of text. Each chunk of windows runs the model's prefix up to h_A
 * once; each upstream unit (a feature, or a set of them) then runs one pass from h_A on to h_B only. Holds both
 * dictionaries' weights on the model's device; close it to free them.
 */
public final class FeatureEdges implements AutoCloseable {
    private final LanguageModel model;
    private final HookPoint upstreamHook;
    private final HookPoint downstreamHook;
    private final NDManager weights;
    private final Codec upstream;
    private final Codec downstream;
    private final int upstreamFeatures;
    private final int downstreamFeatures;
    private long tokenBlocks;

    public FeatureEdges(LanguageModel model, Dictionary a, HookPoint hookA, Dictionary b, HookPoint hookB)
            throws InvalidInputException {
        this.model = model;
        List<HookPoint> order = model.hookPoints();
        if (!order.contains(hookA) || !order.contains(hookB)) {
            throw new InvalidInputException(
                    model.dir(), "this model has no hook " + (order.contains(hookA) ? hookB : hookA));
        }
        if (order.indexOf(hookB) <= order.indexOf(hookA)) {
            throw new InvalidInputException(
                    model.dir(),
                    "a graph runs downstream: " + hookB + " does not come after " + hookA + " in the forward pass");
        }
        HookPoint[] hooks = {hookA, hookB};
        Dictionary[] dicts = {a, b};
        for (int i = 0; i < 2; i++) {
            if (dicts[i].dIn() != model.width(hooks[i])) {
                throw new InvalidInputException(
                        model.dir(),
                        "a dictionary reads d_in=" + dicts[i].dIn() + " but " + hooks[i] + " has d="
                                + model.width(hooks[i]));
            }
        }
        this.upstreamHook = hookA;
        this.downstreamHook = hookB;
        this.upstreamFeatures = a.dSae();
        this.downstreamFeatures = b.dSae();
        this.weights = NDManager.newBaseManager(model.device());
        this.upstream = a.codec(weights);
        this.downstream = b.codec(weights);
    }

    /** The sums a graph's weights are ratios of, for each unit and downstream feature; added over chunks of windows. */
    public static final class Sums {
        final double[][] primary; // ABLATE: Σ_windows ‖Δa_j‖; RESTORE: Σ_{active} a_j(restored)
        final double[][] signed; // ABLATE: Σ_tokens Δa_j
        final double[] denominator; // RESTORE: Σ_{active} a_j(reference)
        final double[] baseline; // RESTORE: Σ_{active} a_j(every feature removed)
        long windows;
        long tokens;

        Sums(int units, int n) {
            primary = new double[units][n];
            signed = new double[units][n];
            denominator = new double[n];
            baseline = new double[n];
        }

        /** The weights as {@link FeatureGraph.Method} defines them, [unit][downstream feature]. */
        public float[][] weights(FeatureGraph.Method method) {
            float[][] out = new float[primary.length][primary.length == 0 ? 0 : primary[0].length];
            for (int u = 0; u < primary.length; u++) {
                for (int j = 0; j < out[u].length; j++) {
                    out[u][j] = (float)
                            (method == FeatureGraph.Method.ABLATE
                                    ? primary[u][j] / windows
                                    : denominator[j] > 0 ? primary[u][j] / denominator[j] : 0);
                }
            }
            return out;
        }

        /** The signed companions (see {@link FeatureGraph.Stage#effects}). */
        public float[][] effects(FeatureGraph.Method method) {
            float[][] out = new float[primary.length][primary.length == 0 ? 0 : primary[0].length];
            for (int u = 0; u < primary.length; u++) {
                for (int j = 0; j < out[u].length; j++) {
                    out[u][j] = (float)
                            (method == FeatureGraph.Method.ABLATE
                                    ? signed[u][j] / tokens
                                    : denominator[j] > 0 ? (primary[u][j] - baseline[j]) / denominator[j] : 0);
                }
            }
            return out;
        }
    }

    public Sums newSums(int units) {
        return new Sums(units, downstreamFeatures);
    }

    /** Tokens × blocks run so far (prefixes and every unit's pass), for the forward rate. */
    public long tokenBlocks() {
        return tokenBlocks;
    }

    /**
     * Adds one chunk of windows (all the same length) to {@code sums}, one pass from h_A per unit.
     *
     * @param units upstream feature sets: a feature alone for a graph's edge, or several removed or restored together
     * @param afterUnit called after each unit's pass, for progress
     */
    public void add(
            long[][] chunk,
            List<int[]> units,
            FeatureGraph.Method method,
            AblationMode mode,
            Sums sums,
            Runnable afterUnit,
            Cancellation cancel)
            throws CancelledException {
        for (int[] unit : units) {
            for (int f : unit) {
                if (f < 0 || f >= upstreamFeatures) {
                    throw new IllegalArgumentException(
                            "upstream feature " + f + " is outside 0 … " + (upstreamFeatures - 1));
                }
            }
        }
        int b = chunk.length, t = chunk[0].length;
        try (NDManager scope = model.newScope()) {
            NDArray ids = model.idsArray(scope, chunk);
            int first = upstreamHook.layer();
            NDArray resid = model.residualBefore(ids, first);
            NDArray x3 = model.runFrom(
                            first, resid, Hooks.builder().capture(upstreamHook).build())
                    .captures()
                    .get(upstreamHook);
            tokenBlocks += (long) b * t * (first + 1);
            Shape s3 = x3.getShape();
            NDArray x = x3.reshape(-1, s3.get(2)); // [B·T, D]
            NDArray codes = upstream.encode(x); // [B·T, n_A]
            // a dictionary that normalises each row writes at that row's scale: its rows scaled per row, [B·T or 1, D]
            boolean perRow = !(upstream.normalization() instanceof InputNormalization.None);
            NDArray rowScale = perRow ? upstream.normalization().outputScale(x) : null; // [B·T, 1]
            NDArray rows = upstream.decoderRows(); // [n_A, D]
            NDArray decodedZero = upstream.decode(scope.zeros(new Shape(1, upstreamFeatures)), x);
            NDArray spliced = upstream.decode(codes, x);
            // what every feature of A writes, and the activation with every feature removed, in the chosen mode
            NDArray keep = mode == AblationMode.KEEP_ERROR ? x : spliced;
            NDArray removedAll = mode == AblationMode.KEEP_ERROR
                    ? x.sub(spliced.sub(decodedZero))
                    : decodedZero.broadcast(x.getShape());
            NDArray reference = downstreamCodes(resid, keep, s3); // [B·T, n_B]
            NDArray active = reference.gt(0f).toType(ai.djl.ndarray.types.DataType.FLOAT32, false);
            if (method == FeatureGraph.Method.RESTORE) {
                add(sums.denominator, reference.mul(active).sum(new int[] {0}));
                add(
                        sums.baseline,
                        downstreamCodes(resid, removedAll, s3).mul(active).sum(new int[] {0}));
            }
            for (int u = 0; u < units.size(); u++) {
                cancel.check();
                try (NDManager unitScope = scope.newSubManager()) {
                    // results of ops land with their first operand: borrow the chunk's arrays so that this unit's stay
                    // here
                    unitScope.tempAttachAll(distinct(
                            x,
                            codes,
                            rows,
                            keep,
                            removedAll,
                            reference,
                            active,
                            resid,
                            spliced,
                            decodedZero,
                            rowScale));
                    NDArray write = write(codes, rows, units.get(u), spliced, decodedZero, rowScale);
                    NDArray patched = method == FeatureGraph.Method.ABLATE ? keep.sub(write) : removedAll.add(write);
                    NDArray after = downstreamCodes(resid, patched, s3);
                    if (method == FeatureGraph.Method.ABLATE) {
                        NDArray delta = reference.sub(after); // [B·T, n_B]
                        NDArray perWindow = delta.reshape(b, t, downstreamFeatures)
                                .square()
                                .sum(new int[] {1})
                                .sqrt(); // [B, n_B]
                        add(sums.primary[u], perWindow.sum(new int[] {0}));
                        add(sums.signed[u], delta.sum(new int[] {0}));
                    } else {
                        add(sums.primary[u], after.mul(active).sum(new int[] {0}));
                    }
                }
                afterUnit.run();
            }
        }
        sums.windows += b;
        sums.tokens += (long) b * t;
    }

    /**
     * What the features of {@code unit} write at h_A, [B·T, D]: Σ_i c_i·W_dec[i] (decoders are affine in the codes),
     * times each row's output scale where the dictionary normalises rows ({@code rowScale} [B·T, 1], else null).
     */
    private NDArray write(
            NDArray codes, NDArray rows, int[] unit, NDArray spliced, NDArray decodedZero, NDArray rowScale) {
        if (unit.length == upstreamFeatures && Arrays.stream(unit).distinct().count() == upstreamFeatures) {
            return spliced.sub(decodedZero);
        }
        NDArray written = writeInDecoderSpace(codes, rows, unit);
        return rowScale == null ? written : written.mul(rowScale);
    }

    private NDArray writeInDecoderSpace(NDArray codes, NDArray rows, int[] unit) {
        if (unit.length > 32) {
            float[] mask = new float[upstreamFeatures];
            for (int f : unit) {
                mask[f] = 1f;
            }
            return codes.mul(codes.getManager().create(mask)).matMul(rows);
        }
        NDArray out = null;
        for (int f : Arrays.stream(unit).distinct().toArray()) {
            NDArray term = codes.get(":, " + f + ":" + (f + 1)).mul(rows.get(f + ":" + (f + 1))); // [B·T, 1] × [1, D]
            out = out == null ? term : out.add(term);
        }
        return out;
    }

    /**
     * B's codes [B·T, n_B] at h_B when h_A holds {@code atA} (flat [B·T, D]). A residual-stream h_A resumes from
     * {@code atA} itself, skipping the block that produced it; other hooks resume at their block's resid_pre.
     */
    private NDArray downstreamCodes(NDArray resid, NDArray atA, Shape s3) {
        NDArray a3 = atA.reshape(s3);
        Hooks.Builder hooks = Hooks.builder().capture(downstreamHook);
        int l = upstreamHook.layer();
        NDArray out;
        long tokens = s3.get(0) * s3.get(1);
        if (upstreamHook.kind() == HookPoint.Kind.RESID_POST
                && l + 1 < model.config().nLayers()) {
            out = model.runFrom(l + 1, a3, hooks.build()).captures().get(downstreamHook);
            tokenBlocks += tokens * (lastLayer() - l);
        } else if (upstreamHook.kind() == HookPoint.Kind.RESID_PRE) {
            out = model.runFrom(l, a3, hooks.build()).captures().get(downstreamHook);
            tokenBlocks += tokens * (lastLayer() - l + 1);
        } else {
            out = model.runFrom(l, resid, hooks.replace(upstreamHook, x -> a3).build())
                    .captures()
                    .get(downstreamHook);
            tokenBlocks += tokens * (lastLayer() - l + 1);
        }
        return downstream.encode(out.reshape(-1, s3.get(2)));
    }

    private int lastLayer() {
        return downstreamHook.isFinal() ? model.config().nLayers() - 1 : downstreamHook.layer();
    }

    /** The arrays once each (attaching one twice would hand it back to the scope being closed). */
    private static NDArray[] distinct(NDArray... arrays) {
        java.util.Set<NDArray> seen = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        return Arrays.stream(arrays).filter(a -> a != null && seen.add(a)).toArray(NDArray[]::new);
    }

    private static void add(double[] into, NDArray values) {
        float[] v = values.toFloatArray();
        for (int j = 0; j < v.length; j++) {
            into[j] += v[j];
        }
    }

    @Override
    public void close() {
        weights.close();
    }
}
