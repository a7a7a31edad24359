package org.sparsescope.compute.activations;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.sparsescope.compute.InvalidInputException;
import org.sparsescope.compute.model.HookPoint;
import org.sparsescope.compute.model.Hooks;
import org.sparsescope.compute.model.LanguageModel;
import org.sparsescope.compute.tensor.Checkpoint;
import org.sparsescope.compute.tensor.Safetensors;
import org.sparsescope.compute.tensor.Tensor;
import org.sparsescope.compute.work.Cancellation;
import org.sparsescope.compute.work.CancelledException;
import org.sparsescope.compute.work.ContentHash;
import org.sparsescope.compute.work.Progress;
import org.sparsescope.compute.work.ProgressListener;

/**
 * Runs a model over a corpus as far as one hook and writes what it reads there as an activation set. The corpus
 * is encoded once into {@code tokens.safetensors} (documents joined by the end-of-text id); windows are cut from it
 * in order or shuffled; each chunk is written atomically and then listed in the manifest, so a cancelled or killed
 * harvest resumes at the first chunk not listed and yields the same set as an uninterrupted run.
 */
public final class Harvester {
    private final LanguageModel model;
    private String modelHash;

    public Harvester(LanguageModel model) {
        this.model = model;
    }

    /** SHA-256 of the model's weight files, computed once per harvester. */
    private synchronized String modelHash() throws IOException {
        if (modelHash == null) {
            try (Checkpoint ckpt = Checkpoint.open(model.dir())) {
                modelHash = ContentHash.sha256(ckpt.files());
            }
        }
        return modelHash;
    }

    /** What a harvest did: rows now in the set, rows written by this call, and its model throughput. */
    public record Result(Path set, long rows, long rowsWritten, double seconds, double tokensPerSecond) {}

