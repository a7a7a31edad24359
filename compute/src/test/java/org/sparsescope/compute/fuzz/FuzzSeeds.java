package org.sparsescope.compute.fuzz;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;
import org.sparsescope.compute.Reference;
import org.sparsescope.compute.activations.Manifest;
import org.sparsescope.compute.model.HookPoint;
import org.sparsescope.compute.tensor.HostileFiles;
import org.sparsescope.compute.tensor.HostileFiles.Pickle;
import org.sparsescope.compute.tensor.Safetensors;
import org.sparsescope.compute.tensor.Tensor;
import org.sparsescope.compute.workspace.WorkspaceFile;

/**
 * Writes the fuzz targets' starting inputs into src/test/resources (committed; they also replay as regression tests):
 * the reference world's small files as they are (configs, tokenizer), the pickles inside its .pt files, small files
 * our own writers make, and the hostile files of the reliability issue. Run from the repository root:
 * {@code mvn -B -o test-compile -pl compute && java -cp … org.sparsescope.compute.fuzz.FuzzSeeds} (tools/fuzz-long-run
 * does it). Crashes the fuzzer finds are added beside these by Jazzer itself.
 */
public final class FuzzSeeds {
    private static final Path INPUTS =
            Path.of("compute/src/test/resources/org/sparsescope/compute/fuzz/ReaderFuzzTestInputs");

    private FuzzSeeds() {}

