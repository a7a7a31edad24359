package org.sparsescope.compute.train;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.google.gson.Gson;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.sparsescope.compute.Devices;
import org.sparsescope.compute.InvalidInputException;
import org.sparsescope.compute.activations.ActivationSet;
import org.sparsescope.compute.activations.Manifest;
import org.sparsescope.compute.activations.TrainingStream;
import org.sparsescope.compute.dictionary.Dictionary;
import org.sparsescope.compute.dictionary.DictionaryInfo;
import org.sparsescope.compute.dictionary.DictionaryMetrics;
import org.sparsescope.compute.dictionary.Provenance;
import org.sparsescope.compute.dictionary.format.SaeLensWriter;
import org.sparsescope.compute.model.HookPointJson;
import org.sparsescope.compute.tensor.Safetensors;
import org.sparsescope.compute.tensor.SafetensorsFile;
import org.sparsescope.compute.tensor.Tensor;
import org.sparsescope.compute.work.Cancellation;
import org.sparsescope.compute.work.CancelledException;

/**
 * Trains a sweep of dictionaries on an activation set, all over the same shuffled batches, members of one kind
 * and size batched into one {@link Ensemble}. Checkpoints into {@code runDir} every N steps and on cancellation,
 * so that calling {@link #train} again with the same sweep resumes; finished dictionaries are saved in the SAELens
 * layout under {@code outDir/<member>} with their held-out metrics.
 */
public final class Trainer {
    private static final String CHECKPOINT = "checkpoint.safetensors";
    /** Firings are counted on every this-many-th batch for resampling, and for an event also on its own batch. */
    static final int FIRING_SAMPLE_EVERY = 4;

    private final ActivationSet set;
    private final TrainOptions opts;
    private final Device device;
    /** The model's name as the workspace knows it (its id), written into cfg.json; null: its hub id or folder name. */
    private String modelName;

    public Trainer(ActivationSet set, TrainOptions opts) {
        this(set, opts, Devices.preferred());
    }

    public Trainer(ActivationSet set, TrainOptions opts, Device device) {
        this.set = set;
        this.opts = opts;
        this.device = device;
    }

    /**
     * Names the model in the saved dictionaries' cfg.json as the workspace knows it (e.g. its id rather than a folder
     * called "model"), so that the dictionary reads the same model wherever it is opened.
     */
    public Trainer namingModel(String name) {
        this.modelName = name;
        return this;
    }

    @FunctionalInterface
    public interface Listener {
        void onEvent(TrainEvent event);
    }

    /** A finished member: where it was saved, its dictionary, and its metrics on the held-out rows. */
    public record Trained(SweepMember member, Path dir, Dictionary dictionary, DictionaryMetrics heldOut) {}

    public record Result(List<Trained> dictionaries, long steps, double seconds, double tokensPerSecond) {}

