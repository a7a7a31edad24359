package org.sparsescope.compute.workspace;

import ai.djl.Device;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.sparsescope.compute.activations.ActivationSet;
import org.sparsescope.compute.activations.Manifest;
import org.sparsescope.compute.circuits.FeatureGraph;
import org.sparsescope.compute.circuits.FeatureGraphJson;
import org.sparsescope.compute.circuits.FeatureGraphs;
import org.sparsescope.compute.dictionary.Dictionary;
import org.sparsescope.compute.dictionary.DictionaryFiles;
import org.sparsescope.compute.dictionary.DictionaryMetrics;
import org.sparsescope.compute.model.HookPoint;
import org.sparsescope.compute.stats.BasisBaseline;
import org.sparsescope.compute.stats.Examples;
import org.sparsescope.compute.stats.FeatureAnalysis;
import org.sparsescope.compute.stats.FeatureReport;
import org.sparsescope.compute.stats.FeatureStats;
import org.sparsescope.compute.stats.PcaBaseline;
import org.sparsescope.compute.tensor.Safetensors;
import org.sparsescope.compute.tensor.SafetensorsFile;
import org.sparsescope.compute.tensor.Tensor;
import org.sparsescope.compute.work.Cancellation;
import org.sparsescope.compute.work.CancelledException;
import org.sparsescope.compute.work.ProgressListener;

/**
 * Feature reports kept in a workspace ({@code cache/<key>/report.safetensors}), keyed by the content hashes of
 * the dictionary's files and the activation set (and the analysis options), so opening a dictionary a second
 * time is a file read; when either changes, so does the key, and the report is computed anew. Also each set's
 * PCA baseline. Rebuildable.
 */
public final class AnalysisCache {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(AnalysisCache.class);

    private static final String REPORT = "report.safetensors";
    private static final String PCA = "pca.safetensors";
    private final Path cacheDir;
    private final FileFingerprints fingerprints;

    public AnalysisCache(Path workspace) {
        this.cacheDir = workspace.resolve("cache");
        this.fingerprints = new FileFingerprints(cacheDir.resolve("file-hashes.json"));
    }

    /**
     * A dictionary's report on the whole of {@code set} with the default options, as the window's feature table and
     * the command line's {@code export} and {@code autointerp} read it: the set is first checked to be as wide as the
     * dictionary.
     */
    public FeatureReport wholeSetReport(
            Path dictionaryPath,
            Dictionary dictionary,
            ActivationSet set,
            ProgressListener progress,
            Cancellation cancel)
            throws IOException, CancelledException {
        org.sparsescope.compute.dictionary.DictionaryMetrics.requireSameWidth(dictionary, dictionaryPath, set);
        return report(
                dictionaryPath, dictionary, set, 0, set.rows(), FeatureAnalysis.Options.defaults(), progress, cancel);
    }

    /**
     * The report of {@code dictionary} (read from {@code dictionaryPath}) on rows [start, start+count) of a set:
     * cached or computed, on the engine's preferred device.
     */
    public FeatureReport report(
            Path dictionaryPath,
            Dictionary dictionary,
            ActivationSet set,
            long start,
            long count,
            FeatureAnalysis.Options opts,
            ProgressListener progress,
            Cancellation cancel)
            throws IOException, CancelledException {
        return report(
                dictionaryPath,
                dictionary,
                set,
                start,
                count,
                opts,
                org.sparsescope.compute.Devices.preferred(),
                progress,
                cancel);
    }

    public FeatureReport report(
            Path dictionaryPath,
            Dictionary dictionary,
            ActivationSet set,
            long start,
            long count,
            FeatureAnalysis.Options opts,
            Device device,
            ProgressListener progress,
            Cancellation cancel)
            throws IOException, CancelledException {
        String key = key(dictionaryPath, set, start, count, opts);
        Optional<FeatureReport> cached = load(key);
        if (cached.isPresent()) {
            return cached.get();
        }
        FeatureReport r = FeatureAnalysis.run(dictionary, set, start, count, opts, device, progress, cancel);
        store(key, r);
        return r;
    }

    public String key(Path dictionaryPath, ActivationSet set, long start, long count, FeatureAnalysis.Options opts)
            throws IOException {
        List<String> parts = new ArrayList<>();
        parts.add("dictionary:" + dictionaryHash(dictionaryPath));
        parts.add("activations:" + setHash(set));
        parts.add("rows:" + start + "+" + count);
        parts.add("options:" + opts);
        return sha256(String.join("\n", parts)).substring(0, 32);
    }