    public static void main(String[] args) throws Exception {
        Path tmp = Files.createTempDirectory("seeds");
        Path ref = Reference.dir();
        seed("safetensors", "two-tensors", safetensors(tmp, Map.of("a", small(2, 3), "b", small(3)), Map.of("k", "v")));
        seed(
                "safetensors",
                "json-attack",
                rawSafetensors(
                        "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                                + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}",
                        12));
        seed(
                "safetensors",
                "wrapping-shape",
                rawSafetensors(
                        "{\"a\":{\"dtype\":\"F32\",\"shape\":[4611686018427387904],\"data_offsets\":[0,0]}}", 0));
        seed("safetensors", "reference-head", head(ref.resolve("saes/l1_4.11e-03/sae_weights.safetensors"), 4096));

        for (Map.Entry<String, Path> e : HostileFiles.torchFiles(tmp).entrySet()) {
            if (Files.size(e.getValue()) < 64 << 10) {
                seed("torchFile", e.getKey().replaceAll("[^A-Za-z0-9]+", "-"), Files.readAllBytes(e.getValue()));
                seed("torchPickle", e.getKey().replaceAll("[^A-Za-z0-9]+", "-"), pickleOf(e.getValue()));
            }
        }
        seed(
                "torchFile",
                "four-floats",
                Files.readAllBytes(HostileFiles.torchZip(
                        tmp.resolve("ok.pt"),
                        HostileFiles.fourFloatsPickle(),
                        Map.of("0", HostileFiles.floats(1, 2, 3, 4)),
                        true)));
        for (String real : List.of(
                "chunks/0.pt",
                "chunks/sae_state_dict.pt",
                "formats/seed/learned_dicts.pt",
                "formats/dictionary_learning/ae.pt")) {
            seed("torchPickle", "reference-" + Path.of(real).getFileName(), pickleOf(ref.resolve(real)));
        }

        seed("npy", "small", npy("<f4", "(2, 3)", HostileFiles.floats(1, 2, 3, 4, 5, 6)));
        seed("npy", "reference-head", head(ref.resolve("chunks/0.npy"), 2048));
        seed(
                "npz",
                "small",
                zip(Map.of(
                        "a.npy",
                        npy("<f4", "(2,)", HostileFiles.floats(1, 2)),
                        "b.npy",
                        npy("<i8", "()", new byte[8]))));

        seed("modelConfig", "neox", Files.readAllBytes(ref.resolve("model/config.json")));
        seed("modelConfig", "gpt2", Files.readAllBytes(ref.resolve("model-gpt2/config.json")));
        seed("tokenizerJson", "reference", Files.readAllBytes(ref.resolve("model/tokenizer.json")));
        // chat templates in the styles releases use: ChatML with a namespace and a reversed walk, turns that raise
        seed(
                "chatTemplate",
                "chatml",
                ("{\"bos_token\": \"<s>\", \"eos_token\": {\"content\": \"<|im_end|>\"}, \"chat_template\": "
                                + "\"{%- set ns = namespace(last=-1) %}{%- for m in messages[::-1] %}{%- if ns.last < 0 and "
                                + "m.role == 'user' and not m.content.startswith('<tool') %}{%- set ns.last = loop.index0 %}"
                                + "{%- endif %}{%- endfor %}{%- for m in messages %}{{- '<|im_start|>' + m.role + '\\n' + "
                                + "m.get('content', '')|trim + '<|im_end|>\\n' }}{%- endfor %}{%- if add_generation_prompt %}"
                                + "{{- '<|im_start|>assistant\\n' }}{%- endif %}\"}")
                        .getBytes(StandardCharsets.UTF_8));
        seed(
                "chatTemplate",
                "turns-raise",
                ("{\"chat_template\": [{\"name\": \"default\", \"template\": \"{{ bos_token }}{% for m in messages %}"
                                + "{% if (m['role'] == 'user') != (loop.index0 % 2 == 0) %}{{ raise_exception('roles must "
                                + "alternate') }}{% endif %}{{ m['content'] | trim }}{% endfor %}\"}]}")
                        .getBytes(StandardCharsets.UTF_8));

        // dictionaries: the reference configs, shrunk to d_in 3 and 2 latents, with weights to match
        String cfg = Files.readString(ref.resolve("saes/l1_4.11e-03/cfg.json"))
                .replace("\"d_in\": 256", "\"d_in\": 3")
                .replace("\"d_sae\": 1024", "\"d_sae\": 2");
        Map<String, Tensor> sae = new LinkedHashMap<>();
        sae.put("W_enc", small(3, 2));
        sae.put("b_enc", small(2));
        sae.put("W_dec", small(2, 3));
        sae.put("b_dec", small(3));
        seed(
                "saeLens",
                "reference-shrunk",
                frame(cfg.getBytes(StandardCharsets.UTF_8), safetensors(tmp, sae, Map.of())));
        String sp = Files.readString(ref.resolve("formats/sparsify/layers.2/cfg.json"))
                .replace("\"num_latents\": 1024", "\"num_latents\": 2")
                .replace("\"d_in\": 256", "\"d_in\": 3")
                .replace("\"k\": 32", "\"k\": 1");
        Map<String, Tensor> spw = new LinkedHashMap<>();
        spw.put("encoder.weight", small(2, 3));
        spw.put("encoder.bias", small(2));
        spw.put("W_dec", small(2, 3));
        spw.put("b_dec", small(3));
        seed(
                "sparsify",
                "reference-shrunk",
                frame(sp.getBytes(StandardCharsets.UTF_8), safetensors(tmp, spw, Map.of())));
        seed(
                "dictionaryLearning",
                "reference-config",
                frame(
                        Files.readAllBytes(ref.resolve("formats/dictionary_learning/config.json")),
                        stateDict(
                                tmp,
                                List.of("encoder.weight", "encoder.bias", "decoder.weight", "bias"),
                                new Long[][] {{2L, 3L}, {2L}, {3L, 2L}, {3L}})));
        seed("seedDictionaries", "untied", seedFile(tmp));
        Path releases = Path.of("compute/src/test/resources/releases");
        seed(
                "gemmaScope",
                "release",
                Files.readAllBytes(
                        releases.resolve("gemma-scope-2b-pt-res/layer_1/width_16k/average_l0_5/params.npz")));
        Path scope2 = releases.resolve("gemma-scope-2-1b-pt/resid_post_all/layer_2_width_16k_l0_small");
        seed(
                "gemmaScope2",
                "release",
                frame(
                        Files.readAllBytes(scope2.resolve("config.json")),
                        Files.readAllBytes(scope2.resolve("params.safetensors"))));
        Path llama = releases.resolve("Llama3_1-8B-Base-LXR-8x/Llama3_1-8B-Base-L1R-8x");
        seed(
                "llamaScope",
                "release",
                frame(
                        Files.readAllBytes(llama.resolve("hyperparams.json")),
                        Files.readAllBytes(llama.resolve("checkpoints/final.safetensors"))));
        seed(
                "goodfire",
                "release",
                Files.readAllBytes(
                        releases.resolve("Goodfire/Llama-3.1-8B-Instruct-SAE-l1/Llama-3.1-8B-Instruct-SAE-l1.pth")));
        seed(
                "qwenScope",
                "release",
                Files.readAllBytes(releases.resolve("SAE-Res-Qwen3-1.7B-Base-W32K-L0_8/layer1.sae.pt")));
        seed(
                "openAi",
                "topk",
                Files.readAllBytes(releases.resolve("gpt2-small/resid_post_mlp_v5_32k/autoencoders/1.pt")));
        seed("openAi", "relu", Files.readAllBytes(releases.resolve("gpt2-small/resid_delta_mlp_v4/autoencoders/1.pt")));
        for (String norm : new String[] {"expected_average_only_in", "layer_norm", "constant_norm_rescale"}) {
            Path folder = releases.resolve("saelens_normalize").resolve(norm);
            Path scaler = releases.resolve("saelens_normalize/expected_average_only_in/activation_scaler.json");
            seed(
                    "saeLensScaler",
                    norm,
                    frame(Files.readAllBytes(folder.resolve("cfg.json")), Files.readAllBytes(scaler)));
        }
        Path batchTopK = releases.resolve("dictionary_learning_batchtopk");
        seed(
                "dictionaryLearning",
                "batchtopk",
                frame(
                        Files.readAllBytes(batchTopK.resolve("config.json")),
                        Files.readAllBytes(batchTopK.resolve("ae.pt"))));
        for (String family : new String[] {"llama", "qwen2", "qwen3", "gemma2", "gemma3"}) {
            Path config = Path.of("compute/src/test/resources/families", family, "config.json");
            seed("modelConfig", family, Files.readAllBytes(config));
        }

        Manifest m = oneChunkManifest("chunk-0.safetensors");
        Path md = Files.createDirectories(tmp.resolve("set"));
        m.write(md);
        Map<String, Tensor> chunk = new LinkedHashMap<>();
        chunk.put("activations", small(4, 3));
        chunk.put("window_starts", Tensor.ofLongs(new long[] {2}, new long[] {0, 2}));
        seed(
                "activationSet",
                "one-chunk",
                frame(Files.readAllBytes(md.resolve(Manifest.FILE)), safetensors(tmp, chunk, Map.of())));

        // the same set with its tokens: two windows of 2 over a 6-token corpus of two documents
        Manifest mt = m;
        Path mtd = Files.createDirectories(tmp.resolve("set-tokens"));
        mt.write(mtd);
        Map<String, Tensor> tokens = new LinkedHashMap<>();
        tokens.put("ids", ints(5, 6, 0, 7, 8, 9));
        tokens.put("documents", ints(0, 0, 0, 1, 1, 1));
        seed(
                "activationSetWithTokens",
                "two-windows",
                frame(
                        Files.readAllBytes(mtd.resolve(Manifest.FILE)),
                        frame(safetensors(tmp, chunk, Map.of()), safetensors(tmp, tokens, Map.of()))));

        // a synthetic set's description and truth, as `synth` writes them (a correlated generator: loadings too)
        Path synth = tmp.resolve("synthetic");
        org.sparsescope.compute.synthetic.SyntheticSets.write(
                new org.sparsescope.compute.synthetic.SyntheticSpec(4, 6, 2, 0.9, 2, 0.5, 0.1, null, 1),
                10,
                10,
                synth,
                org.sparsescope.compute.work.ProgressListener.NONE,
                org.sparsescope.compute.work.Cancellation.none());
        seed(
                "syntheticTruth",
                "correlated-noisy",
                frame(
                        Files.readAllBytes(synth.resolve("synthetic.json")),
                        Files.readAllBytes(synth.resolve("truth.safetensors"))));

        seed(
                "npyActivations",
                "two-chunks",
                frame(npy("<f4", "(2, 3)", HostileFiles.floats(1, 2, 3, 4, 5, 6)), npy("<f2", "(1, 3)", new byte[6])));
        seed(
                "npyActivations",
                "finding-rank-0-chunk",
                frame(npy("<f2", "()", new byte[2]), npy("<f4", "(1, 3)", new byte[12])));
        byte[] ptChunk = stateDictTensor(tmp);
        seed("ptActivations", "two-chunks", frame(ptChunk, ptChunk));

        Path ws = tmp.resolve(WorkspaceFile.NAME);
        new WorkspaceFile(
                        WorkspaceFile.VERSION,
                        "corpus",
                        Map.of("gpt2", "/models/gpt2"),
                        List.of(new WorkspaceFile.DictionaryRecord(
                                "/d/sae", "gpt2", HookPoint.parse("blocks.0.hook_resid_post"))),
                        Map.of(
                                "/acts",
                                new WorkspaceFile.SetStatement("gpt2", HookPoint.parse("blocks.0.hook_resid_post"))),
                        "gpt2 @ blocks.0.hook_resid_post")
                .write(ws);
        seed("workspaceFile", "v2", Files.readAllBytes(ws));
        seed(
                "workspaceFile",
                "v1",
                "{\"version\": 1, \"model\": \"m\", \"dictionaries\": [\"/a\"], \"corpus\": \"c\"}"
                        .getBytes(StandardCharsets.UTF_8));

        seed(
                "checkpointIndex",
                "one-shard",
                frame(
                        "{\"metadata\": {}, \"weight_map\": {\"a\": \"a.safetensors\"}}"
                                .getBytes(StandardCharsets.UTF_8),
                        safetensors(tmp, Map.of("a", small(2)), Map.of())));
        System.out.println("seeds written under " + INPUTS.toAbsolutePath());
    }

