package org.sparsescope.compute.train;

/**
 * How to train a sweep, in four named parts; built from {@link #reference} and changed by name
 * ({@code reference(rows).withBatch(256).withEpochs(2)}). Defaults are the reference recipe: Adam lr 1e-3, batch
 * 2048, 3 epochs, no schedule.
 */
public record TrainOptions(Rows rows, Schedule schedule, Upkeep upkeep, AuxK auxk) {

    /**
     * What each step reads.
     *
     * @param heldOutRows rows at the end of the activation set kept for evaluation
     * @param seed        initialisation and shuffling
     */
    public record Rows(int batchSize, int epochs, long heldOutRows, long seed) {
        public Rows {
            if (batchSize < 1 || epochs < 1 || heldOutRows < 0) {
                throw new IllegalArgumentException("batch and epochs must be positive and held-out rows ≥ 0, got "
                        + batchSize + ", " + epochs + ", " + heldOutRows);
            }
        }
    }

    /**
     * How the step size and the L1 coefficient move.
     *
     * @param l1WarmupSteps the L1 coefficient ramps linearly from 0 over these steps (0: none)
     * @param lrWarmupSteps the learning rate ramps linearly from 0 over these steps (0: none)
     * @param lrDecayStart  fraction of training after which the learning rate decays linearly to 0 (1: none)
     */
    public record Schedule(double learningRate, int l1WarmupSteps, int lrWarmupSteps, double lrDecayStart) {
        public Schedule {
            if (!(learningRate > 0)) {
                throw new IllegalArgumentException("the learning rate must be positive, got " + learningRate);
            }
            if (!(lrDecayStart > 0 && lrDecayStart <= 1)) {
                throw new IllegalArgumentException("lr decay start is a fraction in (0, 1], got " + lrDecayStart);
            }
        }
    }

    /**
     * What happens between steps.
     *
     * @param resampleEvery   every so many steps, features that did not fire since the last resampling are
     *                        re-initialised (0: never)
     * @param eventEvery      a progress event every so many steps
     * @param checkpointEvery a checkpoint every so many steps (0: only when cancelled)
     */
    public record Upkeep(int resampleEvery, int eventEvery, int checkpointEvery) {
        public Upkeep {
            if (eventEvery < 1) {
                throw new IllegalArgumentException("the event interval must be positive, got " + eventEvery);
            }
        }
    }

    /**
     * sparsify's AuxK loss on the dead latents of TopK and BatchTopK members.
     *
     * @param alpha      its coefficient (0: none; sparsify's default is 1/32)
     * @param deadTokens a latent is dead when it has not fired for this many tokens (sparsify's 10,000,000)
     */
    public record AuxK(double alpha, long deadTokens) {
        public AuxK {
            if (!(alpha >= 0) || deadTokens < 1) {
                throw new IllegalArgumentException(
                        "the AuxK coefficient is ≥ 0 and the dead-latent window positive, got " + alpha + " and "
                                + deadTokens);
            }
        }
    }

    /** The reference recipe's rows per step. */
    public static final int DEFAULT_BATCH = 2048;

    /** Fewer steps than this and a sweep's dictionaries say little: the command line warns, the default batch shrinks. */
    public static final int MIN_USEFUL_STEPS = 200;

    /** sparsify's dead_feature_threshold. */
    public static final long DEAD_TOKENS = 10_000_000;

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

    /** The reference recipe, keeping the last {@code heldOutRows} rows for evaluation. */
    public static TrainOptions reference(long heldOutRows) {
        return new TrainOptions(
                new Rows(DEFAULT_BATCH, 3, heldOutRows, 0),
                new Schedule(1e-3, 0, 0, 1.0),
                new Upkeep(0, 50, 500),
                new AuxK(0, DEAD_TOKENS));
    }

    public TrainOptions withBatch(int b) {
        return new TrainOptions(new Rows(b, epochs(), heldOutRows(), seed()), schedule, upkeep, auxk);
    }

    public TrainOptions withEpochs(int e) {
        return new TrainOptions(new Rows(batchSize(), e, heldOutRows(), seed()), schedule, upkeep, auxk);
    }

