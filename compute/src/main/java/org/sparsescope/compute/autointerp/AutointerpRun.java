package org.sparsescope.compute.autointerp;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonParseException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.sparsescope.compute.activations.ActivationSet;
import org.sparsescope.compute.dictionary.DictionaryOnDevice;
import org.sparsescope.compute.model.HookPoint;
import org.sparsescope.compute.model.Tokenizer;
import org.sparsescope.compute.stats.FeatureReport;
import org.sparsescope.compute.tensor.AtomicFile;
import org.sparsescope.compute.work.Cancellation;
import org.sparsescope.compute.work.CancelledException;
import org.sparsescope.compute.work.Progress;
import org.sparsescope.compute.work.ProgressListener;

/**
 * Many features explained and scored, each result stored as it finishes under (dictionary content hash, explainer
 * model, prompt version with the sampling and seed, feature), so a killed run resumes without asking again what it
 * already has, and a dictionary's explanations are reused wherever it is opened. Features run concurrently, as many
 * at once as {@code parallel}; the client bounds its own requests.
 */
public final class AutointerpRun {
    private static final Gson GSON = new GsonBuilder()
            .serializeSpecialFloatingPointValues()
            .setPrettyPrinting()
            .create();

    private final Path dir;

    /**
     * Results of {@code dictionaryHash} by {@code explainer} with {@code options}, under
     * {@code workspace/autointerp/}.
     */
    public AutointerpRun(Path workspace, String dictionaryHash, String explainer, FeatureInterpreter.Options options) {
        String setting = String.format(
                Locale.ROOT,
                "%s-%s-seed%d",
                Prompts.VERSION,
                options.sampling().name().toLowerCase(Locale.ROOT).replace('_', '-'),
                options.seed());
        this.dir = dictionaryDir(workspace, dictionaryHash)
                .resolve(explainer.replaceAll("[^A-Za-z0-9._-]", "_"))
                .resolve(setting);
    }

    /** Where every run of one dictionary (by content hash) is stored: one folder per explainer, then per setting. */
    private static Path dictionaryDir(Path workspace, String dictionaryHash) {
        return workspace
                .resolve("autointerp")
                .resolve(dictionaryHash.substring(0, Math.min(24, dictionaryHash.length())));
    }

    public Path dir() {
        return dir;
    }

    private Path file(int feature) {
        return dir.resolve(String.format(Locale.ROOT, "feature-%06d.json", feature));
    }

    /** Stores one feature's result (atomically: a killed write leaves the last whole one or none). */
    public void store(FeatureInterpreter.Interpretation r) throws IOException {
        Files.createDirectories(dir);
        AtomicFile.writeString(file(r.feature()), GSON.toJson(r));
    }

    /** A stored result, if this feature was done (an unreadable file counts as not done, and is logged). */
    public Optional<FeatureInterpreter.Interpretation> stored(int feature) {
        Path f = file(feature);
        return Files.isRegularFile(f) ? read(f, "asked again") : Optional.empty();
    }

    /** One stored result; an unreadable file is none, logged with what follows from it. */
    private static Optional<FeatureInterpreter.Interpretation> read(Path f, String consequence) {
        try {
            return Optional.ofNullable(GSON.fromJson(Files.readString(f), FeatureInterpreter.Interpretation.class));
        } catch (IOException | JsonParseException e) {
            org.slf4j.LoggerFactory.getLogger(AutointerpRun.class)
                    .warn(f + ": unreadable, " + consequence + ": " + e.getMessage());
            return Optional.empty();
        }
    }

    /** A dictionary's stored results of one run setting: where, by which explainer, per feature. */
    public record Stored(
            Path dir,
            String explainer,
            String setting,
            java.util.Map<Integer, FeatureInterpreter.Interpretation> byFeature) {}

