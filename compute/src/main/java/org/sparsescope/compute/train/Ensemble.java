package org.sparsescope.compute.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.sparsescope.compute.dictionary.Dictionary;
import org.sparsescope.compute.dictionary.DictionaryInfo;

/**
 * E dictionaries of one kind and size trained together over the same batches (the seed's "ensemble"), their
 * parameters stacked over members and named as the saved dictionary names them. What is shared by every kind lives
 * here: Adam, the firing counts behind dead-feature judgements and resampling, and the named state a checkpoint
 * holds; the loss, its hand-written gradients and the initialisation are the kind's ({@link UntiedEnsemble},
 * {@link TiedEnsemble}).
 */
abstract class Ensemble {
    private static final float BETA1 = 0.9f, BETA2 = 0.999f, EPS = 1e-8f;

    final List<SweepMember> members;
    final SweepMember.Kind kind;
    final int e, d, n, k;
    final float[] l1s;
    final Parameter[] params;
    final NDArray fired; // [E, n] firings since the last event
    final NDArray firedSinceResample; // [E, n]

    Ensemble(NDManager manager, List<SweepMember> members, int d, Parameter... params) {
        this.members = List.copyOf(members);
        this.kind = members.get(0).kind();
        this.e = members.size();
        this.d = d;
        this.n = members.get(0).dSae();
        this.k = members.get(0).k();
        this.l1s = new float[e];
        for (int m = 0; m < e; m++) {
            l1s[m] = (float) members.get(m).l1();
        }
        this.params = params;
        fired = manager.zeros(new Shape(e, n));
        firedSinceResample = manager.zeros(new Shape(e, n));
    }

    /** The ensemble for members of one group (same kind, size and k), initialised from {@code rnd}. */
    static Ensemble of(NDManager manager, List<SweepMember> members, int d, float[] dataMean, Random rnd) {
        return members.get(0).kind() == SweepMember.Kind.TIED_L1
                ? new TiedEnsemble(manager, members, d, dataMean, rnd)
                : new UntiedEnsemble(manager, members, d, dataMean, rnd);
    }

    Parameter parameter(String name) {
        for (Parameter p : params) {
            if (p.name.equals(name)) {
                return p;
            }
        }
        throw new IllegalArgumentException("no parameter " + name);
    }

    /** Turns on sparsify's AuxK loss where the kind has one (TopK kinds); others ignore it. */
    void useAuxK(NDManager manager, float alpha, long deadTokens) {}

    /** Arrays the ensemble keeps that are neither trained nor counted (a tied member's centring). */
    Map<String, NDArray> buffers() {
        return Map.of();
    }

    /**
     * Everything a resumed run needs, by name: each parameter, its Adam moments ("W_enc.exp_avg", "W_enc.exp_avg_sq"),
     * the buffers and the firing counts. The same names in the same order every time.
     */
    Map<String, NDArray> state() {
        Map<String, NDArray> s = new LinkedHashMap<>();
        for (Parameter p : params) {
            s.put(p.name, p.value);
            s.put(p.name + ".exp_avg", p.expAvg);
            s.put(p.name + ".exp_avg_sq", p.expAvgSq);
        }
        s.putAll(buffers());
        s.put("fired", fired);
        s.put("fired_since_resample", firedSinceResample);
        return s;
    }

    /** Everything of this ensemble that lives on the engine, for scoping. */
    List<NDArray> arrays() {
        List<NDArray> all = new ArrayList<>(state().values());
        for (Parameter p : params) {
            all.add(p.grad);
        }
        return all;
    }

    /** Per-member figures of one step, read back only for progress events. */
    record StepStats(float[] sqErr, float[] l0, float[] l1Sum) {}

