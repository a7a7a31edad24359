package org.sparsescope.compute.handoff;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import java.io.BufferedOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.sparsescope.compute.InvalidInputException;
import org.sparsescope.compute.activations.ActivationSet;
import org.sparsescope.compute.dictionary.Codec;
import org.sparsescope.compute.dictionary.Dictionary;
import org.sparsescope.compute.dictionary.NonZeroCodes;
import org.sparsescope.compute.tensor.AtomicFile;
import org.sparsescope.compute.tensor.DType;
import org.sparsescope.compute.tensor.Half;
import org.sparsescope.compute.tensor.Safetensors;
import org.sparsescope.compute.tensor.Tensor;
import org.sparsescope.compute.work.Cancellation;
import org.sparsescope.compute.work.CancelledException;
import org.sparsescope.compute.work.Progress;
import org.sparsescope.compute.work.ProgressListener;

/**
 * A dictionary's codes on an activation set as delphi's latent cache (EleutherAI/delphi 3c2e139,
 * {@code latents/cache.py} {@code save_splits} and {@code save_config}), so delphi explains and scores on a GPU box
 * without running the model again: {@code {module}/{start}_{end}.safetensors} per split of the latents, each with
 * {@code locations} [n, 3] (window, position, latent − start), {@code activations} [n] in float16 and the
 * {@code tokens} [windows, context] of the set, and {@code {module}/config.json}. As delphi keeps them, a code is
 * kept when its magnitude exceeds 1e-5. Locations are int32 (delphi's loader takes any integer type; it writes
 * uint16 where they fit). The codes are spilled to disk split by split while the set is encoded, so memory holds one
 * batch whatever the set's size.
 */
public final class DelphiLatentCache {
    private DelphiLatentCache() {}

    /** delphi's threshold: {@code torch.nonzero(latents.abs() > 1e-5)}. */
    public static final float THRESHOLD = 1e-5f;

    public record Result(Path moduleDir, long windows, int context, long codes, int splits, double seconds) {}

    /**
     * The first latent of each split and the width at the end, as {@code torch.linspace(0, width, splits + 1).long()}
     * computes them (in float32, halves from each end, truncated).
     */
    static long[] boundaries(int width, int splits) {
        long[] out = new long[splits + 1];
        float step = (float) width / splits;
        int half = (splits + 1) / 2;
        for (int i = 0; i <= splits; i++) {
            float v = i < half ? 0f + step * i : width - step * (splits - i);
            out[i] = (long) v;
        }
        return out;
    }

