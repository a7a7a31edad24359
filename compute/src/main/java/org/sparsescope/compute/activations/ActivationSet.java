package org.sparsescope.compute.activations;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.sparsescope.compute.InvalidInputException;
import org.sparsescope.compute.model.HookPoint;
import org.sparsescope.compute.tensor.DType;
import org.sparsescope.compute.tensor.NpyFile;
import org.sparsescope.compute.tensor.SafetensorsFile;
import org.sparsescope.compute.tensor.Tensor;
import org.sparsescope.compute.tensor.TensorFileException;
import org.sparsescope.compute.tensor.TensorInfo;
import org.sparsescope.compute.tensor.TorchFile;

/**
 * Activations read at one hook, [rows, d], stored in chunks. Opens the app's own folders (manifest.json, chunk
 * safetensors, tokens.safetensors) and, without converting, the research formats: a folder of seed-style
 * {@code 0.pt, 1.pt, …} chunks, a folder of {@code .npy} files, or one {@code .npy}, {@code .safetensors} or
 * {@code .pt} file. Read-only; safe to open while a harvest appends (only chunks listed in the manifest are seen).
 */
public final class ActivationSet implements AutoCloseable {
    /** The tensor holding a chunk's rows in the app's own chunk files. */
    public static final String ACTIVATIONS = "activations";
    /** Where in the corpus token stream each window of a chunk starts, in row order. */
    public static final String WINDOW_STARTS = "window_starts";