    /**
     * One training step of every member on x [B, d]: the kind's loss, its gradients written out by hand into each
     * parameter's {@code grad}, then Adam. Firings are added to the counts behind events' dead fractions when
     * {@code sampleFirings}, and to those behind resampling when {@code countForResampling}: the latter on a fixed
     * cadence of steps only, so that how often a run reports cannot change what it resamples.
     *
     * @return the members' squared error, L0 and mean Σc when {@code withStats}, else null
     */
    final StepStats step(
            NDArray x,
            float l1Scale,
            long t,
            double lr,
            boolean sampleFirings,
            boolean countForResampling,
            boolean withStats) {
        int batch = (int) x.getShape().get(0);
        float[] sqErr = new float[e], l0 = new float[e], l1Sum = new float[e];
        NDArray[] firings = sampleFirings || countForResampling ? new NDArray[e] : null;
        NDManager stepScope = x.getManager();
        // members one after another, each on contiguous [B, n] arrays freed before the next member's are made;
        // autograd over stacked [E, B, n] codes ran a sweep of 8 at half this speed
        for (int m = 0; m < e; m++) {
            try (NDManager scope = stepScope.newSubManager()) {
                scope.tempAttachAll(x);
                for (Parameter p : params) {
                    scope.tempAttachAll(p.value, p.grad);
                }
                for (NDArray b : buffers().values()) {
                    scope.tempAttachAll(b);
                }
                MemberStep s = stepMember(m, x, l1s[m] * l1Scale, batch);
                if (withStats) {
                    sqErr[m] = s.err().square().sum().getFloat();
                    l0[m] = s.nonZeros() / batch;
                    l1Sum[m] = s.codeSum() / batch;
                }
                if (firings != null) {
                    firings[m] = s.firings();
                    firings[m].attach(stepScope);
                }
            }
        }
        if (firings != null) {
            try (NDArray counts = NDArrays.stack(new NDList(firings))) {
                if (sampleFirings) {
                    fired.addi(counts);
                }
                if (countForResampling) {
                    firedSinceResample.addi(counts);
                }
            }
            for (NDArray f : firings) {
                f.close();
            }
        }
        adamStep(t, lr);
        return withStats ? new StepStats(sqErr, l0, l1Sum) : null;
    }

    /**
     * What one member's step leaves for the statistics: its codes — dense [B, n] with the float mask of those that
     * pass gradient (1 or 0; multiplying by a boolean mask is three times slower), or the sparse step's selected
     * entries — and its reconstruction error x̂ − x [B, d], taken before the gradient overwrote it.
     */
    static final class MemberStep {
        private final NDArray codes, active, err;
        private final SparseCodes sparse;

        MemberStep(NDArray codes, NDArray active, NDArray err) {
            this.codes = codes;
            this.active = active;
            this.err = err;
            this.sparse = null;
        }

        MemberStep(SparseCodes codes, NDArray err) {
            this.codes = null;
            this.active = null;
            this.err = err;
            this.sparse = codes;
        }

        NDArray err() {
            return err;
        }

        /** Non-zero codes over the batch. */
        float nonZeros() {
            return sparse != null ? sparse.nonZeros() : active.sum().getFloat();
        }

        /** Σ of the codes over the batch. */
        float codeSum() {
            return (sparse != null ? sparse.values() : codes).sum().getFloat();
        }

        /** Rows each feature fired in: [n]. */
        NDArray firings() {
            return sparse != null ? sparse.firings() : active.sum(new int[] {0});
        }
    }

    /** Member m's forward pass and hand-written gradients, written into its slice of each parameter's grad. */
    abstract MemberStep stepMember(int m, NDArray x, float l1, int batch);

    /**
     * One Adam step, PyTorch's: m̂ / (√v̂ + ε) with bias-corrected moments. The engine's fused update computes
     * lr' m / (√v + ε'); with lr' = lr √bc2 / bc1 and ε' = ε √bc2 that is the same quantity.
     */
    final void adamStep(long t, double lr) {
        double bc1 = 1 - Math.pow(BETA1, t), bc2 = 1 - Math.pow(BETA2, t);
        float lrCorrected = (float) (lr * Math.sqrt(bc2) / bc1);
        float epsCorrected = (float) (EPS * Math.sqrt(bc2));
        for (Parameter p : params) {
            p.value
                    .getNDArrayInternal()
                    .adamUpdate(
                            new NDList(p.value, p.grad, p.expAvg, p.expAvgSq),
                            new NDList(p.value),
                            (float) lr,
                            lrCorrected,
                            0f,
                            1f,
                            -1f,
                            BETA1,
                            BETA2,
                            epsCorrected,
                            false,
                            false);
        }
    }

