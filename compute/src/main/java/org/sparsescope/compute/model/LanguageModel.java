package org.sparsescope.compute.model;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.sparsescope.compute.Devices;
import org.sparsescope.compute.InvalidInputException;
import org.sparsescope.compute.tensor.Checkpoint;
import org.sparsescope.compute.tensor.Tensor;

/**
 * A Hugging Face causal language model (GPT-NeoX, GPT-2, Llama, Qwen, Gemma 2/3) run in DJL, float32 between
 * products and in products as {@link WeightPrecision} says, with TransformerLens hook points that a pass can capture
 * or replace. Owns its weights' NDManager; close it to free them.
 */
public final class LanguageModel implements AutoCloseable {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(LanguageModel.class);

    private final Path dir;
    private final TransformerConfig config;
    private final Tokenizer tokenizer;
    private final NDManager manager;
    private final TransformerFamily family;
    private final WeightPrecision weights;

    private LanguageModel(
            Path dir,
            TransformerConfig config,
            Tokenizer tokenizer,
            NDManager manager,
            TransformerFamily family,
            WeightPrecision weights) {
        this.dir = dir;
        this.config = config;
        this.tokenizer = tokenizer;
        this.manager = manager;
        this.family = family;
        this.weights = weights;
    }

    /** How the weights are held and multiplied: FLOAT32, COMPACT or BF16, never AUTO. */
    public WeightPrecision weightPrecision() {
        return weights;
    }

    public static LanguageModel load(Path dir) throws IOException {
        return load(dir, Devices.preferred());
    }

    public static LanguageModel load(Path dir, Device device) throws IOException {
        return load(dir, device, LoadProgress.SILENT);
    }

    /** Loads the model, telling {@code progress} as each block's weights arrive; weights held as the setting says. */
    public static LanguageModel load(Path dir, Device device, LoadProgress progress) throws IOException {
        return load(dir, device, progress, WeightPrecision.fromSettings());
    }

    /** Loads the model with its weights held as {@code precision} asks ({@link WeightPrecision}). */
    public static LanguageModel load(Path dir, Device device, LoadProgress progress, WeightPrecision precision)
            throws IOException {
        TransformerConfig config = TransformerConfig.read(dir);
        Tokenizer tokenizer = Tokenizer.load(dir);
        NDManager manager = NDManager.newBaseManager(device);
        try (Checkpoint ckpt = Checkpoint.open(dir)) {
            long free =
                    MemoryInfo.availableBytes(); // one reading decides both how weights are held and whether they fit
            WeightPrecision held = held(
                    config,
                    device,
                    precision,
                    memoryNeeded(ckpt, false),
                    free,
                    org.sparsescope.compute.bench.MatmulSpeed::bf16Speedup);
            if (held == WeightPrecision.BF16 && precision == WeightPrecision.BF16) {
                double speedup = org.sparsescope.compute.bench.MatmulSpeed.bf16Speedup();
                if (speedup < 1) {
                    LOG.warn(
                            "bf16 products were asked for, and run at {}× the float32 rate on this CPU (no bf16"
                                    + " instructions): compact weights would hold {} in as little memory, faster",
                            String.format(java.util.Locale.ROOT, "%.2f", speedup),
                            dir);
                }
            }
            boolean sixteenBit = held != WeightPrecision.FLOAT32;
            if (!device.isGpu()) {
                requireMemory(dir, ckpt, free, sixteenBit);
            }
            Bf16Kernel bf16 = null;
            if (held == WeightPrecision.BF16) {
                try {
                    bf16 = Bf16Kernel.load(manager);
                } catch (IOException e) {
                    if (precision == WeightPrecision.BF16) {
                        throw e; // asked for by name: say why not
                    }
                    LOG.warn(
                            "bf16 products unavailable ({}); holding {}'s matrices compact instead",
                            e.getMessage(),
                            dir);
                    held = WeightPrecision.COMPACT;
                }
            }
            WeightLoader weights =
                    new WeightLoader(ckpt, manager, device, progress, held == WeightPrecision.COMPACT, bf16);
            Nn.Constants constants = new Nn.Constants(manager);
            TransformerFamily family = switch (config.architecture()) {
                case GPT_NEOX -> new GptNeoX(config, weights, constants);
                case GPT2 -> new Gpt2(config, weights, constants);
                case LLAMA, QWEN2, QWEN3, GEMMA2, GEMMA3 -> new PreNormDecoder(config, weights, constants);
            };
            // a float32 checkpoint asked for at 16 bits holds (and multiplies) everything in float32, and says so
            return new LanguageModel(
                    dir,
                    config,
                    tokenizer,
                    manager,
                    family,
                    weights.heldAtSixteenBits() ? held : WeightPrecision.FLOAT32);
        } catch (IOException | RuntimeException e) {
            manager.close();
            tokenizer.close();
            throw e;
        }
    }