    /** The content hash of a dictionary's files (and its entry in a multi-dictionary file): what results about it are keyed by. */
    public String dictionaryHash(Path path) throws IOException {
        DictionaryFiles.Location at = DictionaryFiles.Location.of(path);
        List<String> parts = new ArrayList<>();
        for (DictionaryFiles.SourceFile f : DictionaryFiles.sourceFiles(at.path())) {
            parts.add(f.name() + "=" + fingerprints.sha256(f.file()));
        }
        return sha256(String.join(";", parts) + (at.entry() >= 0 ? "#" + at.entry() : ""));
    }

    private String setHash(ActivationSet set) throws IOException {
        Path manifest = set.location().resolve(Manifest.FILE);
        if (Files.isRegularFile(manifest)) {
            // the manifest names the model and corpus hashes and every chunk with its rows; chunks are written once
            return fingerprints.sha256(manifest);
        }
        List<String> parts = new ArrayList<>();
        for (int c = 0; c < set.chunkCount(); c++) {
            parts.add(fingerprints.sha256(set.chunkFile(c)));
        }
        return sha256(String.join(";", parts));
    }

    private static String sha256(String s) {
        return org.sparsescope.compute.work.ContentHash.sha256(s);
    }

    /**
     * The PCA baseline of a set with its last {@code heldOutRows} held out: cached ({@code cache/pca-<key>/}), keyed
     * by the set's content and the held-out count, else computed and stored.
     */
    public PcaBaseline pcaBaseline(
            ActivationSet set, long heldOutRows, Device device, ProgressListener progress, Cancellation cancel)
            throws IOException, CancelledException {
        Path file = cacheDir.resolve("pca-"
                        + sha256("activations:" + setHash(set) + "\nheld_out:" + heldOutRows)
                                .substring(0, 32))
                .resolve(PCA);
        if (Files.isRegularFile(file)) {
            try (SafetensorsFile f = SafetensorsFile.open(file)) {
                Map<String, String> m = f.metadata();
                return new PcaBaseline(
                        Long.parseLong(m.get("train_rows")),
                        Long.parseLong(m.get("held_out_rows")),
                        f.read("eigenvalues").doubles(),
                        f.read("captured").doubles(),
                        Double.parseDouble(m.get("residual_at_zero")),
                        Double.parseDouble(m.get("held_out_variance")));
            } catch (IOException | RuntimeException e) {
                // a damaged entry is recomputed, never trusted
                LOG.warn("cached PCA baseline unreadable, computing it again: {}", e.toString());
            }
        }
        PcaBaseline b = PcaBaseline.compute(set, heldOutRows, device, progress, cancel);
        Map<String, Tensor> t = new LinkedHashMap<>();
        t.put("eigenvalues", Tensor.ofDoubles(new long[] {b.d()}, b.eigenvalues()));
        t.put("captured", Tensor.ofDoubles(new long[] {b.d()}, b.captured()));
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("train_rows", Long.toString(b.trainRows()));
        meta.put("held_out_rows", Long.toString(b.heldOutRows()));
        meta.put("residual_at_zero", Double.toString(b.residualAtZero()));
        meta.put("held_out_variance", Double.toString(b.heldOutVariance()));
        Safetensors.write(file, t, meta);
        return b;
    }

    /**
     * The neuron-basis and random-direction lines of a set ({@link BasisBaseline}), its last {@code heldOutRows} held
     * out: cached ({@code cache/basis-<key>/basis.json}), else computed and stored.
     */
    public List<BasisBaseline> basisBaselines(
            ActivationSet set, long heldOutRows, Device device, ProgressListener progress, Cancellation cancel)
            throws IOException, CancelledException {
        long seed = BasisBaseline.SEED;
        Path file = cacheDir.resolve("basis-"
                        + sha256("activations:" + setHash(set) + "\nheld_out:" + heldOutRows + "\nseed:" + seed
                                        + "\nratio:" + BasisBaseline.RANDOM_RATIO + " rows:" + BasisBaseline.MAX_ROWS)
                                .substring(0, 32))
                .resolve("basis.json");
        com.google.gson.Gson gson = new com.google.gson.Gson();
        java.lang.reflect.Type type = new com.google.gson.reflect.TypeToken<List<BasisBaseline>>() {}.getType();
        if (Files.isRegularFile(file)) {
            try {
                List<BasisBaseline> cached = gson.fromJson(Files.readString(file), type);
                if (cached != null && cached.size() == 2 && cached.stream().allMatch(b -> b.points() != null)) {
                    return cached;
                }
                LOG.warn("cached basis baselines in {} incomplete, computing them again", file);
            } catch (IOException | RuntimeException e) {
                // a damaged entry is recomputed, never trusted
                LOG.warn("cached basis baselines unreadable, computing them again: {}", e.toString());
            }
        }
        List<BasisBaseline> lines = BasisBaseline.compute(set, heldOutRows, seed, device, progress, cancel);
        org.sparsescope.compute.tensor.AtomicFile.writeString(file, gson.toJson(lines, type));
        return lines;
    }