    private static void seed(String target, String name, byte[] bytes) throws IOException {
        Path d = Files.createDirectories(INPUTS.resolve(target));
        Files.write(d.resolve(name), bytes);
    }

    private static Tensor small(long... shape) {
        int n = (int) Tensor.numel(shape);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (i % 5) - 2.5f;
        }
        return Tensor.ofFloats(shape, v);
    }

    private static byte[] safetensors(Path tmp, Map<String, Tensor> t, Map<String, String> meta) throws IOException {
        Path f = Files.createTempFile(tmp, "s", ".safetensors");
        Safetensors.write(f, t instanceof LinkedHashMap ? t : new java.util.TreeMap<>(t), meta);
        return Files.readAllBytes(f);
    }

    private static byte[] rawSafetensors(String header, int data) {
        byte[] json = header.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(8 + json.length + data)
                .order(ByteOrder.LITTLE_ENDIAN)
                .putLong(json.length)
                .put(json)
                .array();
    }

    private static byte[] head(Path f, int n) throws IOException {
        try (var in = Files.newInputStream(f)) {
            return in.readNBytes(n);
        }
    }

    private static byte[] pickleOf(Path pt) throws IOException {
        try (ZipFile z = new ZipFile(pt.toFile())) {
            ZipEntry e = z.stream()
                    .filter(x -> x.getName().endsWith("data.pkl"))
                    .findFirst()
                    .orElseThrow();
            return z.getInputStream(e).readAllBytes();
        }
    }

    private static byte[] npy(String descr, String shape, byte[] data) {
        StringBuilder h =
                new StringBuilder("{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shape + ", }");
        while ((10 + h.length() + 1) % 64 != 0) {
            h.append(' ');
        }
        h.append('\n');
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        o.writeBytes(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, (byte) h.length(), 0});
        o.writeBytes(h.toString().getBytes(StandardCharsets.ISO_8859_1));
        o.writeBytes(data);
        return o.toByteArray();
    }

    private static byte[] zip(Map<String, byte[]> entries) throws IOException {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        try (ZipOutputStream z = new ZipOutputStream(o)) {
            for (Map.Entry<String, byte[]> e : new java.util.TreeMap<>(entries).entrySet()) {
                z.putNextEntry(new ZipEntry(e.getKey()));
                z.write(e.getValue());
                z.closeEntry();
            }
        }
        return o.toByteArray();
    }

    private static byte[] frame(byte[] first, byte[] second) {
        return ByteBuffer.allocate(4 + first.length + second.length)
                .order(ByteOrder.LITTLE_ENDIAN)
                .putInt(first.length)
                .put(first)
                .put(second)
                .array();
    }

    /** A state dict of float tensors, storage i for the i-th name, as torch.save lays it out. */
    private static byte[] stateDict(Path tmp, List<String> names, Long[][] shapes) throws IOException {
        Pickle p = new Pickle().op('}');
        Map<String, byte[]> storages = new LinkedHashMap<>();
        for (int i = 0; i < names.size(); i++) {
            Long[] shape = shapes[i];
            long n = 1;
            for (long s : shape) {
                n *= s;
            }
            Long[] stride = shape.length == 2 ? new Long[] {shape[1], 1L} : new Long[] {1L};
            p.unicode(names.get(i))
                    .tensor("FloatStorage", String.valueOf(i), n, 0, shape, stride)
                    .op('s');
            storages.put(String.valueOf(i), toBytes(small(n)));
        }
        return Files.readAllBytes(
                HostileFiles.torchZip(Files.createTempFile(tmp, "sd", ".pt"), p.stop(), storages, false));
    }

    private static Tensor ints(int... values) {
        ByteBuffer b = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (int v : values) {
            b.putInt(v);
        }
        return new Tensor(org.sparsescope.compute.tensor.DType.I32, new long[] {values.length}, b.flip());
    }

    /** One float tensor [2, 3] saved alone, as the research code's activation chunks are. */
    private static byte[] stateDictTensor(Path tmp) throws IOException {
        Pickle p = new Pickle().tensor("FloatStorage", "0", 6, 0, new Long[] {2L, 3L}, new Long[] {3L, 1L});
        return Files.readAllBytes(HostileFiles.torchZip(
                Files.createTempFile(tmp, "chunk", ".pt"), p.stop(), Map.of("0", toBytes(small(6))), false));
    }

    private static byte[] toBytes(Tensor t) {
        ByteBuffer b = t.data();
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }

    /** [(UntiedSAE with encoder, decoder, encoder_bias, {})] as the research code's learned_dicts.pt. */
    private static byte[] seedFile(Path tmp) throws IOException {
        Pickle p = new Pickle().op(']');
        p.global("autoencoders.learned_dict", "UntiedSAE").op(')', 0x81); // NEWOBJ
        p.op('}');
        p.unicode("encoder")
                .tensor("FloatStorage", "0", 6, 0, new Long[] {2L, 3L}, new Long[] {3L, 1L})
                .op('s');
        p.unicode("decoder")
                .tensor("FloatStorage", "1", 6, 0, new Long[] {2L, 3L}, new Long[] {3L, 1L})
                .op('s');
        p.unicode("encoder_bias")
                .tensor("FloatStorage", "2", 2, 0, new Long[] {2L}, new Long[] {1L})
                .op('s');
        p.op('b'); // BUILD
        p.op('}', 0x86, 'a'); // (obj, {}) appended
        Map<String, byte[]> storages = Map.of("0", toBytes(small(6)), "1", toBytes(small(6)), "2", toBytes(small(2)));
        return Files.readAllBytes(
                HostileFiles.torchZip(Files.createTempFile(tmp, "ld", ".pt"), p.stop(), storages, false));
    }

    /** A complete native set's manifest: one chunk of 4 rows of width 3 at blocks.0.hook_resid_post, windows of 2. */
    public static Manifest oneChunkManifest(String chunkName) {
        return Manifest.builder()
                .model("m")
                .modelHash("h")
                .hook(HookPoint.parse("blocks.0.hook_resid_post"))
                .d(3)
                .dtype("F32")
                .window(2)
                .tokenizerHash("t")
                .corpus("c")
                .corpusHash("ch")
                .order("consecutive")
                .targetRows(4)
                .rowsPerChunk(4)
                .complete(true)
                .chunks(List.of(new Manifest.Chunk(chunkName, 4)))
                .build();
    }
}