    /**
     * How the weight matrices are held ({@link WeightPrecision}): 16-bit holdings only for the pre-norm decoder
     * families (the large ones) on the CPU. AUTO holds them at 16 bits when the float32 weights ({@code float32Need}
     * bytes with a forward pass) would not fit in {@code free} bytes (0 when unknown), in float32 otherwise; at 16
     * bits, in bf16 where bf16 products are faster than float32 ones on this CPU ({@code bf16Speedup}, asked only
     * then), compact otherwise: a CPU without bf16 instructions multiplies bf16 several times slower than float32
     * (measured on an AMD EPYC without AVX-512: 16–18 against 82–101 GFLOP/s), while compact storage saves the same
     * memory and keeps float32's rate and numbers.
     */
    static WeightPrecision held(
            TransformerConfig config,
            Device device,
            WeightPrecision setting,
            long float32Need,
            long free,
            java.util.function.DoubleSupplier bf16Speedup) {
        boolean decoder = switch (config.architecture()) {
            case LLAMA, QWEN2, QWEN3, GEMMA2, GEMMA3 -> true;
            case GPT_NEOX, GPT2 -> false;
        };
        if (!decoder || device.isGpu()) {
            return WeightPrecision.FLOAT32;
        }
        if (setting != WeightPrecision.AUTO) {
            return setting;
        }
        if (free <= 0 || float32Need <= free) {
            return WeightPrecision.FLOAT32;
        }
        double speedup = bf16Speedup.getAsDouble();
        WeightPrecision chosen = speedup > 1 ? WeightPrecision.BF16 : WeightPrecision.COMPACT;
        LOG.info(
                "float32 weights would need {} GB, {} GB free; bf16 products run at {}× the float32 rate here: {}",
                String.format(java.util.Locale.ROOT, "%.1f", float32Need / 1e9),
                String.format(java.util.Locale.ROOT, "%.1f", free / 1e9),
                String.format(java.util.Locale.ROOT, "%.2f", speedup),
                chosen.heldAs());
        return chosen;
    }

    /** The weights' bytes in the engine: float32, or with a 16-bit checkpoint's matrices at 2 bytes when compact. */
    static long weightBytes(Checkpoint ckpt, boolean compact) {
        long bytes = 0;
        for (String n : ckpt.names()) {
            var info = ckpt.info(n);
            if (info.isEmpty()) {
                continue;
            }
            var t = info.get();
            boolean half = compact
                    && t.shape().length == 2
                    && (t.dtype() == org.sparsescope.compute.tensor.DType.BF16
                            || t.dtype() == org.sparsescope.compute.tensor.DType.F16);
            bytes += (half ? 2 : 4) * t.numel();
        }
        return bytes;
    }

    /**
     * The memory a model needs: its weights as held, a twentieth more and 5.5 GB for the engine, the JVM and a
     * forward pass's arrays (Gemma's 256k-wide logits the largest), and in float32 twice its largest tensor, which
     * is read in pieces and joined. Calibrated on peaks measured with {@code bench lm} (window 128, 4 windows):
     * compact Llama-3.2-1B 4.8–5.1 GB of 2.5, Gemma-2-2B 10.3 of 5.2 (7.7 since its logits are done in pieces),
     * Llama-3.1-8B 19.5–19.9 of 16.1; float32 Llama-3.2-1B 8.1 of 4.9, Gemma-2-2B 18.7 of 10.5 (its embedding 2.4 GB).
     */
    static long memoryNeeded(Checkpoint ckpt, boolean compact) {
        long largest = 0;
        if (!compact) {
            for (String n : ckpt.names()) {
                largest = Math.max(
                        largest,
                        4
                                * ckpt.info(n)
                                        .map(org.sparsescope.compute.tensor.TensorInfo::numel)
                                        .orElse(0L));
            }
        }
        return weightBytes(ckpt, compact) * 21 / 20 + 5_500_000_000L + 2 * largest;
    }