    /** Work that makes what a cache entry holds. */
    @FunctionalInterface
    public interface Computation<T> {
        T compute() throws IOException, CancelledException;
    }

    /**
     * A feature graph over a chain of dictionaries of one model: cached ({@code cache/graph-<key>/graph.json}), keyed
     * by the model's weights, every dictionary's files and hook, the upstream features, the options and the tokens
     * of the windows; else computed and stored. How many windows share a pass is not part of the key.
     */
    public FeatureGraph graph(
            String modelHash,
            List<Path> dictionaries,
            List<HookPoint> hooks,
            int[] upstream,
            long[][] windows,
            FeatureGraphs.Options opts,
            Computation<FeatureGraph> compute)
            throws IOException, CancelledException {
        List<String> parts = new ArrayList<>();
        parts.add(FeatureGraphJson.FORMAT + " strength:2"); // how a graph chooses the features a chain follows
        parts.add("model:" + modelHash);
        for (int i = 0; i < dictionaries.size(); i++) {
            parts.add("dictionary:" + dictionaryHash(dictionaries.get(i)) + "@"
                    + hooks.get(i).name());
        }
        parts.add("upstream:" + java.util.Arrays.toString(upstream));
        parts.add("method:" + opts.method() + " mode:" + opts.mode() + " follow:" + opts.follow());
        parts.add("windows:" + tokensHash(windows));
        Path file = cacheDir.resolve("graph-" + sha256(String.join("\n", parts)).substring(0, 32))
                .resolve("graph.json");
        if (Files.isRegularFile(file)) {
            try {
                return FeatureGraphJson.read(file);
            } catch (IOException | RuntimeException e) {
                // a damaged entry is recomputed, never trusted
                LOG.warn("cached feature graph {} unreadable, computing it again: {}", file, e.toString());
            }
        }
        FeatureGraph g = compute.compute();
        FeatureGraphJson.write(file, g, 0.01);
        return g;
    }

    private static String tokensHash(long[][] windows) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(8);
            for (long[] w : windows) {
                b.clear();
                md.update(b.putLong(w.length).array());
                for (long id : w) {
                    b.clear();
                    md.update(b.putLong(id).array());
                }
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public Optional<FeatureReport> load(String key) {
        Path file = cacheDir.resolve(key).resolve(REPORT);
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            Map<String, String> m = f.metadata();
            long rows = Long.parseLong(m.get("rows"));
            DictionaryMetrics metrics = new DictionaryMetrics(
                    Long.parseLong(m.get("metrics_rows")),
                    Double.parseDouble(m.get("fvu")),
                    Double.parseDouble(m.get("mse")),
                    Double.parseDouble(m.get("l0")),
                    Double.parseDouble(m.get("dead_fraction")),
                    Double.parseDouble(m.get("dense_fraction")),
                    f.read("metrics_density").doubles(),
                    Double.parseDouble(m.get("l1")),
                    Double.parseDouble(m.get("cosine")),
                    Double.parseDouble(m.get("l2_ratio")),
                    Double.parseDouble(m.get("relative_bias")));
            FeatureStats stats = new FeatureStats(
                    rows,
                    f.read("density").doubles(),
                    f.read("mean").doubles(),
                    f.read("max").doubles(),
                    f.read("std").doubles(),
                    f.read("skew").doubles(),
                    f.read("kurtosis").doubles());
            // a report cached before capacity or the reconstruction's shape were measured lacks them: recomputed like a
            // damaged entry
            return Optional.of(new FeatureReport(
                    metrics,
                    stats,
                    matrix(f.read("histograms")),
                    examples(f, "top"),
                    examples(f, "quantile"),
                    f.read("capacity").doubles()));
        } catch (IOException | RuntimeException e) {
            LOG.warn("cached statistics unreadable, computing them again: {}", e.toString());
            return Optional.empty(); // a damaged cache entry is recomputed, never trusted
        }
    }