    private static final Pattern SEED_CHUNK = Pattern.compile("\\d+\\.pt");

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ActivationSet.class);

    private final Path location;
    private final Manifest manifest;
    private final List<ChunkSource> chunks;
    private final long[] firstRow;
    private final CorpusTokens tokens;
    /** Each chunk's window starts, read once: tracing thousands of examples to text must not reopen files. */
    private final java.util.Map<Integer, Optional<long[]>> windowStarts =
            new java.util.concurrent.ConcurrentHashMap<>();

    /** One chunk's rows, read on demand. */
    interface ChunkSource {
        Path file();

        long rows();

        /** The stored array's shape, from its header (nothing read): checked to be [rows, d] before any read. */
        long[] shape();

        /** Rows [start, start+count) of the chunk as stored (F16 or F32). */
        Tensor read(long start, long count) throws IOException;

        /** Corpus token position where each window of this chunk starts, when the chunk records them. */
        default Optional<long[]> windows() throws IOException {
            return Optional.empty();
        }
    }

    private ActivationSet(Path location, Manifest manifest, List<ChunkSource> chunks, CorpusTokens tokens) {
        this.location = location;
        this.manifest = manifest;
        this.chunks = chunks;
        this.tokens = tokens;
        this.firstRow = new long[chunks.size() + 1];
        for (int i = 0; i < chunks.size(); i++) {
            firstRow[i + 1] = firstRow[i] + chunks.get(i).rows();
        }
    }

    /** Opens any supported layout; hook and model are "unknown" for foreign sets. */
    public static ActivationSet open(Path path) throws IOException {
        return open(path, null, Manifest.UNKNOWN);
    }

    /** Opens a set, taking {@code hook} and {@code model} from the caller where the files do not say. */
    public static ActivationSet open(Path path, HookPoint hook, String model) throws IOException {
        if (Files.isDirectory(path) && Files.exists(path.resolve(Manifest.FILE))) {
            return openNative(path);
        }
        List<ChunkSource> chunks = new ArrayList<>();
        String source;
        if (Files.isDirectory(path)) {
            List<Path> files;
            try (Stream<Path> s = Files.list(path)) {
                files = s.filter(Files::isRegularFile).toList();
            }
            List<Path> seed = files.stream()
                    .filter(f -> SEED_CHUNK.matcher(f.getFileName().toString()).matches())
                    .sorted(Comparator.comparingLong(
                            f -> Long.parseLong(f.getFileName().toString().replace(".pt", ""))))
                    .toList();
            List<Path> npy = files.stream()
                    .filter(f -> f.getFileName().toString().endsWith(".npy"))
                    .sorted()
                    .toList();
            if (!seed.isEmpty()) {
                for (Path f : seed) {
                    chunks.add(new PtChunk(f, TorchFile.readTensorInfo(f)));
                }
                source = "seed .pt chunks";
            } else if (!npy.isEmpty()) {
                for (Path f : npy) {
                    chunks.add(npyChunk(f));
                }
                source = ".npy files";
            } else {
                throw new InvalidInputException(
                        path, "not an activation set: no manifest.json, no 0.pt, 1.pt, … chunks and no .npy files");
            }
        } else if (Files.isRegularFile(path)) {
            String name = path.getFileName().toString();
            if (name.endsWith(".npy")) {
                chunks.add(npyChunk(path));
            } else if (name.endsWith(".safetensors")) {
                chunks.add(safetensorsChunk(path, null));
            } else if (name.endsWith(".pt")) {
                chunks.add(new PtChunk(path, TorchFile.readTensorInfo(path)));
            } else {
                throw new InvalidInputException(
                        path, "unknown activation file type (expected .npy, .safetensors or .pt)");
            }
            source = name;
        } else {
            throw new InvalidInputException(path, "not found");
        }
        int d = checkSameWidth(chunks, -1);
        String dtype = chunks.get(0).read(0, 0).dtype().safetensorsName();
        List<Manifest.Chunk> entries = chunks.stream()
                .map(c -> new Manifest.Chunk(c.file().getFileName().toString(), c.rows()))
                .toList();
        // a foreign set: only its width, precision, chunks and what the caller says are known
        Manifest m = Manifest.builder()
                .model(model)
                .hook(hook)
                .d(d)
                .dtype(dtype)
                .corpus(source)
                .complete(true)
                .chunks(entries)
                .build();
        return new ActivationSet(path, m, chunks, null);
    }

    private static ActivationSet openNative(Path dir) throws IOException {
        Manifest m = Manifest.read(dir);
        List<ChunkSource> chunks = new ArrayList<>();
        for (Manifest.Chunk c : m.chunks()) {
            Path f = dir.resolve(c.file()).normalize();
            if (!f.startsWith(dir.normalize()) || !Files.isRegularFile(f)) {
                throw new InvalidInputException(
                        dir.resolve(Manifest.FILE), "lists chunk '" + c.file() + "', which is missing");
            }
            ChunkSource chunk = safetensorsChunk(f, ACTIVATIONS);
            if (chunk.rows() != c.rows()) {
                throw new InvalidInputException(
                        f, "holds " + chunk.rows() + " rows, but the manifest says " + c.rows());
            }
            chunks.add(chunk);
        }
        checkSameWidth(chunks, m.d());
        Path tokenFile = dir.resolve(CorpusTokens.FILE);
        CorpusTokens tokens = Files.isRegularFile(tokenFile) ? CorpusTokens.open(tokenFile) : null;
        return new ActivationSet(dir, m, chunks, tokens);
    }

    private static int checkSameWidth(List<ChunkSource> chunks, int expected) throws IOException {
        int d = expected;
        for (ChunkSource c : chunks) {
            long[] shape = c.shape();
            if (shape.length != 2) {
                throw new InvalidInputException(
                        c.file(), "activations must be [rows, d], found shape " + Arrays.toString(shape));
            }
            if (shape[1] <= 0 || shape[1] > 1 << 20) {
                throw new InvalidInputException(
                        c.file(), "activations of width " + shape[1] + " (expected 1 to " + (1 << 20) + ")");
            }
            if (d < 0) {
                d = (int) shape[1];
            } else if (shape[1] != d) {
                throw new InvalidInputException(c.file(), "has d=" + shape[1] + " but the set's d is " + d);
            }
        }
        return d;
    }

    private static ChunkSource npyChunk(Path f) throws IOException {
        long[] shape;
        try (NpyFile n = NpyFile.open(f)) {
            shape = n.shape();
        }
        long rows = shape.length == 0 ? 0 : shape[0];
        return new FileChunk(
                f,
                rows,
                shape,
                (start, count) -> {
                    try (NpyFile n = NpyFile.open(f)) {
                        return n.readRows(start, count);
                    }
                },
                Optional::empty);
    }

    /** A chunk read from its file on demand (a mapping outlives the channel, so each read opens and closes it). */
    private record FileChunk(Path file, long rows, long[] shape, RowReader reader, WindowReader windowReader)
            implements ChunkSource {
        @Override
        public long[] shape() {
            return shape.clone();
        }

        @Override
        public Tensor read(long start, long count) throws IOException {
            return reader.read(start, count);
        }

        @Override
        public Optional<long[]> windows() throws IOException {
            return windowReader.read();
        }
    }

    @FunctionalInterface
    private interface RowReader {
        Tensor read(long start, long count) throws IOException;
    }

    @FunctionalInterface
    private interface WindowReader {
        Optional<long[]> read() throws IOException;
    }

    /** A safetensors chunk: the tensor {@code name}, or its only 2-D tensor when name is null. */
    private static ChunkSource safetensorsChunk(Path f, String name) throws IOException {
        String tensor;
        long rows;
        long[] shape;
        boolean hasWindows;
        try (SafetensorsFile s = SafetensorsFile.open(f)) {
            if (name != null) {
                tensor = name;
            } else {
                List<String> matrices = s.tensors().values().stream()
                        .filter(t -> t.shape().length == 2)
                        .map(TensorInfo::name)
                        .toList();
                if (s.info(ACTIVATIONS).isPresent()) {
                    tensor = ACTIVATIONS;
                } else if (matrices.size() == 1) {
                    tensor = matrices.get(0);
                } else {
                    throw new InvalidInputException(
                            f, "holds " + matrices.size() + " matrices and none is named 'activations'");
                }
            }
            TensorInfo info =
                    s.info(tensor).orElseThrow(() -> new TensorFileException(f, "has no tensor '" + tensor + "'"));
            shape = info.shape();
            rows = shape.length == 0 ? 0 : shape[0];
            hasWindows = s.info(WINDOW_STARTS).isPresent();
        }
        return new FileChunk(
                f,
                rows,
                shape,
                (start, count) -> {
                    try (SafetensorsFile s = SafetensorsFile.open(f)) {
                        return s.readRows(tensor, start, count);
                    }
                },
                () -> {
                    if (!hasWindows) {
                        return Optional.empty();
                    }
                    try (SafetensorsFile s = SafetensorsFile.open(f)) {
                        Tensor starts = s.read(WINDOW_STARTS);
                        if (!starts.dtype().isInteger() || starts.rank() != 1) {
                            throw new InvalidInputException(
                                    f,
                                    "'" + WINDOW_STARTS + "' should be a list of integers, found " + starts.dtype()
                                            + " " + Arrays.toString(starts.shape()));
                        }
                        return Optional.of(starts.longs());
                    }
                });
    }

    /** A seed-style torch chunk; read whole on first use (zip storages are not sliceable), the last one kept. */
    private static final class PtChunk implements ChunkSource {
        private final Path file;
        private final TensorInfo info;
        private Tensor cached;

        PtChunk(Path file, TensorInfo info) {
            this.file = file;
            this.info = info;
        }

        @Override
        public Path file() {
            return file;
        }

        @Override
        public long rows() {
            return info.shape().length == 0 ? 0 : info.shape()[0];
        }

        @Override
        public long[] shape() {
            return info.shape();
        }

        @Override
        public synchronized Tensor read(long start, long count) throws IOException {
            long[] shape = info.shape();
            if (count == 0) {
                long[] s = shape.clone();
                s[0] = 0;
                return new Tensor(info.dtype(), s, java.nio.ByteBuffer.allocate(0));
            }
            if (cached == null) {
                cached = TorchFile.readTensor(file);
            }
            long rowBytes =
                    cached.numel() / Math.max(1, shape[0]) * info.dtype().byteSize();
            var b = cached.data()
                    .position((int) (start * rowBytes))
                    .limit((int) ((start + count) * rowBytes))
                    .slice();
            long[] s = shape.clone();
            s[0] = count;
            return new Tensor(info.dtype(), s, b);
        }
    }

    public Path location() {
        return location;
    }

    public Manifest manifest() {
        return manifest;
    }

    public int d() {
        return manifest.d();
    }

    /** Where its rows were read; null for a foreign set whose files do not say. */
    public HookPoint hook() {
        return manifest.hook();
    }

    public DType dtype() {
        return DType.fromSafetensors(manifest.dtype()).orElse(DType.F32);
    }

    public long rows() {
        return firstRow[chunks.size()];
    }

    public int chunkCount() {
        return chunks.size();
    }

    public long chunkRows(int chunk) {
        return chunks.get(chunk).rows();
    }

    public long chunkFirstRow(int chunk) {
        return firstRow[chunk];
    }

    public Path chunkFile(int chunk) {
        return chunks.get(chunk).file();
    }

    /** A whole chunk as stored. */
    public Tensor readChunk(int chunk) throws IOException {
        return chunks.get(chunk).read(0, chunks.get(chunk).rows());
    }

    /** Rows [start, start+count) of one chunk as stored. */
    public Tensor readChunkRows(int chunk, long start, long count) throws IOException {
        return chunks.get(chunk).read(start, count);
    }

    /** Rows [start, start+count) of the whole set as float32 values, crossing chunk boundaries as needed. */
    public float[] readRows(long start, int count) throws IOException {
        if (start < 0 || count < 0 || start + count > rows()) {
            throw new IllegalArgumentException(
                    "rows [" + start + ", " + (start + count) + ") outside a set of " + rows());
        }
        float[] out = new float[Math.multiplyExact(count, d())];
        int filled = 0;
        int c = chunkOf(start);
        long at = start;
        while (filled < count) {
            long inChunk = at - firstRow[c];
            long n = Math.min(count - filled, chunks.get(c).rows() - inChunk);
            float[] part = chunks.get(c).read(inChunk, n).floats();
            System.arraycopy(part, 0, out, filled * d(), part.length);
            filled += (int) n;
            at += n;
            c++;
        }
        return out;
    }

    /** The chunk holding global row {@code row}. */
    public int chunkOf(long row) {
        int i = Arrays.binarySearch(firstRow, row);
        int c = i >= 0 ? i : -i - 2;
        while (c < chunks.size() - 1 && chunks.get(c).rows() == 0) {
            c++;
        }
        return c;
    }

    /** Whether rows can be traced back to text (the app's own sets, harvested from a corpus). */
    public boolean hasTokens() {
        return tokens != null && manifest.window() > 0;
    }

    /** A chunk's window starts, read from its file once. */
    private Optional<long[]> windowsOf(int chunk) throws IOException {
        Optional<long[]> windows = windowStarts.get(chunk);
        if (windows == null) {
            windows = chunks.get(chunk).windows();
            if (windows.isPresent()) {
                checkWindowStarts(chunk, windows.get());
            }
            windowStarts.put(chunk, windows);
        }
        return windows;
    }

    /** Every window a chunk's rows need, each starting where a whole window of the token stream follows. */
    private void checkWindowStarts(int chunk, long[] starts) throws InvalidInputException {
        int window = manifest.window();
        long needed = (chunks.get(chunk).rows() + window - 1) / window;
        Path f = chunks.get(chunk).file();
        if (starts.length < needed) {
            throw new InvalidInputException(
                    f, "records " + starts.length + " window starts for " + needed + " windows of rows");
        }
        long corpusTokens = window - (manifest.prependsBos() ? 1 : 0);
        for (long s : starts) {
            if (s < 0 || s > tokens.size() - corpusTokens) {
                throw new InvalidInputException(
                        f, "a window starts at token " + s + ", outside the corpus's " + tokens.size() + " tokens");
            }
        }
    }

    /**
     * The text around a row: the ids of its window's tokens, the row's position in that window, and each
     * token's document index, so a view can stop context at a document boundary.
     */
    public Optional<TokenContext> context(long row) throws IOException {
        if (!hasTokens()) {
            return Optional.empty();
        }
        int c = chunkOf(row);
        Optional<long[]> windows = windowsOf(c);
        if (windows.isEmpty()) {
            return Optional.empty();
        }
        int window = manifest.window();
        long inChunk = row - firstRow[c];
        long first = windows.get()[(int) (inChunk / window)];
        int position = (int) (inChunk % window);
        long[] ids = Harvester.windowIds(tokens, first, window, manifest.bosTokenId());
        int offset = manifest.prependsBos()
                ? 1
                : 0; // the prepended BOS reads no corpus token: it takes its successor's document
        int[] docs = new int[window];
        for (int i = 0; i < window; i++) {
            docs[i] = tokens.document(first + Math.max(0, i - offset));
        }
        return Optional.of(new TokenContext(row, first, position, ids, docs));
    }

    /**
     * Which of rows [start, start+count) sit on a special token: the prepended BOS, or the end-of-text id that
     * joins documents. All false for a set without tokens.
     */
    public boolean[] specialTokenRows(long start, int count) throws IOException {
        boolean[] out = new boolean[count];
        if (!hasTokens()) {
            return out;
        }
        long eot = endOfTextId();
        int window = manifest.window();
        int offset = manifest.prependsBos() ? 1 : 0;
        for (int i = 0; i < count; i++) {
            long row = start + i;
            int c = chunkOf(row);
            Optional<long[]> windows = windowsOf(c);
            if (windows.isEmpty()) {
                continue;
            }
            long inChunk = row - firstRow[c];
            int position = (int) (inChunk % window);
            if (position < offset) {
                out[i] = true;
                continue;
            }
            long token = windows.get()[(int) (inChunk / window)] + position - offset;
            out[i] = tokens.id(token) == eot;
        }
        return out;
    }

    private volatile Long endOfText;

    /** The id that joins documents in the token stream, as recorded at encoding (or seen at the first document's end); found once. */
    private long endOfTextId() {
        Long known = endOfText;
        if (known == null) {
            known = findEndOfTextId();
            endOfText = known;
        }
        return known;
    }

    private long findEndOfTextId() {
        String recorded = tokens.metadata().get("end_of_text_id");
        if (recorded != null) {
            try {
                return Long.parseLong(recorded);
            } catch (NumberFormatException e) {
                LOG.warn(tokens + ": end_of_text_id '" + recorded
                        + "' is not a number; finding it from the documents instead");
            }
        }
        for (long p = 0; p + 1 < tokens.size(); p++) {
            if (tokens.document(p + 1) != tokens.document(p)) {
                return tokens.id(p);
            }
        }
        return -1;
    }

    /**
     * The token windows rows [start, start + count) came from, each once and in the order first met, at most
     * {@code max}: none when the set records no tokens. What the held-out rows' model-level metrics (KL, CE) run on.
     */
    public long[][] windowsOf(long start, long count, int max) throws IOException {
        if (!hasTokens()) {
            return new long[0][];
        }
        java.util.LinkedHashMap<Long, long[]> seen = new java.util.LinkedHashMap<>();
        long row = start;
        while (row < start + count && seen.size() < max) {
            Optional<TokenContext> c = context(row);
            if (c.isEmpty()) {
                break;
            }
            seen.putIfAbsent(c.get().windowStart(), c.get().tokenIds());
            row += Math.max(1, c.get().tokenIds().length - c.get().position()); // on to the next window's first row
        }
        return seen.values().toArray(new long[0][]);
    }

    /**
     * Up to {@code count} of the set's windows spread evenly over all its rows (the window of row ⌊(i + ½)·rows /
     * count⌋ for each i), each once: a sample across the corpus rather than a run of adjacent windows; none when the
     * set records no tokens.
     */
    public long[][] windowsAcross(int count) throws IOException {
        if (!hasTokens() || count <= 0) {
            return new long[0][];
        }
        java.util.LinkedHashMap<Long, long[]> seen = new java.util.LinkedHashMap<>();
        long n = rows();
        for (int i = 0; i < count; i++) {
            long row = (long) ((i + 0.5) * n / count);
            Optional<TokenContext> c = context(Math.min(n - 1, row));
            c.ifPresent(ctx -> seen.putIfAbsent(ctx.windowStart(), ctx.tokenIds()));
        }
        return seen.values().toArray(new long[0][]);
    }

    /** A row's window of token ids (starting at corpus token {@code windowStart}), the row's position in it, and each token's document. */
    public record TokenContext(long row, long windowStart, int position, long[] tokenIds, int[] documents) {}

    @Override
    public void close() throws IOException {
        if (tokens != null) {
            tokens.close();
        }
    }
}
