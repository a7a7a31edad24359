package org.sparsescope.compute.train;

/**
 * How to train a sweep. Defaults are the reference recipe: Adam lr 1e-3, batch 2048, 3 epochs, no schedule.
 *
 * @param heldOutRows     rows at the end of the activation set kept for evaluation
 * @param l1WarmupSteps   the L1 coefficient ramps linearly from 0 over these steps (0: none)
 * @param lrWarmupSteps   the learning rate ramps linearly from 0 over these steps (0: none)
 * @param lrDecayStart    fraction of training after which the learning rate decays linearly to 0 (1: none)
 * @param resampleEvery   every so many steps, features that did not fire since the last resampling are re-initialised (0: never)
 * @param eventEvery      a progress event every so many steps
 * @param checkpointEvery a checkpoint every so many steps (0: only when cancelled)
 * @param auxkAlpha       TopK and BatchTopK members: the coefficient of sparsify's AuxK loss on dead latents (0: none;
 *                        sparsify's default is 1/32)
 * @param deadTokens      a latent is dead for AuxK when it has not fired for this many tokens (sparsify's 10,000,000)
 */
public record TrainOptions(
        int batchSize,
        int epochs,
        double learningRate,
        long seed,
        long heldOutRows,
        int l1WarmupSteps,
        int lrWarmupSteps,
        double lrDecayStart,
        int resampleEvery,
        int eventEvery,
        int checkpointEvery,
        double auxkAlpha,
        long deadTokens) {

    /** The reference recipe's rows per step. */
    public static final int DEFAULT_BATCH = 2048;

    /** Fewer steps than this and a sweep's dictionaries say little: the command line warns, the default batch shrinks. */
    public static final int MIN_USEFUL_STEPS = 200;

    /**
     * The batch for a set of {@code trainingRows}: {@link #DEFAULT_BATCH}, halved while the run would take fewer than
     * {@link #MIN_USEFUL_STEPS} steps, down to 64 (a small set still trains on its rows, in more, smaller steps).
     */
    public static int defaultBatch(long trainingRows, int epochs) {
        int b = DEFAULT_BATCH;
        while (b > 64 && steps(trainingRows, epochs, b) < MIN_USEFUL_STEPS) {
            b /= 2;
        }
        return b;
    }

    /** The steps a run takes: whole batches of {@code batch} rows per epoch, as the trainer counts them. */
    public static long steps(long trainingRows, int epochs, int batch) {
        return (long) epochs * (trainingRows / batch);
    }

    /** sparsify's dead_feature_threshold. */
    public static final long DEAD_TOKENS = 10_000_000;

    public TrainOptions(
            int batchSize,
            int epochs,
            double learningRate,
            long seed,
            long heldOutRows,
            int l1WarmupSteps,
            int lrWarmupSteps,
            double lrDecayStart,
            int resampleEvery,
            int eventEvery,
            int checkpointEvery) {
        this(
                batchSize,
                epochs,
                learningRate,
                seed,
                heldOutRows,
                l1WarmupSteps,
                lrWarmupSteps,
                lrDecayStart,
                resampleEvery,
                eventEvery,
                checkpointEvery,
                0,
                DEAD_TOKENS);
    }

    public TrainOptions {
        if (batchSize < 1 || epochs < 1 || !(learningRate > 0) || heldOutRows < 0 || eventEvery < 1) {
            throw new IllegalArgumentException("batch, epochs, learning rate and event interval must be positive");
        }
        if (!(lrDecayStart > 0 && lrDecayStart <= 1)) {
            throw new IllegalArgumentException("lr decay start is a fraction in (0, 1], got " + lrDecayStart);
        }
        if (!(auxkAlpha >= 0) || deadTokens < 1) {
            throw new IllegalArgumentException("the AuxK coefficient is ≥ 0 and the dead-latent window positive, got "
                    + auxkAlpha + " and " + deadTokens);
        }
    }

    /** sparsify's AuxK loss on TopK and BatchTopK members: coefficient and dead-latent window in tokens. */
    public TrainOptions withAuxK(double alpha, long dead) {
        return new TrainOptions(
                batchSize,
                epochs,
                learningRate,
                seed,
                heldOutRows,
                l1WarmupSteps,
                lrWarmupSteps,
                lrDecayStart,
                resampleEvery,
                eventEvery,
                checkpointEvery,
                alpha,
                dead);
    }

    public static TrainOptions reference(long heldOutRows) {
        return new TrainOptions(2048, 3, 1e-3, 0, heldOutRows, 0, 0, 1.0, 0, 50, 500);
    }

    public TrainOptions withBatch(int b) {
        return new TrainOptions(
                b,
                epochs,
                learningRate,
                seed,
                heldOutRows,
                l1WarmupSteps,
                lrWarmupSteps,
                lrDecayStart,
                resampleEvery,
                eventEvery,
                checkpointEvery,
                auxkAlpha,
                deadTokens);
    }

    public TrainOptions withEpochs(int e) {
        return new TrainOptions(
                batchSize,
                e,
                learningRate,
                seed,
                heldOutRows,
                l1WarmupSteps,
                lrWarmupSteps,
                lrDecayStart,
                resampleEvery,
                eventEvery,
                checkpointEvery,
                auxkAlpha,
                deadTokens);
    }

    public TrainOptions withSchedule(int l1Warmup, int lrWarmup, double decayStart) {
        return new TrainOptions(
                batchSize,
                epochs,
                learningRate,
                seed,
                heldOutRows,
                l1Warmup,
                lrWarmup,
                decayStart,
                resampleEvery,
                eventEvery,
                checkpointEvery,
                auxkAlpha,
                deadTokens);
    }

    public TrainOptions withResampleEvery(int steps) {
        return new TrainOptions(
                batchSize,
                epochs,
                learningRate,
                seed,
                heldOutRows,
                l1WarmupSteps,
                lrWarmupSteps,
                lrDecayStart,
                steps,
                eventEvery,
                checkpointEvery,
                auxkAlpha,
                deadTokens);
    }

    public TrainOptions withEvents(int every, int checkpoint) {
        return new TrainOptions(
                batchSize,
                epochs,
                learningRate,
                seed,
                heldOutRows,
                l1WarmupSteps,
                lrWarmupSteps,
                lrDecayStart,
                resampleEvery,
                every,
                checkpoint,
                auxkAlpha,
                deadTokens);
    }

    public TrainOptions withSeed(long s) {
        return new TrainOptions(
                batchSize,
                epochs,
                learningRate,
                s,
                heldOutRows,
                l1WarmupSteps,
                lrWarmupSteps,
                lrDecayStart,
                resampleEvery,
                eventEvery,
                checkpointEvery,
                auxkAlpha,
                deadTokens);
    }

    public TrainOptions withLearningRate(double lr) {
        return new TrainOptions(
                batchSize,
                epochs,
                lr,
                seed,
                heldOutRows,
                l1WarmupSteps,
                lrWarmupSteps,
                lrDecayStart,
                resampleEvery,
                eventEvery,
                checkpointEvery,
                auxkAlpha,
                deadTokens);
    }

    /**
     * The options that change what a run computes, as a resumed run must match them: not how often it reports or
     * checkpoints, which a user may change between a cancelled run and its resumption.
     */
    public java.util.Map<String, Object> resultDetermining() {
        java.util.Map<String, Object> m = new java.util.TreeMap<>();
        m.put("batch", batchSize);
        m.put("epochs", epochs);
        m.put("lr", learningRate);
        m.put("seed", seed);
        m.put("held_out_rows", heldOutRows);
        m.put("l1_warmup_steps", l1WarmupSteps);
        m.put("lr_warmup_steps", lrWarmupSteps);
        m.put("lr_decay_start", lrDecayStart);
        m.put("resample_every", resampleEvery);
        if (auxkAlpha > 0) { // absent for runs without it, so that their signatures stay what they were
            m.put("auxk_alpha", auxkAlpha);
            m.put("dead_tokens", deadTokens);
        }
        return m;
    }

    /** The learning rate at {@code step} of {@code total}. */
    double learningRate(long step, long total) {
        double f = 1.0;
        if (lrWarmupSteps > 0 && step < lrWarmupSteps) {
            f *= (step + 1.0) / lrWarmupSteps;
        }
        double decayFrom = lrDecayStart * total;
        if (lrDecayStart < 1 && step >= decayFrom) {
            f *= Math.max(0, (total - step) / (total - decayFrom));
        }
        return learningRate * f;
    }

    /** The factor on every L1 coefficient at {@code step}. */
    double l1Scale(long step) {
        return l1WarmupSteps > 0 && step < l1WarmupSteps ? (step + 1.0) / l1WarmupSteps : 1.0;
    }
}