    public Result train(List<SweepMember> sweep, Path outDir, Path runDir, Listener listener, Cancellation cancel)
            throws IOException, CancelledException {
        if (sweep.isEmpty()) {
            throw new IllegalArgumentException("a sweep needs at least one member");
        }
        for (SweepMember m : sweep) {
            if (m.start() instanceof org.sparsescope.compute.dictionary.NormalizedDictionary n) {
                throw new InvalidInputException(
                        set.location(),
                        "dictionary " + m.name() + " normalises each activation row ("
                                + n.normalization().saeLensName()
                                + ") and training here works on the activations as they are: fine-tuning it is not"
                                + " supported; train a new dictionary instead");
            }
            if (m.start() != null && m.start().dIn() != set.d()) {
                throw new InvalidInputException(
                        set.location(),
                        "dictionary " + m.name() + " reads d_in=" + m.start().dIn() + " but these activations have d="
                                + set.d());
            }
        }
        TrainingStream stream = new TrainingStream(set, opts.heldOutRows(), opts.batchSize(), opts.seed());
        // a partial last batch is dropped, as the reference trainer does
        long stepsPerEpoch = stream.trainRows() / opts.batchSize();
        if (stepsPerEpoch == 0) {
            throw new InvalidInputException(
                    set.location(),
                    "has " + stream.trainRows() + " training rows, fewer than one batch of " + opts.batchSize());
        }
        long totalSteps = stepsPerEpoch * opts.epochs();
        try {
            Files.createDirectories(runDir);
        } catch (IOException e) {
            throw org.sparsescope.compute.WriteFailedException.of(runDir, e);
        }
        removeLeftovers(runDir, outDir, sweep);
        Devices.noGradOnThisThread(); // gradients are written by hand: nothing need be recorded for autograd
        String signature = signature(sweep, stream);
        try (NDManager base = NDManager.newBaseManager(device)) {
            Random rnd = new Random(opts.seed());
            float[] mean = trainMean(stream);
            Map<String, List<SweepMember>> groups = new LinkedHashMap<>();
            for (SweepMember m : sweep) {
                groups.computeIfAbsent(m.groupKey(), g -> new ArrayList<>()).add(m);
            }
            List<Ensemble> ensembles = new ArrayList<>();
            for (List<SweepMember> g : groups.values()) {
                Ensemble ens = Ensemble.of(base, g, set.d(), mean, rnd);
                ens.useAuxK(base, (float) opts.auxkAlpha(), opts.deadTokens());
                ensembles.add(ens);
            }
            long step = restore(runDir.resolve(CHECKPOINT), signature, ensembles);
            long t0 = System.nanoTime();
            long stepsThisRun = 0;
            float[] lastBatch = null;
            int lastRows = 0;
            while (step < totalSteps) {
                int epoch = (int) (step / stepsPerEpoch);
                long skip =
                        step % stepsPerEpoch; // resuming mid-epoch: the same order, the batches already seen skipped
                try (TrainingStream.Epoch batches = stream.epoch(epoch)) {
                    for (long b = 0; b < stepsPerEpoch && step < totalSteps; b++) {
                        TrainingStream.Batch batch = batches.next();
                        if (b < skip) {
                            continue;
                        }
                        if (cancel.isCancelled()) {
                            checkpoint(runDir.resolve(CHECKPOINT), signature, ensembles, step);
                            throw new CancelledException();
                        }
                        step++;
                        stepsThisRun++;
                        boolean event = step % opts.eventEvery() == 0 || step == totalSteps;
                        List<TrainEvent.MemberStats> stats = step(base, ensembles, batch, step, totalSteps, event);
                        lastBatch = batch.values();
                        lastRows = batch.rows();
                        if (opts.resampleEvery() > 0 && step % opts.resampleEvery() == 0 && step < totalSteps) {
                            // drawn from (seed, step), not from one stream since the start: a run resumed from a
                            // checkpoint draws what the uninterrupted run drew at the same step
                            Random resampling = new Random(opts.seed() ^ (0x9E3779B97F4A7C15L * step));
                            for (Ensemble e : ensembles) {
                                e.resampleDead(lastBatch, lastRows, resampling);
                            }
                        }
                        if (event) {
                            double seconds = (System.nanoTime() - t0) / 1e9;
                            double rate = stepsThisRun * (double) opts.batchSize() / seconds;
                            listener.onEvent(new TrainEvent(
                                    step, totalSteps, rate, (totalSteps - step) * opts.batchSize() / rate, stats));
                        }
                        if (opts.checkpointEvery() > 0 && step % opts.checkpointEvery() == 0 && step < totalSteps) {
                            checkpoint(runDir.resolve(CHECKPOINT), signature, ensembles, step);
                        }
                    }
                }
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            List<Trained> out = new ArrayList<>();
            for (Ensemble e : ensembles) {
                for (int m = 0; m < e.e; m++) {
                    out.add(finish(e, m, outDir, totalSteps));
                }
            }
            Files.deleteIfExists(runDir.resolve(CHECKPOINT));
            return new Result(out, totalSteps, seconds, stepsThisRun * (double) opts.batchSize() / seconds);
        } finally {
            org.sparsescope.compute.NativeHeap
                    .release(); // the steps' freed [B, n] blocks, kept for reuse while training
        }
    }

    /** One optimiser step of every ensemble on a batch; member statistics when {@code withStats}. */
    private List<TrainEvent.MemberStats> step(
            NDManager base,
            List<Ensemble> ensembles,
            TrainingStream.Batch batch,
            long step,
            long totalSteps,
            boolean withStats) {
        List<TrainEvent.MemberStats> stats = new ArrayList<>();
        try (NDManager scope = base.newSubManager()) {
            for (Ensemble e : ensembles) {
                scope.tempAttachAll(e.arrays().toArray(new NDArray[0])); // results of ops on weights land in this scope
            }
            NDArray x = batch.toNDArray(scope);
            float l1Scale = (float) opts.l1Scale(step - 1);
            double lr = opts.learningRate(step - 1, totalSteps);
            // firings are sampled every few steps: summing the [B, n] mask costs as much as a pass of the step
            boolean regular = step % FIRING_SAMPLE_EVERY == 0;
            double variance = withStats
                    ? x.sub(x.mean(new int[] {0}, true))
                            .square()
                            .sum()
                            .toType(DataType.FLOAT64, false)
                            .getDouble()
                    : 0;
            for (Ensemble e : ensembles) {
                Ensemble.StepStats s = e.step(x, l1Scale, step, lr, withStats || regular, regular, withStats);
                if (!withStats) {
                    continue;
                }
                float[] fired = e.fired.toFloatArray();
                for (int m = 0; m < e.e; m++) {
                    int dead = 0;
                    for (int j = 0; j < e.n; j++) {
                        dead += fired[m * e.n + j] == 0 ? 1 : 0;
                    }
                    SweepMember member = e.members.get(m);
                    double mse = s.sqErr()[m] / ((double) batch.rows() * e.d);
                    double loss = mse + (member.kind().hasL1() ? member.l1() * l1Scale * s.l1Sum()[m] : 0);
                    stats.add(new TrainEvent.MemberStats(
                            member.name(), loss, mse, s.l0()[m], s.sqErr()[m] / variance, (double) dead / e.n));
                }
                e.fired.muli(0f);
            }
        }
        return stats;
    }

    private float[] trainMean(TrainingStream stream) throws IOException {
        // the mean of the training rows, in double, streamed chunk by chunk
        double[] sum = new double[set.d()];
        long rows = 0;
        for (int c = 0; c < set.chunkCount() && set.chunkFirstRow(c) < stream.trainRows(); c++) {
            long n = Math.min(set.chunkRows(c), stream.trainRows() - set.chunkFirstRow(c));
            float[] v = set.readChunkRows(c, 0, n).floats();
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < sum.length; j++) {
                    sum[j] += v[i * sum.length + j];
                }
            }
            rows += n;
        }
        float[] mean = new float[sum.length];
        for (int j = 0; j < mean.length; j++) {
            mean[j] = (float) (sum[j] / rows);
        }
        return mean;
    }

    private Trained finish(Ensemble e, int m, Path outDir, long steps) throws IOException {
        SweepMember member = e.members.get(m);
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("l1_coefficient", Double.toString(member.l1()));
        Manifest harvested = set.manifest();
        // the set's harvest conditions become the dictionary's training conditions, as SAELens records them
        // cfg.json names the model portably (its hub id, else its folder's name); the sidecar keeps this machine's path
        String model = modelName != null ? modelName : portableModelName(harvested.model());
        Provenance provenance = new Provenance(
                model,
                set.hook(),
                null,
                harvested.prependsBos(),
                harvested.window(),
                portableName(harvested.corpus()),
                null);
        DictionaryInfo info = new DictionaryInfo(provenance, "Sparsescope trainer", meta);
        Dictionary d = e.dictionary(m, info);
        DictionaryMetrics held = opts.heldOutRows() > 0
                ? DictionaryMetrics.evaluate(d, set, set.rows() - opts.heldOutRows(), opts.heldOutRows(), device)
                : null;
        Map<String, Object> sidecar = new LinkedHashMap<>();
        Map<String, Object> training = new LinkedHashMap<>(Ensemble.describe(member));
        training.put("activations", set.location().toAbsolutePath().toString());
        training.put("hook", HookPointJson.name(set.hook()));
        training.put("steps", steps);
        training.put("batch", opts.batchSize());
        training.put("epochs", opts.epochs());
        training.put("lr", opts.learningRate());
        training.put("seed", opts.seed());
        training.put("l1_warmup_steps", opts.l1WarmupSteps());
        training.put("lr_warmup_steps", opts.lrWarmupSteps());
        training.put("lr_decay_start", opts.lrDecayStart());
        training.put("resample_every", opts.resampleEvery());
        training.put(
                "started_from",
                member.start() == null ? null : member.start().info().source());
        training.put("tied", member.kind() == SweepMember.Kind.TIED_L1);
        if (member.kind() == SweepMember.Kind.TIED_L1) {
            // saved as the standard equivalent; what it was trained as, so that it can be read back as the seed's
            // TiedSAE
            Map<String, Object> centring = new LinkedHashMap<>();
            centring.put("translation", "the training rows' mean (saved as b_dec)");
            centring.put("rotation", "identity");
            centring.put("scale", 1.0);
            centring.put("norm_encoder", true);
            training.put("centering", centring);
        }
        sidecar.put("training", training);
        Map<String, Object> trainedOn = new LinkedHashMap<>();
        trainedOn.put("model", harvested.model());
        trainedOn.put("model_sha256", harvested.modelHash());
        trainedOn.put("hook", HookPointJson.name(set.hook()));
        trainedOn.put("corpus_sha256", harvested.corpusHash());
        trainedOn.put("window", harvested.window());
        trainedOn.put("bos", harvested.bosPolicy());
        sidecar.put("provenance", trainedOn);
        if (held != null) {
            sidecar.put("held_out", held.summary());
        }
        Path dir = outDir.resolve(member.name());
        SaeLensWriter.save(d, dir, sidecar);
        return new Trained(member, dir, d, held);
    }

    private static String portableModelName(String folder) {
        if (Manifest.UNKNOWN.equals(folder)) {
            return null;
        }
        Path p = Path.of(folder);
        return org.sparsescope.compute.model.ModelLocator.hubIdOf(p).orElse(portableName(folder));
    }

    private static String portableName(String path) {
        if (path == null || Manifest.UNKNOWN.equals(path)) {
            return null;
        }
        Path name = Path.of(path).getFileName();
        return name == null ? path : name.toString();
    }

    /**
     * What a killed run left half-written: the checkpoint's temporary file in the run folder, and the temporary or
     * replaced folders of this sweep's own dictionaries in the output folder (".NAME.tmp-…", ".NAME.old-…"). Nothing
     * else of the user's is touched.
     */
    private static void removeLeftovers(Path runDir, Path outDir, List<SweepMember> sweep) throws IOException {
        java.util.List<Path> leftovers = new ArrayList<>();
        try (java.util.stream.Stream<Path> s = Files.list(runDir)) {
            s.filter(p -> p.getFileName().toString().startsWith("." + CHECKPOINT + ".tmp-"))
                    .forEach(leftovers::add);
        }
        if (Files.isDirectory(outDir)) {
            java.util.Set<String> names = new java.util.HashSet<>();
            sweep.forEach(m -> names.add(m.name()));
            try (java.util.stream.Stream<Path> s = Files.list(outDir)) {
                s.filter(p -> {
                            String n = p.getFileName().toString();
                            int tag = Math.max(n.lastIndexOf(".tmp-"), n.lastIndexOf(".old-"));
                            return n.startsWith(".") && tag > 1 && names.contains(n.substring(1, tag));
                        })
                        .forEach(leftovers::add);
            }
        }
        for (Path p : leftovers) {
            org.sparsescope.compute.tensor.AtomicFile.deleteTree(p);
        }
    }

    // ---------------------------------------------------------------- checkpoints

    private String signature(List<SweepMember> sweep, TrainingStream stream) {
        // sorted keys: the same command must give the same signature in a new JVM, where Map.of iterates otherwise
        List<Object> members = new ArrayList<>();
        for (SweepMember m : sweep) {
            Map<String, Object> d = new java.util.TreeMap<>(Ensemble.describe(m));
            d.put("name", m.name());
            d.put("start", m.start() == null ? "" : m.start().info().source());
            members.add(d);
        }
        Map<String, Object> sig = new java.util.TreeMap<>();
        sig.put("members", members);
        sig.put("options", opts.resultDetermining());
        sig.put("set", set.location().toAbsolutePath().toString());
        sig.put("rows", set.rows());
        sig.put("train_rows", stream.trainRows());
        return new Gson().toJson(sig);
    }

    /** The checkpoint's name of an ensemble's array: "g0.W_enc.exp_avg", "g1.encoder", "g0.fired". */
    private static String key(int group, String name) {
        return "g" + group + "." + name;
    }

    private static void checkpoint(Path file, String signature, List<Ensemble> ensembles, long step)
            throws IOException {
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        for (int g = 0; g < ensembles.size(); g++) {
            for (Map.Entry<String, NDArray> a : ensembles.get(g).state().entrySet()) {
                tensors.put(
                        key(g, a.getKey()),
                        Tensor.ofFloats(
                                a.getValue().getShape().getShape(), a.getValue().toFloatArray()));
            }
        }
        Safetensors.write(file, tensors, Map.of("signature", signature, "step", Long.toString(step)));
    }

    /** The step to continue from: that of a matching checkpoint (whose arrays are loaded), else 0. */
    private static long restore(Path file, String signature, List<Ensemble> ensembles) throws IOException {
        if (!Files.isRegularFile(file)) {
            return 0;
        }
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            if (!signature.equals(f.metadata().get("signature"))) {
                throw new InvalidInputException(
                        file,
                        "is a checkpoint of another run (other members, options or activations); "
                                + "use another run folder or remove it");
            }
            for (int g = 0; g < ensembles.size(); g++) {
                for (Map.Entry<String, NDArray> a : ensembles.get(g).state().entrySet()) {
                    a.getValue()
                            .set(java.nio.FloatBuffer.wrap(
                                    f.read(key(g, a.getKey())).floats()));
                }
            }
            return Long.parseLong(f.metadata().get("step"));
        }
    }
}