    /**
     * Refuses, before anything is read, a model whose weights as they will be held would not fit in the memory the
     * machine has free: a typed error naming the need, rather than the kernel's OOM killer.
     */
    static void requireMemory(Path dir, Checkpoint ckpt, long availableBytes, boolean compact)
            throws UnsupportedModelException {
        long need = memoryNeeded(ckpt, compact);
        if (availableBytes > 0 && need > availableBytes) {
            throw new UnsupportedModelException(
                    dir,
                    String.format(
                            "needs about %.1f GB for its weights %s and a forward pass; this machine has %.1f GB of"
                                    + " memory free%s",
                            need / 1e9,
                            compact ? "with its matrices at 16 bits (bf16 or compact weights)" : "in float32",
                            availableBytes / 1e9,
                            compact
                                    ? ""
                                    : " (for a Llama, Qwen or Gemma checkpoint in bf16 or fp16,"
                                            + " SPARSESCOPE_WEIGHTS=bf16 or compact holds its matrices in half the"
                                            + " memory)"));
        }
    }

    public Path dir() {
        return dir;
    }

    public TransformerConfig config() {
        return config;
    }

    public Tokenizer tokenizer() {
        return tokenizer;
    }

    /** Where the weights live, as the engine names it ("cpu()", "gpu(0)"), for reports outside compute. */
    public String deviceName() {
        return device().toString();
    }

    public Device device() {
        return manager.getDevice();
    }

    /** A child scope of the model's manager on its device, for one batch's arrays. */
    public NDManager newScope() {
        return manager.newSubManager();
    }

    /** Every hook point this model has, in forward order. */
    public List<HookPoint> hookPoints() {
        return hookPoints(config);
    }

    /** The hook points a model of this shape has, read from its config alone (no weights loaded). */
    public static List<HookPoint> hookPoints(TransformerConfig config) {
        List<HookPoint> out = new ArrayList<>();
        if (config.architecture() != TransformerConfig.Architecture.GPT2) {
            out.add(HookPoint.embed()); // GPT-2 adds its position embedding before the first block reads it
        }
        for (int l = 0; l < config.nLayers(); l++) {
            out.add(HookPoint.of(l, HookPoint.Kind.RESID_PRE));
            out.add(HookPoint.of(l, HookPoint.Kind.ATTN_Z));
            out.add(HookPoint.of(l, HookPoint.Kind.ATTN_OUT));
            if (!config.parallelResidual()) {
                out.add(HookPoint.of(l, HookPoint.Kind.RESID_MID));
            }
            out.add(HookPoint.of(l, HookPoint.Kind.LN2_NORMALIZED));
            out.add(HookPoint.of(l, HookPoint.Kind.MLP_OUT));
            out.add(HookPoint.of(l, HookPoint.Kind.RESID_POST));
        }
        out.add(HookPoint.parse(HookPoint.FINAL));
        return out;
    }

    /** The hook called {@code name}, or an error naming the model folder and the hooks it has. */
    public HookPoint hook(String name) throws InvalidInputException {
        return hook(dir, config, name);
    }

    /** {@code point}, when this model has it; else an error naming the model folder and the hooks it has. */
    public HookPoint hook(HookPoint point) throws InvalidInputException {
        return has(dir, config, point, point.describe());
    }

    /** The hook called {@code name} in the model folder {@code dir}, read in its family (its config, not its weights). */
    public static HookPoint hook(Path dir, String name) throws IOException {
        return hook(dir, TransformerConfig.read(dir), name);
    }

    /** {@code point}, when the model folder {@code dir} has it (read from its config, not its weights). */
    public static HookPoint hook(Path dir, HookPoint point) throws IOException {
        return has(dir, TransformerConfig.read(dir), point, point.describe());
    }

    /**
     * The hook called {@code name} in the model at {@code dir} of this config (read without its weights), or an
     * error naming the folder and the hooks the model has: checked before anything is harvested or measured.
     */
    public static HookPoint hook(Path dir, TransformerConfig config, String name) throws InvalidInputException {
        HookPoint h;
        try {
            // a module path is read in this model's family first: some mean different places in different families
            h = ModulePaths.parse(name, config.architecture());
            if (h == null) {
                h = HookPoint.parse(name);
            }
        } catch (IllegalArgumentException e) {
            throw new InvalidInputException(dir, e.getMessage());
        }
        return has(dir, config, h, name);
    }