    /**
     * Encodes every whole window of {@code set} with {@code dictionary} and writes the cache under
     * {@code out/module} (new). {@code dataset} and {@code model} fill the config delphi reads back.
     */
    public static Result export(
            Dictionary dictionary,
            ActivationSet set,
            Path out,
            String module,
            String model,
            String dataset,
            int splits,
            Device device,
            ProgressListener progress,
            Cancellation cancel)
            throws IOException, CancelledException {
        long t0 = System.nanoTime();
        if (!set.hasTokens()) {
            throw new InvalidInputException(
                    set.location(), "records no token windows, and delphi shows each latent's examples as text");
        }
        if (splits < 1 || splits > dictionary.dSae()) {
            throw new IllegalArgumentException("splits " + splits + ": 1 … " + dictionary.dSae());
        }
        int ctx = set.manifest().window();
        long windows = set.rows() / ctx;
        if (windows == 0) {
            throw new InvalidInputException(set.location(), "not one whole window of " + ctx + " rows");
        }
        Path moduleDir = out.resolve(module);
        if (Files.exists(moduleDir)) {
            throw new InvalidInputException(moduleDir, "exists; choose a new folder");
        }
        Files.createDirectories(out);
        Path temp = Files.createTempDirectory(out, "." + module + ".tmp");
        long[] edges = boundaries(dictionary.dSae(), splits);
        long codes = 0;
        try {
            DataOutputStream[] loc = new DataOutputStream[splits], act = new DataOutputStream[splits];
            long[] counts = new long[splits];
            try {
                for (int s = 0; s < splits; s++) {
                    loc[s] = new DataOutputStream(
                            new BufferedOutputStream(Files.newOutputStream(temp.resolve(s + ".loc")), 1 << 20));
                    act[s] = new DataOutputStream(
                            new BufferedOutputStream(Files.newOutputStream(temp.resolve(s + ".act")), 1 << 20));
                }
                int[] splitOf = new int[dictionary.dSae()];
                for (int s = 0; s < splits; s++) {
                    for (long f = edges[s]; f < edges[s + 1]; f++) {
                        splitOf[(int) f] = s;
                    }
                }
                int batchWindows = Math.max(1, 4096 / ctx);
                try (NDManager weights = NDManager.newBaseManager(device)) {
                    Codec codec = dictionary.codec(weights);
                    for (long w = 0; w < windows; w += batchWindows) {
                        cancel.check();
                        int nw = (int) Math.min(batchWindows, windows - w);
                        float[] x = set.readRows(w * ctx, nw * ctx);
                        NonZeroCodes nz;
                        try (NDManager scope = weights.newSubManager()) {
                            nz = NonZeroCodes.of(codec.encode(scope.create(x, new Shape(nw * ctx, set.d()))));
                        }
                        for (int i = 0; i < nz.size(); i++) {
                            float v = nz.value()[i];
                            if (!(Math.abs(v) > THRESHOLD)) {
                                continue;
                            }
                            int f = nz.feature()[i], s = splitOf[f];
                            int row = nz.row()[i];
                            loc[s].writeInt(Integer.reverseBytes(Math.toIntExact(w + row / ctx)));
                            loc[s].writeInt(Integer.reverseBytes(row % ctx));
                            loc[s].writeInt(Integer.reverseBytes((int) (f - edges[s])));
                            act[s].writeShort(Short.reverseBytes(Half.fromFloat(v)));
                            counts[s]++;
                        }
                        progress.onProgress(Progress.of(
                                w + nw,
                                windows,
                                (System.nanoTime() - t0) / 1e9,
                                "windows",
                                "delphi latent cache: " + (w + nw) + " of " + windows + " windows"));
                    }
                }
            } finally {
                for (int s = 0; s < splits; s++) {
                    if (loc[s] != null) {
                        loc[s].close();
                    }
                    if (act[s] != null) {
                        act[s].close();
                    }
                }
            }
            Tensor tokens = tokens(set, windows, ctx);
            Path staged = temp.resolve("module");
            Files.createDirectories(staged);
            for (int s = 0; s < splits; s++) {
                codes += counts[s];
                try (FileChannel l = FileChannel.open(temp.resolve(s + ".loc"));
                        FileChannel a = FileChannel.open(temp.resolve(s + ".act"))) {
                    Map<String, Tensor> t = new LinkedHashMap<>();
                    t.put("locations", new Tensor(DType.I32, new long[] {counts[s], 3}, map(l)));
                    t.put("activations", new Tensor(DType.F16, new long[] {counts[s]}, map(a)));
                    t.put("tokens", tokens);
                    Safetensors.write(staged.resolve(edges[s] + "_" + (edges[s + 1] - 1) + ".safetensors"), t);
                }
            }
            AtomicFile.writeString(staged.resolve("config.json"), config(model, dataset, ctx, windows * ctx, splits));
            Files.move(staged, moduleDir, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } finally {
            AtomicFile.deleteTree(temp);
        }
        return new Result(moduleDir, windows, ctx, codes, splits, (System.nanoTime() - t0) / 1e9);
    }

    private static MappedByteBuffer map(FileChannel ch) throws IOException {
        if (ch.size() > Integer.MAX_VALUE) {
            throw new IOException("a split of more than 2 GB: ask for more splits");
        }
        MappedByteBuffer b = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size());
        b.order(ByteOrder.LITTLE_ENDIAN);
        return b;
    }

    /** The set's windows' token ids, [windows, context] int32. */
    static Tensor tokens(ActivationSet set, long windows, int ctx) throws IOException {
        return new Tensor(
                DType.I32,
                new long[] {windows, ctx},
                SaeLensCachedActivations.tokenIds(set, 0, Math.toIntExact(windows), ctx));
    }

    /** delphi's CacheConfig as save_config writes it, with the model's name. */
    static String config(String model, String dataset, int ctx, long tokens, int splits) {
        JsonObject o = new JsonObject();
        o.addProperty("dataset_repo", dataset == null ? "" : dataset);
        o.addProperty("dataset_split", "");
        o.addProperty("dataset_name", "");
        o.addProperty("dataset_column", "text");
        o.addProperty("batch_size", 32);
        o.addProperty("cache_ctx_len", ctx);
        o.addProperty("n_tokens", tokens);
        o.addProperty("n_splits", splits);
        o.addProperty("model_name", model == null ? "" : model);
        return new GsonBuilder()
                .setPrettyPrinting()
                .disableHtmlEscaping()
                .create()
                .toJson(o);
    }
}
