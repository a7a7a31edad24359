package org.sparsescope.compute.handoff;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.sparsescope.compute.InvalidInputException;
import org.sparsescope.compute.activations.ActivationSet;
import org.sparsescope.compute.model.HookPoint;
import org.sparsescope.compute.tensor.DType;
import org.sparsescope.compute.tensor.Tensor;
import org.sparsescope.compute.work.Cancellation;
import org.sparsescope.compute.work.CancelledException;
import org.sparsescope.compute.work.Progress;
import org.sparsescope.compute.work.ProgressListener;

/**
 * An activation set as SAELens's cached activations (what {@code CacheActivationsRunner} writes and
 * {@code ActivationsStore} reads with {@code use_cached_activations}): one example per token window, the hook's
 * column an {@code Array2D(context, d_in)} in the set's own precision (float16 or float32; other stored types as
 * float32), and {@code token_ids} as int32 sequences when the set records its tokens. Streamed: memory holds one
 * batch of windows whatever the set's size.
 */
public final class SaeLensCachedActivations {
    private SaeLensCachedActivations() {}

    /** Bytes of activations per record batch: large enough to stream fast, small enough for any machine. */
    static final long BATCH_BYTES = 32L << 20;

    /**
     * @param examples windows written (each {@code context} rows)
     * @param rowsLeftOut the set's rows after the last whole window
     */
    public record Result(
            Path out,
            HookPoint hook,
            int context,
            int d,
            String dtype,
            long examples,
            long rowsLeftOut,
            boolean tokenIds,
            int shards,
            double seconds) {
        public double rowsPerSecond() {
            return examples * (double) context / Math.max(seconds, 1e-9);
        }
    }

    /**
     * Writes {@code set} to {@code out} (new or empty). The column is named after the set's hook, or {@code hook} when
     * given (a foreign set records none). A set with token windows uses their length as the context; a set without
     * needs {@code context} &gt; 0, and then has no {@code token_ids}.
     */
    public static Result export(
            ActivationSet set, Path out, HookPoint hook, int context, ProgressListener progress, Cancellation cancel)
            throws IOException, CancelledException {
        long t0 = System.nanoTime();
        HookPoint point = hook != null ? hook : set.hook();
        if (point == null) {
            throw new InvalidInputException(
                    set.location(), "records no hook; name the one its rows were read at (SAELens's hook_name)");
        }
        String column = point.name(); // SAELens names the column after hook_name
        boolean tokens = set.hasTokens();
        int ctx = tokens ? set.manifest().window() : context;
        if (ctx <= 0) {
            throw new InvalidInputException(
                    set.location(), "records no token windows; give the context length its rows were read with");
        }
        if (tokens && context > 0 && context != ctx) {
            throw new InvalidInputException(
                    set.location(), "was harvested in windows of " + ctx + " tokens, not " + context);
        }
        long examples = set.rows() / ctx;
        if (examples == 0) {
            throw new InvalidInputException(set.location(), "holds " + set.rows() + " rows: not one window of " + ctx);
        }
        String dtype = set.dtype() == DType.F16 ? "float16" : "float32";
        int d = set.d();
        var acts = new HfDataset.Array2D(column, ctx, d, dtype);
        List<HfDataset.Feature> features = new ArrayList<>(List.of(acts));
        if (tokens) {
            features.add(new HfDataset.IntSequence("token_ids", ctx));
        }
        int perBatch = (int) Math.max(1, Math.min(examples, BATCH_BYTES / acts.bytesPerExample()));
        int shards;
        try (HfDatasetWriter w = new HfDatasetWriter(out, features, examples)) {
            shards = w.shards();
            for (long e = 0; e < examples; e += perBatch) {
                cancel.check();
                int n = (int) Math.min(perBatch, examples - e);
                ByteBuffer values = rows(set, e * ctx, (long) n * ctx, dtype);
                Map<String, ByteBuffer> batch = new java.util.HashMap<>();
                batch.put(column, values);
                if (tokens) {
                    batch.put("token_ids", tokenIds(set, e, n, ctx));
                }
                w.write(n, batch);
                long rowsDone = (e + n) * ctx;
                progress.onProgress(Progress.of(
                        rowsDone,
                        examples * ctx,
                        (System.nanoTime() - t0) / 1e9,
                        "rows",
                        "SAELens cached activations: " + (e + n) + " of " + examples + " windows"));
            }
            w.commit(fingerprint(set));
        }
        return new Result(
                out,
                point,
                ctx,
                d,
                dtype,
                examples,
                set.rows() - examples * ctx,
                tokens,
                shards,
                (System.nanoTime() - t0) / 1e9);
    }

    /** Rows [first, first + count) as little-endian float16 (a float16 set's bits as stored) or float32. */
    static ByteBuffer rows(ActivationSet set, long first, long count, String dtype) throws IOException {
        int width = dtype.equals("float16") ? 2 : 4;
        ByteBuffer out =
                ByteBuffer.allocate(Math.toIntExact(count * set.d() * width)).order(ByteOrder.LITTLE_ENDIAN);
        long row = first;
        while (row < first + count) {
            int c = set.chunkOf(row);
            long inChunk = row - set.chunkFirstRow(c);
            long take = Math.min(first + count - row, set.chunkRows(c) - inChunk);
            Tensor t = set.readChunkRows(c, inChunk, take);
            if (width == 2) {
                out.put(t.data().duplicate().order(ByteOrder.LITTLE_ENDIAN));
            } else {
                for (float v : t.floats()) {
                    out.putFloat(v);
                }
            }
            row += take;
        }
        return out.flip();
    }

    /** The token ids of windows [first, first + n), each window's from its first row. */
    static ByteBuffer tokenIds(ActivationSet set, long first, int n, int ctx) throws IOException {
        ByteBuffer out = ByteBuffer.allocate(n * ctx * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < n; i++) {
            long row = (first + i) * ctx;
            ActivationSet.TokenContext c = set.context(row)
                    .orElseThrow(() -> new InvalidInputException(set.location(), "row " + row + " has no tokens"));
            if (c.position() != 0 || c.tokenIds().length != ctx) {
                throw new InvalidInputException(
                        set.location(), "row " + row + " does not start a window of " + ctx + " tokens");
            }
            for (long id : c.tokenIds()) {
                out.putInt(Math.toIntExact(id));
            }
        }
        return out.flip();
    }

    /**
     * datasets' fingerprint names a version of a dataset for its cache (it draws a random one on save); ours is
     * derived from the set's location and size, so the same export names itself the same.
     */
    static String fingerprint(ActivationSet set) {
        long h = set.location().toAbsolutePath().normalize().toString().hashCode() * 0x9E3779B97F4A7C15L
                ^ set.rows() * 0xC2B2AE3D27D4EB4FL
                ^ set.d();
        return String.format(java.util.Locale.ROOT, "%016x", h);
    }
}