    public TrainOptions withSeed(long s) {
        return new TrainOptions(new Rows(batchSize(), epochs(), heldOutRows(), s), schedule, upkeep, auxk);
    }

    public TrainOptions withLearningRate(double lr) {
        return new TrainOptions(rows, new Schedule(lr, l1WarmupSteps(), lrWarmupSteps(), lrDecayStart()), upkeep, auxk);
    }

    public TrainOptions withSchedule(int l1Warmup, int lrWarmup, double decayStart) {
        return new TrainOptions(rows, new Schedule(learningRate(), l1Warmup, lrWarmup, decayStart), upkeep, auxk);
    }

    public TrainOptions withResampleEvery(int steps) {
        return new TrainOptions(rows, schedule, new Upkeep(steps, eventEvery(), checkpointEvery()), auxk);
    }

    public TrainOptions withEvents(int every, int checkpoint) {
        return new TrainOptions(rows, schedule, new Upkeep(resampleEvery(), every, checkpoint), auxk);
    }

    /** sparsify's AuxK loss on TopK and BatchTopK members: coefficient and dead-latent window in tokens. */
    public TrainOptions withAuxK(double alpha, long dead) {
        return new TrainOptions(rows, schedule, upkeep, new AuxK(alpha, dead));
    }

    public TrainOptions withHeldOutRows(long n) {
        return new TrainOptions(new Rows(batchSize(), epochs(), n, seed()), schedule, upkeep, auxk);
    }

    // the trainer reads the parts' fields by these names

    public int batchSize() {
        return rows.batchSize();
    }

    public int epochs() {
        return rows.epochs();
    }

    public long heldOutRows() {
        return rows.heldOutRows();
    }

    public long seed() {
        return rows.seed();
    }

    public double learningRate() {
        return schedule.learningRate();
    }

    public int l1WarmupSteps() {
        return schedule.l1WarmupSteps();
    }

    public int lrWarmupSteps() {
        return schedule.lrWarmupSteps();
    }

    public double lrDecayStart() {
        return schedule.lrDecayStart();
    }

    public int resampleEvery() {
        return upkeep.resampleEvery();
    }

    public int eventEvery() {
        return upkeep.eventEvery();
    }

    public int checkpointEvery() {
        return upkeep.checkpointEvery();
    }

    public double auxkAlpha() {
        return auxk.alpha();
    }

    public long deadTokens() {
        return auxk.deadTokens();
    }

    /**
     * The options that change what a run computes, as a resumed run must match them: not how often it reports or
     * checkpoints, which a user may change between a cancelled run and its resumption.
     */
    public java.util.Map<String, Object> resultDetermining() {
        java.util.Map<String, Object> m = new java.util.TreeMap<>();
        m.put("batch", batchSize());
        m.put("epochs", epochs());
        m.put("lr", learningRate());
        m.put("seed", seed());
        m.put("held_out_rows", heldOutRows());
        m.put("l1_warmup_steps", l1WarmupSteps());
        m.put("lr_warmup_steps", lrWarmupSteps());
        m.put("lr_decay_start", lrDecayStart());
        m.put("resample_every", resampleEvery());
        if (auxkAlpha() > 0) { // absent for runs without it, so that their signatures stay what they were
            m.put("auxk_alpha", auxkAlpha());
            m.put("dead_tokens", deadTokens());
        }
        return m;
    }

    /** The learning rate at {@code step} of {@code total}. */
    double learningRate(long step, long total) {
        double f = 1.0;
        if (lrWarmupSteps() > 0 && step < lrWarmupSteps()) {
            f *= (step + 1.0) / lrWarmupSteps();
        }
        double decayFrom = lrDecayStart() * total;
        if (lrDecayStart() < 1 && step >= decayFrom) {
            f *= Math.max(0, (total - step) / (total - decayFrom));
        }
        return learningRate() * f;
    }

    /** The factor on every L1 coefficient at {@code step}. */
    double l1Scale(long step) {
        return l1WarmupSteps() > 0 && step < l1WarmupSteps() ? (step + 1.0) / l1WarmupSteps() : 1.0;
    }
}
