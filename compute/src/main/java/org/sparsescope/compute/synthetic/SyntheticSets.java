package org.sparsescope.compute.synthetic;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.sparsescope.compute.CanonicalJson;
import org.sparsescope.compute.InvalidInputException;
import org.sparsescope.compute.JsonInput;
import org.sparsescope.compute.activations.ActivationSet;
import org.sparsescope.compute.activations.Manifest;
import org.sparsescope.compute.model.HookPoint;
import org.sparsescope.compute.tensor.AtomicFile;
import org.sparsescope.compute.tensor.Safetensors;
import org.sparsescope.compute.tensor.SafetensorsFile;
import org.sparsescope.compute.tensor.Tensor;
import org.sparsescope.compute.work.Cancellation;
import org.sparsescope.compute.work.CancelledException;
import org.sparsescope.compute.work.Progress;
import org.sparsescope.compute.work.ProgressListener;

/**
 * Synthetic activation sets: written in the app's own layout (manifest, chunk safetensors), with
 * {@code synthetic.json} (the generating parameters and, once complete, what the set turned out to hold) and the
 * {@link GroundTruth} beside them. Their provenance is the generator: the manifest's model is
 * {@code synthetic:<12 hex>} of the parameters and its hook {@value #HOOK}, so a dictionary trained on one pairs
 * with that set (and any set of the same generator), never with a model's activations.
 */
public final class SyntheticSets {
    private SyntheticSets() {}

    public static final String MODEL_PREFIX = "synthetic:";
    public static final HookPoint HOOK = HookPoint.synthetic();
    public static final String FILE = "synthetic.json";
    static final String FORMAT = "sparsescope-synthetic";
    static final String COUNTS = "true_active_counts";
    static final String ROW_SUM = "row_sum";
    public static final int DEFAULT_ROWS_PER_CHUNK = 16_384;

    private static final Gson GSON = new GsonBuilder().setPrettyPrinting().create();

    /**
     * What a complete set holds, summed exactly over all its rows while it was made.
     *
     * @param trueL0        mean number of ground-truth features active per row (the truth's own L0)
     * @param noiseFloorFvu Σ‖noise‖² / Σ‖x − x̄‖² over the set: the FVU of reconstructing every row from the truth
     *                      exactly (0 without noise), below which no dictionary can go
     */
    public record Summary(long rows, double trueL0, double noiseFloorFvu) {}

    /** A synthetic set's generator, truth and (when complete) summary. */
    public record SyntheticSet(Path folder, SyntheticSpec spec, GroundTruth truth, Summary summary) {
        public String model() {
            return spec.modelName();
        }
    }

    /** Whether a model name is a synthetic generator's. */
    public static boolean isSyntheticModel(String model) {
        return model != null && model.startsWith(MODEL_PREFIX);
    }

    /** Whether a set's manifest says it was generated rather than harvested. */
    public static boolean isSynthetic(Manifest m) {
        return m != null && isSyntheticModel(m.model()) && m.modelHash().startsWith(MODEL_PREFIX);
    }