    private static HookPoint has(Path dir, TransformerConfig config, HookPoint h, String name)
            throws InvalidInputException {
        if (h.head() != null) {
            throw new InvalidInputException(
                    dir,
                    name + " is one attention head's slice of attn.hook_z; Sparsescope runs dictionaries of every"
                            + " head together (attn.hook_z, heads × head_dim wide), not of one head");
        }
        if (!hookPoints(config).contains(h)) {
            throw new InvalidInputException(
                    dir,
                    h.kind() == HookPoint.Kind.EMBED
                            ? "GPT-2's hook_embed is its token embedding before the position embedding is added, which"
                                    + " Sparsescope does not capture; blocks.0.hook_resid_pre is the sum the first"
                                    + " block reads"
                            : "this " + config.architecture() + " model has no hook '" + name + "' (it has "
                                    + config.nLayers() + " layers, blocks.0 … blocks." + (config.nLayers() - 1)
                                    + (config.parallelResidual()
                                            ? ", and no hook_resid_mid as its residual is parallel"
                                            : "")
                                    + ")");
        }
        return h;
    }

    /** The width of the activations at {@code hook}: d_model, or heads × head_dim at attn.hook_z. */
    public int width(HookPoint hook) {
        return width(config, hook);
    }

    public static int width(TransformerConfig config, HookPoint hook) {
        return hook.kind() == HookPoint.Kind.ATTN_Z ? config.nHeads() * config.headSize() : config.dModel();
    }

    /**
     * The token every window starts with when this model's tokenizer adds one (Llama 3's
     * {@code <|begin_of_text|>}, Gemma's {@code <bos>}); -1 when it adds none (GPT-2, Pythia, Qwen).
     */
    public long bosId() {
        return tokenizer.bosId();
    }

    /**
     * Consecutive windows of {@code window} tokens as this model reads text: on a model with a BOS, each window is
     * the BOS and then window − 1 text tokens, as its tokenizer would encode each window; otherwise window text
     * tokens. At most {@code maxWindows} (all that fit when ≤ 0).
     */
    public long[][] windows(long[] tokens, int window, int maxWindows) {
        return TokenWindows.consecutive(tokens, window, maxWindows, bosId());
    }

    /**
     * One forward pass over token ids [B, T] (int64, in the caller's scope). Captured activations and logits
     * come back attached to the ids' manager. Runs no further than the hooks and logits require.
     */
    public ForwardPass run(NDArray ids, Hooks hooks) {
        return runFrom(0, family.embed(ids), hooks);
    }

    /**
     * The residual stream entering block {@code layer} (its hook_resid_pre) of a clean pass over ids [B, T], for
     * passes that resume there: everything before it is the same in every such pass, so it is computed once.
     */
    public NDArray residualBefore(NDArray ids, int layer) {
        if (layer < 0 || layer >= config.nLayers()) {
            throw new IllegalArgumentException("model " + dir + " has no block " + layer);
        }
        NDArray x = family.embed(ids);
        for (int l = 0; l < layer; l++) {
            x = family.block(l, x, (kind, at, a) -> a);
        }
        return x;
    }

    /**
     * A pass that starts at block {@code firstLayer} from its resid_pre {@code residPre} [B, T, D] (from
     * {@link #residualBefore}, or any stream of that shape); hooks before that block are not reached and must not
     * be asked for. {@link #run} is this from block 0.
     */
    public ForwardPass runFrom(int firstLayer, NDArray residPre, Hooks hooks) {
        return runFrom(firstLayer, residPre, hooks, null);
    }

    /** An empty key/value cache for {@link #runCached}: one per sequence being generated. */
    public KvCache newCache() {
        return new KvCache(config.nLayers());
    }

    /**
     * A pass over the next positions of sequences whose earlier positions {@code cache} holds (none, for the first
     * call): ids [B, T] are positions cache.length() … + T − 1. Every layer runs; the hooks see only the new positions.
     * The cache's arrays join the ids' scope, which must outlive the whole sequence.
     */
    public ForwardPass runCached(NDArray ids, Hooks hooks, KvCache cache) {
        int t = (int) ids.getShape().get(1);
        if (cache.length() + t > config.maxPositions()) {
            throw new IllegalArgumentException("model " + dir + " has " + config.maxPositions()
                    + " positions; this sequence would reach " + (cache.length() + t));
        }
        ForwardPass pass = runFrom(
                0,
                family.embed(ids, cache.length()),
                Hooks.builder().logits().copyOf(hooks).build(),
                cache);
        cache.advance(t);
        return pass;
    }

