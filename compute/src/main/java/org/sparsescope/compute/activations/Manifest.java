package org.sparsescope.compute.activations;

import com.google.gson.FieldNamingPolicy;
import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.sparsescope.compute.InvalidInputException;
import org.sparsescope.compute.JsonInput;
import org.sparsescope.compute.model.HookPoint;
import org.sparsescope.compute.model.HookPointJson;
import org.sparsescope.compute.model.WeightPrecision;
import org.sparsescope.compute.tensor.AtomicFile;

/**
 * {@code manifest.json} of an activation set: where its rows came from (model and weight hash, hook, tokenizer,
 * corpus and window order) and the chunks written so far. Rewritten atomically after each chunk, so a reader
 * (even while a harvest appends) sees only whole chunks.
 *
 * @param hook        where its rows were read; null for a foreign set whose files do not say ("unknown" in the file)
 * @param order       "consecutive" windows from the start of the corpus, or "shuffled" by {@code seed}
 * @param targetRows  rows the harvest aims at; {@code complete} once written
 * @param bosTokenId  the token prepended to every window (SAELens's {@code prepend_bos}), or null when windows are
 *                    cut from the corpus as they are
 * @param products    the precision of the model's products that computed the rows: "float32" or "bf16" ({@code
 *                    WeightPrecision#BF16}); null in a set written before bf16 products existed, which was float32
 */