    /**
     * The results most recently written for a dictionary (by content hash) under {@code workspace}, whichever
     * explainer and setting made them; empty when it was never explained. Unreadable files are left out (logged).
     */
    public static Optional<Stored> latest(Path workspace, String dictionaryHash) throws IOException {
        Path root = dictionaryDir(workspace, dictionaryHash);
        if (!Files.isDirectory(root)) {
            return Optional.empty();
        }
        Path newest = null;
        java.nio.file.attribute.FileTime when = null;
        try (var explainers = Files.list(root)) {
            for (Path e : explainers.filter(Files::isDirectory).toList()) {
                try (var settings = Files.list(e)) {
                    for (Path s : settings.filter(Files::isDirectory).toList()) {
                        var t = Files.getLastModifiedTime(s);
                        if (when == null || t.compareTo(when) > 0) {
                            when = t;
                            newest = s;
                        }
                    }
                }
            }
        }
        if (newest == null) {
            return Optional.empty();
        }
        java.util.Map<Integer, FeatureInterpreter.Interpretation> byFeature = readAll(newest);
        String explainer = byFeature.values().stream()
                .findFirst()
                .map(FeatureInterpreter.Interpretation::explainer)
                .orElse(newest.getParent().getFileName().toString());
        return Optional.of(new Stored(newest, explainer, newest.getFileName().toString(), byFeature));
    }

    /** Every result stored in this run's folder, by feature (unreadable files left out, logged). */
    public java.util.Map<Integer, FeatureInterpreter.Interpretation> storedAll() throws IOException {
        return Files.isDirectory(dir) ? readAll(dir) : java.util.Map.of();
    }

    private static java.util.Map<Integer, FeatureInterpreter.Interpretation> readAll(Path folder) throws IOException {
        java.util.Map<Integer, FeatureInterpreter.Interpretation> byFeature = new java.util.TreeMap<>();
        try (var files = Files.list(folder)) {
            for (Path f : files.filter(x -> x.getFileName().toString().matches("feature-\\d+\\.json"))
                    .toList()) {
                read(f, "left out").ifPresent(r -> byFeature.put(r.feature(), r));
            }
        }
        return byFeature;
    }

    /**
     * A dictionary's scores over its explained features: how many were asked, how many got an explanation, and the
     * mean and standard deviation (n − 1) of each balanced accuracy over those scored (NaN when none was).
     */
    public record Scores(
            String explainer,
            String setting,
            int features,
            int explained,
            int detectionScored,
            double detectionMean,
            double detectionStd,
            int fuzzingScored,
            double fuzzingMean,
            double fuzzingStd) {
        public static Scores of(
                String explainer, String setting, java.util.Collection<FeatureInterpreter.Interpretation> results) {
            double[] det = results.stream()
                    .mapToDouble(FeatureInterpreter.Interpretation::detectionAccuracy)
                    .filter(v -> !Double.isNaN(v))
                    .toArray();
            double[] fuzz = results.stream()
                    .mapToDouble(FeatureInterpreter.Interpretation::fuzzingAccuracy)
                    .filter(v -> !Double.isNaN(v))
                    .toArray();
            int explained =
                    (int) results.stream().filter(r -> r.explanation() != null).count();
            return new Scores(
                    explainer,
                    setting,
                    results.size(),
                    explained,
                    det.length,
                    mean(det),
                    std(det),
                    fuzz.length,
                    mean(fuzz),
                    std(fuzz));
        }

        /** "0.712 ± 0.081 (n = 40)" for detection or fuzzing, or "none scored". */
        public String words(boolean detection) {
            int n = detection ? detectionScored : fuzzingScored;
            return n == 0
                    ? "none scored"
                    : String.format(
                            Locale.ROOT,
                            "%.3f ± %.3f (n = %d)",
                            detection ? detectionMean : fuzzingMean,
                            detection ? detectionStd : fuzzingStd,
                            n);
        }

        private static double mean(double[] v) {
            return v.length == 0
                    ? Double.NaN
                    : java.util.Arrays.stream(v).average().orElse(Double.NaN);
        }

        private static double std(double[] v) {
            if (v.length < 2) {
                return v.length == 1 ? 0 : Double.NaN;
            }
            double m = mean(v), s = 0;
            for (double x : v) {
                s += (x - m) * (x - m);
            }
            return Math.sqrt(s / (v.length - 1));
        }
    }

    /**
     * Where a baseline's results are stored, in place of a dictionary's content hash: by its kind (the neuron basis,
     * random directions) and the model and hook it reads. A baseline has no file to hash, and its directions are the
     * frontier's (a fixed seed), so these three say what it is.
     */
    public static String baselineHash(String kind, String model, HookPoint hook) {
        return org.sparsescope.compute.work.ContentHash.sha256(
                "baseline|" + kind + "|" + model + "|" + hook.canonical().name());
    }