    private ForwardPass runFrom(int firstLayer, NDArray residPre, Hooks hooks, KvCache cache) {
        for (HookPoint h : hooks.captures()) {
            requireHook(h);
            requireReached(h, firstLayer);
        }
        for (HookPoint h : hooks.replacements().keySet()) {
            requireHook(h);
            requireReached(h, firstLayer);
        }
        Map<HookPoint, NDArray> captured = new LinkedHashMap<>();
        TransformerFamily.HookSite site = (kind, layer, x) -> apply(HookPoint.of(layer, kind), x, hooks, captured);
        int last = hooks.lastLayer(config.nLayers());
        NDArray logits = null;
        if (last >= firstLayer) {
            NDArray x = residPre;
            NDManager pass = residPre.getManager();
            for (int l = firstLayer; l <= last; l++) {
                // A block's intermediates (attention scores, the MLP's hidden layer) live in a scope of their own,
                // freed as the block ends: a pass holds one block's arrays at a time, not every block's until it is
                // over (measured: gemma-2-2b's shape peaked at 20 GB with 5.2 GB of weights). What outlives the block
                // (its output, captures, this layer's cached keys and values) moves to the pass's scope.
                try (NDManager blockScope = pass.newSubManager()) {
                    x.tempAttach(blockScope); // results of ops land with their first operand
                    int before = captured.size();
                    if (l == 0) { // the embedding is the first block's input in every family but GPT-2's
                        x = site.at(HookPoint.Kind.EMBED, 0, x);
                    }
                    x = site.at(HookPoint.Kind.RESID_PRE, l, x);
                    x = family.block(l, x, site, cache);
                    x = site.at(HookPoint.Kind.RESID_POST, l, x);
                    keep(x, blockScope, pass);
                    if (captured.size() > before) {
                        for (NDArray c : captured.values()) {
                            keep(c, blockScope, pass);
                        }
                    }
                    if (cache != null) {
                        cache.keepLayer(l, blockScope, pass);
                    }
                }
            }
            if (hooks.needsFinalNorm()) {
                NDArray normalized = apply(HookPoint.parse(HookPoint.FINAL), family.finalNorm(x), hooks, captured);
                logits = hooks.wantsLogits() ? family.unembed(normalized) : null;
            }
        }
        return new ForwardPass(captured, logits);
    }

    /** Moves {@code a} to {@code to} when it belongs to {@code from}; arrays owned elsewhere are left where they are. */
    static void keep(NDArray a, NDManager from, NDManager to) {
        if (a != null && a.getManager() == from) {
            a.attach(to);
        }
    }

    private void requireReached(HookPoint h, int firstLayer) {
        if (!h.isFinal() && h.layer() < firstLayer) {
            throw new IllegalArgumentException("a pass starting at block " + firstLayer + " never reaches " + h);
        }
    }

    private void requireHook(HookPoint h) {
        if (!hookPoints().contains(h)) {
            throw new IllegalArgumentException("model " + dir + " has no hook " + h);
        }
    }

    private static NDArray apply(HookPoint hook, NDArray x, Hooks hooks, Map<HookPoint, NDArray> captured) {
        HookFunction fn = hooks.replacements().get(hook);
        NDArray out = x;
        if (fn != null) {
            out = fn.apply(x);
            if (!out.getShape().equals(x.getShape())) {
                throw new IllegalStateException("hook " + hook + " replacement changed the shape from " + x.getShape()
                        + " to " + out.getShape());
            }
        }
        if (hooks.captures().contains(hook)) {
            captured.put(hook, out);
        }
        return out;
    }

    /**
     * The direct effect on every token's logit of adding each residual direction (rows of {@code directions},
     * [k, D] float32): final-norm gain, then unembedding. [k][V].
     */
    public float[][] directLogitEffects(float[] directions, int k) {
        try (NDManager scope = newScope()) {
            float[] flat = family.directLogits(scope.create(directions, new Shape(k, config.dModel())))
                    .toFloatArray();
            float[][] out = new float[k][];
            for (int i = 0; i < k; i++) {
                out[i] = java.util.Arrays.copyOfRange(flat, i * config.vocabSize(), (i + 1) * config.vocabSize());
            }
            return out;
        }
    }