public record Manifest(
        String format,
        int version,
        String model,
        String modelHash,
        HookPoint hook,
        int d,
        String dtype,
        int window,
        String tokenizerHash,
        String corpus,
        String corpusHash,
        String order,
        long seed,
        long targetRows,
        int rowsPerChunk,
        boolean complete,
        List<Chunk> chunks,
        Long bosTokenId,
        String products) {

    public static final String FILE = "manifest.json";
    public static final String FORMAT = "sparsescope-activations";
    public static final int VERSION = 1;
    public static final String UNKNOWN = "unknown";
    /** What a set of ours that does not say was computed with: every harvest before bf16 products existed. */
    private static final String FLOAT32_PRODUCTS = WeightPrecision.FLOAT32.products();

    /** The precision of the products that computed the rows; float32 for a set that does not say (older ones were). */
    public String productPrecision() {
        return products == null ? FLOAT32_PRODUCTS : products;
    }

    public record Chunk(String file, long rows) {}

    public Manifest {
        // kept as given (a null entry included) so that read() can name what is wrong, rather than fail inside Gson
        chunks = chunks == null ? List.of() : java.util.Collections.unmodifiableList(new java.util.ArrayList<>(chunks));
    }

    /** Whether each window starts with a prepended BOS token (not a corpus token). */
    public boolean prependsBos() {
        return bosTokenId != null;
    }

    /** "bos" when each window starts with a prepended BOS, else "none": the policy part of a set's identity. */
    public String bosPolicy() {
        return prependsBos() ? "bos" : "none";
    }

    public long rows() {
        return chunks.stream().mapToLong(Chunk::rows).sum();
    }

    public Manifest withChunks(List<Chunk> newChunks, boolean isComplete) {
        return toBuilder().chunks(newChunks).complete(isComplete).build();
    }

    /** A manifest of this format and version, built by name; what is not set is "unknown", 0, false or empty. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding this manifest's fields, to change some by name. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.format = format;
        b.version = version;
        return b.model(model)
                .modelHash(modelHash)
                .hook(hook)
                .d(d)
                .dtype(dtype)
                .window(window)
                .tokenizerHash(tokenizerHash)
                .corpus(corpus)
                .corpusHash(corpusHash)
                .order(order)
                .seed(seed)
                .targetRows(targetRows)
                .rowsPerChunk(rowsPerChunk)
                .complete(complete)
                .chunks(chunks)
                .bosTokenId(bosTokenId)
                .products(products);
    }

    /** Nineteen fields are too many to pass by position: each is set by its name. */
    public static final class Builder {
        private String format = FORMAT;
        private int version = VERSION;
        private String model = UNKNOWN;
        private String modelHash = UNKNOWN;
        private HookPoint hook;
        private int d;
        private String dtype = "F32";
        private int window;
        private String tokenizerHash = UNKNOWN;
        private String corpus = UNKNOWN;
        private String corpusHash = UNKNOWN;
        private String order = UNKNOWN;
        private long seed;
        private long targetRows;
        private int rowsPerChunk;
        private boolean complete;
        private List<Chunk> chunks = List.of();
        private Long bosTokenId;
        private String products;

        private Builder() {}

        public Builder model(String v) {
            model = v;
            return this;
        }

        public Builder modelHash(String v) {
            modelHash = v;
            return this;
        }

        public Builder hook(HookPoint v) {
            hook = v;
            return this;
        }

        public Builder d(int v) {
            d = v;
            return this;
        }

        public Builder dtype(String v) {
            dtype = v;
            return this;
        }

        public Builder window(int v) {
            window = v;
            return this;
        }

        public Builder tokenizerHash(String v) {
            tokenizerHash = v;
            return this;
        }

        public Builder corpus(String v) {
            corpus = v;
            return this;
        }

        public Builder corpusHash(String v) {
            corpusHash = v;
            return this;
        }

        public Builder order(String v) {
            order = v;
            return this;
        }

        public Builder seed(long v) {
            seed = v;
            return this;
        }

        public Builder targetRows(long v) {
            targetRows = v;
            return this;
        }

        public Builder rowsPerChunk(int v) {
            rowsPerChunk = v;
            return this;
        }

        public Builder complete(boolean v) {
            complete = v;
            return this;
        }

        public Builder chunks(List<Chunk> v) {
            chunks = v;
            return this;
        }

        public Builder bosTokenId(Long v) {
            bosTokenId = v;
            return this;
        }

        public Builder products(String v) {
            products = v;
            return this;
        }

        public Manifest build() {
            return new Manifest(
                    format,
                    version,
                    model,
                    modelHash,
                    hook,
                    d,
                    dtype,
                    window,
                    tokenizerHash,
                    corpus,
                    corpusHash,
                    order,
                    seed,
                    targetRows,
                    rowsPerChunk,
                    complete,
                    chunks,
                    bosTokenId,
                    products);
        }
    }

    static final Gson GSON = new GsonBuilder()
            .setFieldNamingPolicy(FieldNamingPolicy.LOWER_CASE_WITH_UNDERSCORES)
            .registerTypeAdapter(HookPoint.class, new HookPointJson().nullSafe())
            .setPrettyPrinting()
            .create();

    public static Manifest read(Path dir) throws IOException {
        Path file = dir.resolve(FILE);
        if (!Files.isRegularFile(file)) {
            throw new InvalidInputException(file, "missing: not an activation set folder");
        }
        Manifest m = JsonInput.of(file).read(GSON, Manifest.class);
        if (m == null || !FORMAT.equals(m.format()) || m.d() <= 0) {
            throw new InvalidInputException(file, "not a " + FORMAT + " manifest");
        }
        if (m.version() > VERSION) {
            throw new InvalidInputException(
                    file, "written by a newer Sparsescope (format version " + m.version() + ")");
        }
        if (m.d() > 1 << 20
                || m.window() < 0
                || m.dtype() == null
                || org.sparsescope.compute.tensor.DType.fromSafetensors(m.dtype())
                        .isEmpty()) {
            throw new InvalidInputException(
                    file, "d " + m.d() + ", window " + m.window() + " or dtype " + m.dtype() + " is out of range");
        }
        if (m.products() != null
                && java.util.Arrays.stream(WeightPrecision.values())
                        .noneMatch(w -> w.products().equals(m.products()))) {
            throw new InvalidInputException(file, "products '" + m.products() + "' should be float32 or bf16");
        }
        for (Chunk c : m.chunks()) {
            if (c == null || c.file() == null || c.file().isEmpty() || c.file().indexOf('\0') >= 0 || c.rows() < 0) {
                throw new InvalidInputException(
                        file, "a chunk entry lacks its file name or has a negative row count: " + c);
            }
        }
        return m;
    }

    public void write(Path dir) throws IOException {
        AtomicFile.writeString(dir.resolve(FILE), GSON.toJson(this));
    }

    /**
     * Makes {@code out} ready: a new or empty folder gets a fresh manifest; a folder holding a compatible harvest
     * is resumed (leftover temporary files removed); anything else is refused and left untouched.
     */
    public Manifest resumeOrCreate(Path out) throws IOException {
        Manifest fresh = this;
        Path manifestFile = out.resolve(Manifest.FILE);
        if (Files.isRegularFile(manifestFile)) {
            Manifest old = Manifest.read(out);
            String clash = clash(old, fresh);
            if (clash != null) {
                throw new InvalidInputException(
                        manifestFile,
                        "holds another set (" + clash
                                + "); nothing was changed. Harvest into a new folder, or remove this one first");
            }
            try (Stream<Path> s = Files.list(out)) {
                for (Path p : s.filter(p -> p.getFileName().toString().startsWith(".")
                                && p.getFileName().toString().contains(".tmp"))
                        .toList()) {
                    Files.deleteIfExists(p); // a write that a kill interrupted; never listed in the manifest
                }
            }
            return old;
        }
        if (Files.isDirectory(out)) {
            try (Stream<Path> s = Files.list(out)) {
                if (s.findAny().isPresent()) {
                    throw new InvalidInputException(
                            out,
                            "exists and is not an activation set; nothing was written. Choose an empty or new folder");
                }
            }
        } else if (Files.exists(out)) {
            throw new InvalidInputException(out, "exists and is a file, not a folder");
        }
        try {
            Files.createDirectories(out);
        } catch (IOException e) {
            throw org.sparsescope.compute.WriteFailedException.of(out, e);
        }
        fresh.write(out);
        return fresh;
    }

    private static String clash(Manifest old, Manifest fresh) {
        if (!old.modelHash().equals(fresh.modelHash())) {
            return "another model's weights";
        }
        if (!java.util.Objects.equals(old.hook(), fresh.hook())) {
            return "hook " + old.hook() + ", not " + fresh.hook();
        }
        if (old.window() != fresh.window()) {
            return "window " + old.window() + ", not " + fresh.window();
        }
        if (!old.dtype().equals(fresh.dtype())) {
            return "dtype " + old.dtype() + ", not " + fresh.dtype();
        }
        if (!old.corpusHash().equals(fresh.corpusHash())) {
            return "another corpus";
        }
        if (!old.bosPolicy().equals(fresh.bosPolicy())) {
            return "BOS policy " + old.bosPolicy() + ", not " + fresh.bosPolicy();
        }
        if (!old.order().equals(fresh.order()) || old.seed() != fresh.seed()) {
            return "window order " + old.order() + " seed " + old.seed();
        }
        if (!old.productPrecision().equals(fresh.productPrecision())) {
            return "rows computed with " + old.productPrecision() + " products, not " + fresh.productPrecision();
        }
        if (old.rowsPerChunk() != fresh.rowsPerChunk()) {
            return old.rowsPerChunk() + " rows per chunk";
        }
        return null;
    }
}