    public void store(String key, FeatureReport r) throws IOException {
        int n = r.stats().features();
        Map<String, Tensor> t = new LinkedHashMap<>();
        long[] shape = {n};
        t.put("density", Tensor.ofDoubles(shape, r.stats().density()));
        t.put("mean", Tensor.ofDoubles(shape, r.stats().mean()));
        t.put("max", Tensor.ofDoubles(shape, r.stats().max()));
        t.put("std", Tensor.ofDoubles(shape, r.stats().std()));
        t.put("skew", Tensor.ofDoubles(shape, r.stats().skew()));
        t.put("kurtosis", Tensor.ofDoubles(shape, r.stats().kurtosis()));
        t.put("metrics_density", Tensor.ofDoubles(shape, r.metrics().density()));
        t.put("capacity", Tensor.ofDoubles(shape, r.capacity()));
        int bins = n == 0 ? 0 : r.histograms()[0].length;
        long[] hist = new long[n * bins];
        for (int j = 0; j < n; j++) {
            System.arraycopy(r.histograms()[j], 0, hist, j * bins, bins);
        }
        t.put("histograms", Tensor.ofLongs(new long[] {n, bins}, hist));
        putExamples(t, "top", r.top());
        putExamples(t, "quantile", r.quantiles());
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("rows", Long.toString(r.stats().rows()));
        meta.put("metrics_rows", Long.toString(r.metrics().rows()));
        meta.put("fvu", Double.toString(r.metrics().fvu()));
        meta.put("mse", Double.toString(r.metrics().mse()));
        meta.put("l0", Double.toString(r.metrics().l0()));
        meta.put("dead_fraction", Double.toString(r.metrics().deadFraction()));
        meta.put("dense_fraction", Double.toString(r.metrics().denseFraction()));
        meta.put("l1", Double.toString(r.metrics().l1()));
        meta.put("cosine", Double.toString(r.metrics().cosine()));
        meta.put("l2_ratio", Double.toString(r.metrics().l2Ratio()));
        meta.put("relative_bias", Double.toString(r.metrics().relativeBias()));
        Safetensors.write(cacheDir.resolve(key).resolve(REPORT), t, meta);
    }

    private static void putExamples(Map<String, Tensor> t, String prefix, Examples e) {
        int n = e.features();
        int width = 0;
        for (int j = 0; j < n; j++) {
            width = Math.max(width, e.count(j));
        }
        long[] rows = new long[n * width];
        float[] values = new float[n * width];
        java.util.Arrays.fill(rows, -1);
        for (int j = 0; j < n; j++) {
            System.arraycopy(e.rows()[j], 0, rows, j * width, e.count(j));
            System.arraycopy(e.values()[j], 0, values, j * width, e.count(j));
        }
        t.put(prefix + "_rows", Tensor.ofLongs(new long[] {n, width}, rows));
        t.put(prefix + "_values", Tensor.ofFloats(new long[] {n, width}, values));
    }

    private static Examples examples(SafetensorsFile f, String prefix) throws IOException {
        Tensor rowsT = f.read(prefix + "_rows");
        long[] rows = rowsT.longs();
        float[] values = f.read(prefix + "_values").floats();
        int n = (int) rowsT.shape()[0], width = (int) rowsT.shape()[1];
        long[][] r = new long[n][];
        float[][] v = new float[n][];
        for (int j = 0; j < n; j++) {
            int count = 0;
            while (count < width && rows[j * width + count] >= 0) {
                count++;
            }
            r[j] = java.util.Arrays.copyOfRange(rows, j * width, j * width + count);
            v[j] = java.util.Arrays.copyOfRange(values, j * width, j * width + count);
        }
        return new Examples(r, v);
    }

    private static long[][] matrix(Tensor t) {
        long[] flat = t.longs();
        int n = (int) t.shape()[0], w = (int) t.shape()[1];
        long[][] out = new long[n][];
        for (int j = 0; j < n; j++) {
            out[j] = java.util.Arrays.copyOfRange(flat, j * w, (j + 1) * w);
        }
        return out;
    }
}