    /** The features that fire (density above 0): a dead feature has nothing to explain. */
    public static int[] firing(FeatureReport report) {
        double[] density = report.column(FeatureReport.Column.DENSITY);
        return java.util.stream.IntStream.range(0, density.length)
                .filter(j -> density[j] > 0)
                .toArray();
    }

    /** {@code n} of the firing features drawn at random from {@code seed}, in index order. */
    public static int[] atRandom(FeatureReport report, int n, long seed) {
        List<Integer> pool = new ArrayList<>();
        for (int j : firing(report)) {
            pool.add(j);
        }
        java.util.Collections.shuffle(pool, new java.util.Random(seed));
        return pool.stream().limit(n).mapToInt(Integer::intValue).sorted().toArray();
    }

    /** What a run did: the results in feature order, how many came from the store, tokens spent now. */
    public record Summary(
            List<FeatureInterpreter.Interpretation> results,
            int reused,
            long promptTokens,
            long completionTokens,
            double seconds) {
        public double featuresPerMinute() {
            int asked = results.size() - reused;
            return asked * 60.0 / Math.max(seconds, 1e-9);
        }
    }

    /** Explains and scores {@code features} (stored ones reused), storing each as it ends. */
    public Summary run(
            ChatClient client,
            ActivationSet set,
            DictionaryOnDevice dictionary,
            Tokenizer tokenizer,
            FeatureReport report,
            int[] features,
            FeatureInterpreter.Options options,
            int parallel,
            ProgressListener progress,
            Cancellation cancel)
            throws IOException, InterruptedException, CancelledException {
        Files.createDirectories(dir);
        long t0 = System.nanoTime();
        FeatureInterpreter.Interpretation[] out = new FeatureInterpreter.Interpretation[features.length];
        List<Integer> todo = new ArrayList<>();
        for (int i = 0; i < features.length; i++) {
            Optional<FeatureInterpreter.Interpretation> s = stored(features[i]);
            if (s.isPresent()) {
                out[i] = s.get();
            } else {
                todo.add(i);
            }
        }
        int reused = features.length - todo.size();
        AtomicInteger done = new AtomicInteger(reused);
        AtomicLong promptTokens = new AtomicLong(), completionTokens = new AtomicLong();
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, parallel), r -> {
            Thread t = new Thread(r, "autointerp");
            t.setDaemon(true);
            return t;
        });
        Cancellation failed = new Cancellation(); // one feature's failure stops the others at their next feature
        try {
            List<Future<?>> jobs = new ArrayList<>();
            for (int i : todo) {
                jobs.add(pool.submit(() -> {
                    cancel.check();
                    failed.check();
                    FeatureInterpreter.FeatureExamples ex;
                    synchronized (dictionary) { // one encoding at a time on the shared device copy
                        ex = FeatureInterpreter.examples(set, dictionary, tokenizer, report, features[i], options);
                    }
                    FeatureInterpreter.Interpretation r = FeatureInterpreter.interpret(client, ex, options);
                    store(r);
                    out[i] = r;
                    promptTokens.addAndGet(r.promptTokens());
                    completionTokens.addAndGet(r.completionTokens());
                    int n = done.incrementAndGet();
                    progress.onProgress(Progress.of(
                            n - reused,
                            todo.size(),
                            (System.nanoTime() - t0) / 1e9,
                            "features",
                            String.format(
                                    Locale.ROOT,
                                    "autointerp: %d of %d features, %,d tokens",
                                    n,
                                    features.length,
                                    promptTokens.get() + completionTokens.get())));
                    return null;
                }));
            }
            for (Future<?> f : jobs) {
                try {
                    f.get();
                } catch (ExecutionException e) {
                    failed.cancel(); // what finished is stored
                    Throwable c = e.getCause();
                    if (c instanceof IOException io) {
                        throw io;
                    }
                    if (c instanceof CancelledException ce) {
                        throw ce;
                    }
                    if (c instanceof InterruptedException ie) {
                        throw ie;
                    }
                    throw new IOException(c);
                }
            }
        } finally {
            pool.shutdownNow();
        }
        return new Summary(
                List.of(out), reused, promptTokens.get(), completionTokens.get(), (System.nanoTime() - t0) / 1e9);
    }
}