    public Result harvest(
            HookPoint hook,
            Corpus corpus,
            Path out,
            HarvestOptions asked,
            ProgressListener progress,
            Cancellation cancel)
            throws IOException, CancelledException {
        model.hook(hook);
        // a model whose tokenizer adds a BOS (Llama, Gemma) reads every window after it
        HarvestOptions opts = model.bosId() >= 0 ? asked.withPrependBos(true) : asked;
        int d = model.width(hook);
        int window = opts.window();
        int rowsPerChunk = opts.rowsPerChunk(d);
        String modelHash = modelHash();
        String tokenizerHash = ContentHash.sha256(model.tokenizer().file());
        String corpusHash = corpus.contentHash();
        long windowsWanted = (opts.tokens() + window - 1) / window;
        int stride = opts.corpusTokensPerWindow();
        Long bos = opts.prependBos() ? bosTokenId(model) : null;
        Manifest fresh = Manifest.builder()
                .model(model.dir().toAbsolutePath().normalize().toString())
                .modelHash(modelHash)
                .hook(hook)
                .d(d)
                .dtype(opts.dtype().safetensorsName())
                .window(window)
                .tokenizerHash(tokenizerHash)
                .corpus(corpus.path().toAbsolutePath().normalize().toString())
                .corpusHash(corpusHash)
                .order((opts.documentStarts() ? "document-starts" : "packed") + (opts.shuffle() ? ", shuffled" : ""))
                .seed(opts.seed())
                .targetRows(windowsWanted * window)
                .rowsPerChunk(rowsPerChunk)
                .bosTokenId(bos)
                .products(model.weightPrecision().products())
                .build();
        Manifest manifest = fresh.resumeOrCreate(out);

        Path tokenFile = out.resolve(CorpusTokens.FILE);
        // Shuffled or document-aligned windows are drawn from the whole corpus; packed ones need only its start.
        long need = opts.shuffle() || opts.documentStarts() ? 0 : windowsWanted * stride;
        if (!Files.isRegularFile(tokenFile) || encodedTooLittle(tokenFile, need)) {
            Map<String, String> meta = new LinkedHashMap<>();
            meta.put("corpus_sha256", corpusHash);
            meta.put("tokenizer_sha256", tokenizerHash);
            meta.put("max_tokens", Long.toString(need));
            meta.put("end_of_text_id", Long.toString(model.tokenizer().endOfTextId()));
            CorpusTokens.write(corpus, model.tokenizer(), need, tokenFile, meta, progress, cancel);
        }
        long t0 = System.nanoTime();
        long rowsWritten = 0;
        try (CorpusTokens tokens = CorpusTokens.open(tokenFile)) {
            if (!corpusHash.equals(tokens.metadata().get("corpus_sha256"))) {
                throw new InvalidInputException(
                        tokenFile, "was encoded from another corpus; remove it or harvest into a new folder");
            }
            long[] starts =
                    opts.documentStarts() ? tokens.documentWindowStarts(stride) : tokens.packedWindowStarts(stride);
            long[] order = windowOrder(starts, windowsWanted, opts);
            long totalRows = (long) order.length * window;
            if (order.length == 0) {
                throw new InvalidInputException(corpus.path(), "too short: not one window of " + window + " tokens");
            }
            if (manifest.targetRows() != totalRows) {
                manifest = manifest.toBuilder()
                        .d(d)
                        .window(window)
                        .tokenizerHash(tokenizerHash)
                        .corpusHash(corpusHash)
                        .targetRows(totalRows)
                        .rowsPerChunk(rowsPerChunk)
                        .complete(false)
                        .build();
            }
            int windowsPerChunk = rowsPerChunk / window;
            int chunkCount = (int) ((order.length + windowsPerChunk - 1) / windowsPerChunk);
            List<Manifest.Chunk> done = new ArrayList<>(manifest.chunks());
            ExecutorService writer = Executors.newSingleThreadExecutor(r -> {
                Thread t = new Thread(r, "harvest-writer");
                t.setDaemon(true);
                return t;
            });
            Future<?> pending = null;
            try {
                for (int c = done.size(); c < chunkCount; c++) {
                    int from = c * windowsPerChunk;
                    int to = Math.min(order.length, from + windowsPerChunk);
                    long[] chunkWindows = java.util.Arrays.copyOfRange(order, from, to);
                    ByteBuffer rows = harvestChunk(
                            hook,
                            tokens,
                            chunkWindows,
                            opts,
                            bos,
                            progress,
                            cancel,
                            (long) from * window,
                            totalRows,
                            t0,
                            rowsWritten);
                    rowsWritten += (long) chunkWindows.length * window;
                    await(pending);
                    final int index = c;
                    final Manifest base = manifest;
                    pending = writer.submit(() -> {
                        String name = String.format("chunk-%05d.safetensors", index);
                        Map<String, Tensor> tensors = new LinkedHashMap<>();
                        tensors.put(
                                ActivationSet.ACTIVATIONS,
                                new Tensor(opts.dtype(), new long[] {(long) chunkWindows.length * window, d}, rows));
                        tensors.put(
                                ActivationSet.WINDOW_STARTS,
                                Tensor.ofLongs(new long[] {chunkWindows.length}, chunkWindows));
                        Safetensors.write(out.resolve(name), tensors, Map.of("hook", hook.name()));
                        synchronized (done) {
                            done.add(new Manifest.Chunk(name, (long) chunkWindows.length * window));
                            base.withChunks(done, done.size() == chunkCount).write(out);
                        }
                        return null;
                    });
                }
                await(pending);
            } finally {
                writer.shutdown();
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            progress.onProgress(
                    new Progress(1.0, "harvested " + totalRows + " rows", rowsWritten / seconds, "tokens/s", 0));
            return new Result(out, manifest.withChunks(done, true).rows(), rowsWritten, seconds, rowsWritten / seconds);
        }
    }

    /** Whether an earlier harvest encoded only a prefix of the corpus shorter than this one needs (the prefix is the same). */
    private static boolean encodedTooLittle(Path tokenFile, long need) throws IOException {
        try (CorpusTokens t = CorpusTokens.open(tokenFile)) {
            long max = Long.parseLong(t.metadata().getOrDefault("max_tokens", "0"));
            return max > 0 && (need == 0 || (max < need && t.size() >= max));
        }
    }

    /** Runs the model over one chunk's windows in batches and returns its rows in the storage dtype. */
    private ByteBuffer harvestChunk(
            HookPoint hook,
            CorpusTokens tokens,
            long[] windows,
            HarvestOptions opts,
            Long bos,
            ProgressListener progress,
            Cancellation cancel,
            long rowsBefore,
            long totalRows,
            long t0,
            long rowsWrittenBefore)
            throws CancelledException {
        int window = opts.window();
        int d = model.width(hook);
        ByteBuffer out = ByteBuffer.allocateDirect(Math.multiplyExact(
                        windows.length * window * d, opts.dtype().byteSize()))
                .order(ByteOrder.LITTLE_ENDIAN);
        Hooks hooks = Hooks.builder().capture(hook).build();
        DataType storage = opts.dtype().engineType();
        for (int b = 0; b < windows.length; b += opts.batchWindows()) {
            cancel.check();
            int n = Math.min(opts.batchWindows(), windows.length - b);
            long[][] ids = new long[n][];
            for (int i = 0; i < n; i++) {
                ids[i] = windowIds(tokens, windows[b + i], window, bos);
            }
            try (NDManager scope = model.newScope()) {
                NDArray acts =
                        model.run(model.idsArray(scope, ids), hooks).captures().get(hook); // [n, T, D]
                NDArray stored = acts.getDataType() == storage ? acts : acts.toType(storage, false);
                out.put(stored.toByteBuffer());
            }
            long setRows = rowsBefore + (long) (b + n) * window;
            double rate = (rowsWrittenBefore + (long) (b + n) * window) / ((System.nanoTime() - t0) / 1e9);
            progress.onProgress(new Progress(
                    (double) setRows / totalRows,
                    "harvesting " + hook + ": " + setRows + " / " + totalRows + " tokens",
                    rate,
                    "tokens/s",
                    (totalRows - setRows) / rate));
        }
        return out.flip();
    }

    /** A window's ids: {@code window} corpus tokens from {@code start}, or the BOS and then window − 1 of them. */
    public static long[] windowIds(CorpusTokens tokens, long start, int window, Long bos) {
        if (bos == null) {
            return tokens.window(start, window);
        }
        long[] ids = new long[window];
        ids[0] = bos;
        System.arraycopy(tokens.window(start, window - 1), 0, ids, 1, window - 1);
        return ids;
    }

    /** The model's BOS id: config.json's bos_token_id, else the tokenizer's end-of-text (GPT-2 and Pythia use one token for both). */
    static long bosTokenId(LanguageModel model) throws IOException {
        if (model.bosId() >= 0) {
            return model.bosId(); // the token its tokenizer puts first
        }
        org.sparsescope.compute.JsonInput in = org.sparsescope.compute.JsonInput.of(
                model.dir().resolve(org.sparsescope.compute.model.TransformerConfig.FILE));
        Long bos = in.longValue(in.readObject(), "bos_token_id");
        if (bos != null) {
            return bos;
        }
        return model.tokenizer().endOfTextId();
    }

    private static void await(Future<?> f) throws IOException {
        if (f == null) {
            return;
        }
        try {
            f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while writing a chunk", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            throw new IOException("writing a chunk failed: " + e.getCause(), e.getCause());
        }
    }

    /** The window starts to harvest, in order: the first n, or the first n of a seeded shuffle of all of them. */
    static long[] windowOrder(long[] starts, long wanted, HarvestOptions opts) {
        int n = (int) Math.min(starts.length, wanted);
        if (!opts.shuffle()) {
            return java.util.Arrays.copyOf(starts, n);
        }
        int[] perm = TrainingStream.permutation(starts.length, new Random(opts.seed()));
        long[] order = new long[n];
        for (int i = 0; i < n; i++) {
            order[i] = starts[perm[i]];
        }
        return order;
    }
}