    /**
     * Writes {@code rows} rows of {@code spec} into {@code out} (new or empty, or a run of the same generator and size
     * to resume), chunk by chunk on all cores; each chunk is written whole and then listed, as a harvest's are.
     */
    public static SyntheticSet write(
            SyntheticSpec spec, long rows, int rowsPerChunk, Path out, ProgressListener progress, Cancellation cancel)
            throws IOException, CancelledException {
        if (rows < 1) {
            throw new IllegalArgumentException("rows must be at least 1, got " + rows);
        }
        if (rowsPerChunk < 1 || (long) rowsPerChunk * spec.d() > Integer.MAX_VALUE / 2) {
            throw new IllegalArgumentException("rows per chunk out of range: " + rowsPerChunk);
        }
        String sha = spec.sha256();
        Manifest fresh = Manifest.builder()
                .model(spec.modelName())
                .modelHash(MODEL_PREFIX + sha)
                .hook(HOOK)
                .d(spec.d())
                .dtype("F32")
                .corpus("synthetic: " + spec.describe())
                .corpusHash(sha)
                .order("generated")
                .seed(spec.seed())
                .targetRows(rows)
                .rowsPerChunk(rowsPerChunk)
                .build();
        if (Files.isRegularFile(out.resolve(Manifest.FILE))) {
            Manifest old = Manifest.read(out);
            if (old.targetRows() != rows) {
                throw new InvalidInputException(
                        out.resolve(Manifest.FILE),
                        "holds a synthetic set of " + old.targetRows() + " rows, not " + rows
                                + "; nothing was changed. Generate into a new folder");
            }
        }
        Manifest manifest = fresh.resumeOrCreate(out);
        GroundTruth truth = GroundTruth.of(spec);
        if (!Files.isRegularFile(out.resolve(GroundTruth.FILE))) {
            truth.write(out);
        }
        writeDescription(out, spec, null);
        SyntheticRows generator = new SyntheticRows(spec, truth);
        int chunkCount = (int) ((rows + rowsPerChunk - 1) / rowsPerChunk);
        List<Manifest.Chunk> done = new ArrayList<>(manifest.chunks());
        int threads = Math.max(1, Runtime.getRuntime().availableProcessors());
        ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "synthetic-rows");
            t.setDaemon(true);
            return t;
        });
        long t0 = System.nanoTime();
        long written = done.stream().mapToLong(Manifest.Chunk::rows).sum();
        long resumedFrom = written;
        try {
            for (int first = done.size(); first < chunkCount; first += threads) {
                cancel.check();
                List<Future<Manifest.Chunk>> batch = new ArrayList<>();
                for (int c = first; c < Math.min(chunkCount, first + threads); c++) {
                    final int index = c;
                    final int count = (int) Math.min(rowsPerChunk, rows - (long) index * rowsPerChunk);
                    batch.add(pool.submit(() -> writeChunk(generator, spec, index, count, out)));
                }
                for (Future<Manifest.Chunk> f : batch) {
                    Manifest.Chunk c = get(f);
                    done.add(c);
                    written += c.rows();
                    manifest.withChunks(done, done.size() == chunkCount).write(out);
                    progress.onProgress(Progress.of(
                            written,
                            rows,
                            (System.nanoTime() - t0) / 1e9,
                            "rows/s",
                            "synthetic rows (" + (written - resumedFrom) + " made now)"));
                }
            }
        } finally {
            pool.shutdownNow();
        }
        if (done.size() != chunkCount) {
            manifest.withChunks(done, true).write(out);
        }
        Summary summary = summarise(out, spec, truth);
        return new SyntheticSet(out, spec, truth.withFrequencies(frequencies(out, spec)), summary);
    }

    private static Manifest.Chunk get(Future<Manifest.Chunk> f) throws IOException {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while making synthetic rows", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            throw new IOException("making synthetic rows failed: " + e.getCause(), e.getCause());
        }
    }

    private static Manifest.Chunk writeChunk(
            SyntheticRows generator, SyntheticSpec spec, int index, int count, Path out) throws IOException {
        float[] x = new float[count * spec.d()];
        SyntheticRows.ChunkStats s = generator.chunk(index, count, x);
        String name = String.format("chunk-%05d.safetensors", index);
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        tensors.put(ActivationSet.ACTIVATIONS, Tensor.ofFloats(new long[] {count, spec.d()}, x));
        tensors.put(COUNTS, Tensor.ofLongs(new long[] {spec.features()}, s.activeCounts()));
        tensors.put(ROW_SUM, Tensor.ofDoubles(new long[] {spec.d()}, s.rowSum()));
        Safetensors.write(
                out.resolve(name),
                tensors,
                Map.of(
                        "hook", HOOK.name(),
                        "noise_squares", Double.toString(s.noiseSquares()),
                        "row_squares", Double.toString(s.rowSquares())));
        return new Manifest.Chunk(name, count);
    }

    /** The truth's L0 and the noise floor from the chunks' exact sums; written into synthetic.json and the truth. */
    private static Summary summarise(Path out, SyntheticSpec spec, GroundTruth truth) throws IOException {
        Manifest m = Manifest.read(out);
        long rows = 0, active = 0;
        double noise = 0, squares = 0;
        double[] sum = new double[spec.d()];
        long[] counts = new long[spec.features()];
        for (Manifest.Chunk c : m.chunks()) {
            Path file = out.resolve(c.file());
            try (SafetensorsFile f = SafetensorsFile.open(file)) {
                long[] n = f.read(COUNTS).onHeap().longs();
                double[] s = f.read(ROW_SUM).onHeap().doubles();
                for (int i = 0; i < counts.length; i++) {
                    counts[i] += n[i];
                    active += n[i];
                }
                for (int j = 0; j < sum.length; j++) {
                    sum[j] += s[j];
                }
                noise += Double.parseDouble(f.metadata().get("noise_squares"));
                squares += Double.parseDouble(f.metadata().get("row_squares"));
            }
            rows += c.rows();
        }
        double centred = squares;
        for (double s : sum) {
            centred -= s * s / rows;
        }
        Summary summary = new Summary(rows, (double) active / rows, centred > 0 ? noise / centred : 0);
        double[] freq = new double[counts.length];
        for (int i = 0; i < counts.length; i++) {
            freq[i] = (double) counts[i] / rows;
        }
        truth.withFrequencies(freq).write(out);
        writeDescription(out, spec, summary);
        return summary;
    }

    private static double[] frequencies(Path out, SyntheticSpec spec) throws IOException {
        return GroundTruth.read(out, spec).frequencies();
    }

    private static void writeDescription(Path out, SyntheticSpec spec, Summary summary) throws IOException {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("format", FORMAT);
        m.put("version", 1);
        m.put("model", spec.modelName());
        m.put("sha256", spec.sha256());
        m.put("description", spec.describe());
        m.put("parameters", spec.parameters());
        if (summary != null) {
            Map<String, Object> s = new LinkedHashMap<>();
            s.put("rows", summary.rows());
            s.put("true_l0", summary.trueL0());
            s.put("noise_floor_fvu", summary.noiseFloorFvu());
            m.put("summary", s);
        }
        AtomicFile.writeString(out.resolve(FILE), GSON.toJson(CanonicalJson.ordered(m)));
    }

    /** The generator of a set folder that holds {@code synthetic.json}; empty for a harvested or foreign set. */
    public static Optional<SyntheticSet> of(Path folder) throws IOException {
        Path file = folder.resolve(FILE);
        if (!Files.isDirectory(folder) || !Files.isRegularFile(file)) {
            return Optional.empty();
        }
        JsonInput in = JsonInput.of(file);
        JsonObject o = in.readObject();
        if (!FORMAT.equals(in.str(o, "format", null))) {
            throw in.error("is not a " + FORMAT + " description");
        }
        JsonObject p = in.object(o, "parameters");
        SyntheticSpec spec;
        try {
            spec = new SyntheticSpec(
                    in.requiredInt(p, "d"),
                    in.requiredInt(p, "features"),
                    required(in, p, "active"),
                    required(in, p, "decay"),
                    in.requiredInt(p, "correlation_rank"),
                    in.number(p, "correlation_scale", 0),
                    in.number(p, "noise", 0),
                    SyntheticSpec.Magnitudes.parse(in.str(p, "magnitudes", null)),
                    in.longValue(p, "seed") == null ? 0 : in.longValue(p, "seed"));
        } catch (IllegalArgumentException e) {
            throw in.error("holds parameters out of range: " + e.getMessage());
        }
        Summary summary = null;
        if (o.has("summary") && o.get("summary").isJsonObject()) {
            JsonObject s = o.getAsJsonObject("summary");
            Long rows = in.longValue(s, "rows");
            summary = new Summary(
                    rows == null ? 0 : rows, required(in, s, "true_l0"), required(in, s, "noise_floor_fvu"));
        }
        return Optional.of(new SyntheticSet(folder, spec, GroundTruth.read(folder, spec), summary));
    }

    private static double required(JsonInput in, JsonObject o, String key) throws InvalidInputException {
        Double v = in.number(o, key);
        if (v == null) {
            throw in.error("lacks '" + key + "'");
        }
        return v;
    }

    /** The generator behind an open set: its own folder's, when its manifest says it is synthetic. */
    public static Optional<SyntheticSet> of(ActivationSet set) throws IOException {
        return isSynthetic(set.manifest()) ? of(set.location()) : Optional.empty();
    }
}