    /**
     * Re-initialises the features that did not fire since the last call, from rows of {@code batch} drawn with
     * {@code rnd}, and resets those entries' Adam moments; the kind says how. Returns how many were resampled.
     */
    final int resampleDead(float[] batch, int batchRows, Random rnd) {
        float[] counts = firedSinceResample.toFloatArray();
        Map<String, float[]> host = new LinkedHashMap<>();
        for (Parameter p : params) {
            host.put(p.name, p.value.toFloatArray());
            host.put(p.name + ".exp_avg", p.expAvg.toFloatArray());
            host.put(p.name + ".exp_avg_sq", p.expAvgSq.toFloatArray());
        }
        int resampled = 0;
        for (int m = 0; m < e; m++) {
            boolean[] dead = new boolean[n];
            int count = 0;
            for (int j = 0; j < n; j++) {
                dead[j] = counts[m * n + j] == 0;
                count += dead[j] ? 1 : 0;
            }
            if (count > 0) {
                resample(m, dead, host, batch, batchRows, rnd);
                resampled += count;
            }
        }
        if (resampled > 0) {
            for (Parameter p : params) {
                p.value.set(FloatBuffer.wrap(host.get(p.name)));
                p.expAvg.set(FloatBuffer.wrap(host.get(p.name + ".exp_avg")));
                p.expAvgSq.set(FloatBuffer.wrap(host.get(p.name + ".exp_avg_sq")));
            }
        }
        firedSinceResample.muli(0f);
        return resampled;
    }

    /** Member m's dead features re-initialised in the host copies (parameters and moments, by state name). */
    abstract void resample(int m, boolean[] dead, Map<String, float[]> host, float[] batch, int batchRows, Random rnd);

    /**
     * The mean norm of the live features' vectors, feature j's element i at {@code w[at.applyAsInt(j, i)]} (1 when
     * none is live): the scale resampled features start at.
     */
    final double meanLiveNorm(boolean[] dead, float[] w, java.util.function.IntBinaryOperator at) {
        double sum = 0;
        int live = 0;
        for (int j = 0; j < n; j++) {
            if (!dead[j]) {
                double s = 0;
                for (int i = 0; i < d; i++) {
                    double v = w[at.applyAsInt(j, i)];
                    s += v * v;
                }
                sum += Math.sqrt(s);
                live++;
            }
        }
        return live > 0 ? sum / live : 1.0;
    }

    /** A random batch row minus the centre ({@code centre[centreAt …]}), of unit length: where a dead feature restarts. */
    final float[] randomDirection(float[] batch, int batchRows, float[] centre, int centreAt, Random rnd) {
        int r = rnd.nextInt(batchRows);
        double norm = 0;
        float[] dir = new float[d];
        for (int i = 0; i < d; i++) {
            dir[i] = batch[r * d + i] - centre[centreAt + i];
            norm += dir[i] * dir[i];
        }
        norm = Math.max(Math.sqrt(norm), 1e-12);
        for (int i = 0; i < d; i++) {
            dir[i] = (float) (dir[i] / norm);
        }
        return dir;
    }

    /** Member m as the dictionary it is, in the form it is saved in. */
    abstract Dictionary dictionary(int m, DictionaryInfo info);

    static float[] slice(NDArray stacked, int m) {
        try (NDArray s = stacked.get(m)) {
            return s.toFloatArray();
        }
    }

    /** A member as written into sidecars and run signatures, in a fixed order (Map.of's differs from JVM to JVM). */
    static Map<String, Object> describe(SweepMember m) {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put(
                "kind",
                switch (m.kind()) {
                    case TOPK -> "topk";
                    case RELU_L1 -> "relu_l1";
                    case TIED_L1 -> "tied_relu_l1";
                    case BATCH_TOPK -> "batchtopk";
                });
        if (m.kind().keepsK()) {
            d.put("k", m.k());
        } else {
            d.put("l1", m.l1());
        }
        d.put("d_sae", m.dSae());
        return d;
    }
}