    /** Captures the hooks for windows of token ids (all the same length), returned as float32 host tensors. */
    public Map<HookPoint, Tensor> capture(long[][] windows, HookPoint... points) {
        Hooks.Builder b = Hooks.builder();
        for (HookPoint h : points) {
            b.capture(h);
        }
        Hooks hooks = b.build();
        try (NDManager scope = newScope()) {
            ForwardPass pass = run(idsArray(scope, windows), hooks);
            Map<HookPoint, Tensor> out = new LinkedHashMap<>();
            for (HookPoint h : points) {
                out.put(h, toHost(pass.capture(h)));
            }
            return out;
        }
    }

    /** Logits [B, T, V] for windows of token ids, as a float32 host tensor. */
    public Tensor logits(long[][] windows) {
        try (NDManager scope = newScope()) {
            return toHost(run(idsArray(scope, windows), Hooks.logitsOnly()).logits());
        }
    }

    /**
     * Next-token cross-entropy (nats) of every target in every window, [windows][T - 1], computed in batches of
     * {@code batchSize} windows with the given hooks (which must ask for logits) applied to each pass.
     */
    public float[][] tokenLosses(long[][] windows, Hooks hooks, int batchSize) {
        if (!hooks.wantsLogits()) {
            throw new IllegalArgumentException("token losses need a pass that computes logits");
        }
        float[][] out = new float[windows.length][];
        for (int start = 0; start < windows.length; start += batchSize) {
            int n = Math.min(batchSize, windows.length - start);
            long[][] batch = java.util.Arrays.copyOfRange(windows, start, start + n);
            try (NDManager scope = newScope()) {
                NDArray ids = idsArray(scope, batch);
                NDArray loss = tokenLoss(run(ids, hooks).logits(), ids); // [n, T-1]
                float[] flat = loss.toFloatArray();
                int targets = (int) loss.getShape().get(1);
                for (int i = 0; i < n; i++) {
                    out[start + i] = java.util.Arrays.copyOfRange(flat, i * targets, (i + 1) * targets);
                }
            }
        }
        return out;
    }

    /**
     * −log p(ids[:, t+1] | ids[:, ≤t]) for logits [B, T, V] and ids [B, T]: [B, T − 1]. Window by window, each
     * window's log-softmax freed before the next: for a 256k vocabulary one of them is a quarter of the logits.
     */
    public static NDArray tokenLoss(NDArray logits, NDArray ids) {
        long b = logits.getShape().get(0);
        ai.djl.ndarray.NDList rows = new ai.djl.ndarray.NDList();
        try {
            for (long i = 0; i < b; i++) {
                try (NDArray window = logits.get(i);
                        NDArray logProbs = window.get(":-1, :").logSoftmax(-1)) {
                    NDArray targets = ids.get(i).get("1:").expandDims(-1);
                    rows.add(logProbs.gather(targets, -1).squeeze(-1).neg());
                }
            }
            return ai.djl.ndarray.NDArrays.stack(rows, 0);
        } finally {
            rows.close();
        }
    }

    /** Token ids [B, T] as an int64 array on the model's device, in {@code scope}. */
    public NDArray idsArray(NDManager scope, long[][] windows) {
        int t = windows[0].length;
        long[] flat = new long[windows.length * t];
        for (int i = 0; i < windows.length; i++) {
            if (windows[i].length != t) {
                throw new IllegalArgumentException("windows differ in length: " + t + " and " + windows[i].length);
            }
            System.arraycopy(windows[i], 0, flat, i * t, t);
        }
        return scope.create(flat, new Shape(windows.length, t));
    }

    /** An engine array copied to a float32 host tensor. */
    public static Tensor toHost(NDArray a) {
        NDArray f = a.getDataType() == ai.djl.ndarray.types.DataType.FLOAT32
                ? a
                : a.toType(ai.djl.ndarray.types.DataType.FLOAT32, false);
        return Tensor.ofFloats(f.getShape().getShape(), f.toFloatArray());
    }

    @Override
    public void close() {
        manager.close();
        tokenizer.close();
    }
}
