package org.sparsescope.compute.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.sparsescope.compute.activations.ActivationSet;
import org.sparsescope.compute.dictionary.DictionaryFiles;
import org.sparsescope.compute.model.Tokenizer;
import org.sparsescope.compute.model.TransformerConfig;
import org.sparsescope.compute.tensor.Checkpoint;
import org.sparsescope.compute.tensor.NpyFile;
import org.sparsescope.compute.tensor.SafetensorsFile;
import org.sparsescope.compute.tensor.TorchFile;
import org.sparsescope.compute.workspace.WorkspaceFile;

/**
 * One fuzz target per reader of the user's files. Each writes the input where the reader looks and reads it:
 * the input must give a result or the project's typed error naming the file, within the fuzzer's time and memory
 * limits. In a plain test run the committed inputs (src/test/resources/…/ReaderFuzzTestInputs/TARGET/) replay as
 * regression tests; with JAZZER_FUZZ=1 one target at a time is fuzzed (see tools/fuzz-long-run).
 *
 * Inputs for two-file targets are framed: a 4-byte little-endian length, that many bytes of the first file, the
 * rest the second.
 */
class ReaderFuzzTest {
    private static final Path DIR;

    static {
        try {
            DIR = Files.createTempDirectory("sparsescope-fuzz");
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static Path fresh(String name) throws IOException {
        Path d = DIR.resolve(name);
        if (Files.exists(d)) {
            try (var s = Files.walk(d)) {
                for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
        return Files.createDirectories(d);
    }

    private static byte[][] split(byte[] data) {
        if (data.length < 4) {
            return new byte[][] {data, new byte[0]};
        }
        long n = ByteBuffer.wrap(data, 0, 4).order(ByteOrder.LITTLE_ENDIAN).getInt() & 0xFFFFFFFFL;
        int first = (int) Math.min(n, data.length - 4);
        return new byte[][] {Arrays.copyOfRange(data, 4, 4 + first), Arrays.copyOfRange(data, 4 + first, data.length)};
    }

    private static Path write(Path dir, String name, byte[] bytes) throws IOException {
        Path f = dir.resolve(name);
        Files.createDirectories(f.getParent());
        Files.write(f, bytes);
        return f;
    }

    @FuzzTest
    void safetensors(byte[] data) throws Exception {
        Path f = write(fresh("safetensors"), "x.safetensors", data);
        Outcomes.of("safetensors", f, () -> {
            try (SafetensorsFile s = SafetensorsFile.open(f)) {
                for (String name : s.names()) {
                    s.read(name).floats();
                }
            }
        });
    }

    @FuzzTest
    void torchFile(byte[] data) throws Exception {
        Path f = write(fresh("torch"), "x.pt", data);
        Outcomes.of(
                "torchFile",
                f,
                () -> TorchFile.read(
                        f, Set.of("autoencoders.learned_dict.UntiedSAE", "autoencoders.learned_dict.TiedSAE")));
    }

    /** The pickle alone, inside a well-formed torch.save zip whose storage "0" holds 64 bytes. */
    @FuzzTest
    void torchPickle(byte[] data) throws Exception {
        Path f = fresh("pickle").resolve("x.pt");
        try (OutputStream o = Files.newOutputStream(f);
                ZipOutputStream z = new ZipOutputStream(o)) {
            z.putNextEntry(new ZipEntry("archive/data.pkl"));
            z.write(data);
            z.closeEntry();
            z.putNextEntry(new ZipEntry("archive/data/0"));
            z.write(new byte[64]);
            z.closeEntry();
        }
        Outcomes.of("torchPickle", f, () -> TorchFile.read(f, Set.of("autoencoders.learned_dict.UntiedSAE")));
    }

    @FuzzTest
    void npy(byte[] data) throws Exception {
        Path f = write(fresh("npy"), "x.npy", data);
        Outcomes.of("npy", f, () -> NpyFile.read(f).floats());
    }

    @FuzzTest
    void npz(byte[] data) throws Exception {
        Path f = write(fresh("npz"), "x.npz", data);
        Outcomes.of("npz", f, () -> NpyFile.readNpz(f).values().forEach(t -> t.numel()));
    }

    @FuzzTest
    void modelConfig(byte[] data) throws Exception {
        Path dir = fresh("config");
        Path f = write(dir, TransformerConfig.FILE, data);
        Outcomes.of("modelConfig", f, () -> TransformerConfig.read(dir));
    }

    /** A SAELens folder: cfg.json, then sae_weights.safetensors. */
    @FuzzTest
    void saeLens(byte[] data) throws Exception {
        dictionaryFolder("saeLens", fresh("saelens"), "cfg.json", "sae_weights.safetensors", data);
    }

    /** A sparsify layer folder: cfg.json, then sae.safetensors. */
    @FuzzTest
    void sparsify(byte[] data) throws Exception {
        dictionaryFolder("sparsify", fresh("sparsify").resolve("layers.2"), "cfg.json", "sae.safetensors", data);
    }

    /** A dictionary_learning folder: config.json, then ae.pt. */
    @FuzzTest
    void dictionaryLearning(byte[] data) throws Exception {
        dictionaryFolder("dictionaryLearning", fresh("dictionary_learning"), "config.json", "ae.pt", data);
    }

    /** A dictionary in one file, found by its name (and folder); what the file says and the dictionaries read. */
    private static void dictionaryFile(String target, Path dir, String name, byte[] data) throws Exception {
        Path f = write(dir, name, data);
        Outcomes.of(target, f, () -> {
            DictionaryFiles.provenance(f);
            DictionaryFiles.readAll(f);
        });
    }

    /** A dictionary folder of one layout: its config file, then its weights; what the files say and the dictionaries read. */
    private static void dictionaryFolder(String target, Path dir, String config, String weights, byte[] data)
            throws Exception {
        byte[][] parts = split(data);
        Path f = write(dir, config, parts[0]);
        write(dir, weights, parts[1]);
        Outcomes.of(target, f, () -> {
            DictionaryFiles.provenance(dir);
            DictionaryFiles.readAll(dir);
        });
    }

    /** A Gemma Scope layer folder, found by its repository's name: params.npz alone. */
    @FuzzTest
    void gemmaScope(byte[] data) throws Exception {
        Path dir = fresh("gemma_scope").resolve("gemma-scope-2b-pt-res/layer_3/width_16k/average_l0_5");
        Path f = write(dir, "params.npz", data);
        Outcomes.of("gemmaScope", f, () -> {
            DictionaryFiles.provenance(dir);
            DictionaryFiles.readAll(dir);
        });
    }

    /** A Gemma Scope 2 folder: config.json, then params.safetensors. */
    @FuzzTest
    void gemmaScope2(byte[] data) throws Exception {
        dictionaryFolder(
                "gemmaScope2",
                fresh("gemma_scope_2").resolve("resid_post_all/layer_2_width_16k_l0_small"),
                "config.json",
                "params.safetensors",
                data);
    }

    /** A Llama Scope folder: hyperparams.json, then checkpoints/final.safetensors. */
    @FuzzTest
    void llamaScope(byte[] data) throws Exception {
        dictionaryFolder(
                "llamaScope",
                fresh("llama_scope").resolve("Llama3_1-8B-Base-L1R-8x"),
                "hyperparams.json",
                "checkpoints/final.safetensors",
                data);
    }

    /** A Goodfire state dict, found by its file name. */
    @FuzzTest
    void goodfire(byte[] data) throws Exception {
        dictionaryFile("goodfire", fresh("goodfire"), "Llama-3.1-8B-Instruct-SAE-l19.pth", data);
    }

    /** A Qwen-Scope layer file in its repository folder (which names k). */
    @FuzzTest
    void qwenScope(byte[] data) throws Exception {
        dictionaryFile(
                "qwenScope", fresh("qwen_scope").resolve("SAE-Res-Qwen3-8B-Base-W64K-L0_50"), "layer3.sae.pt", data);
    }

    /** One of OpenAI's GPT-2 autoencoders in the release's layout: a state dict with its activation as plain data. */
    @FuzzTest
    void openAi(byte[] data) throws Exception {
        dictionaryFile("openAi", fresh("openai").resolve("resid_post_mlp_v5_32k/autoencoders"), "3.pt", data);
    }

    /**
     * A SAELens checkpoint with its activation_scaler.json: cfg.json, then the scaler; the weights are the release
     * fixture's, so the normalisation is reached.
     */
    @FuzzTest
    void saeLensScaler(byte[] data) throws Exception {
        byte[][] parts = split(data);
        Path dir = fresh("saelens_scaler");
        Path f = write(dir, "cfg.json", parts[0]);
        write(dir, "activation_scaler.json", parts[1]);
        java.nio.file.Files.copy(
                org.sparsescope.compute.Reference.testResource(
                        "releases/saelens_normalize/expected_average_only_in/sae_weights.safetensors"),
                dir.resolve("sae_weights.safetensors"));
        Outcomes.of("saeLensScaler", f, () -> {
            DictionaryFiles.provenance(dir);
            DictionaryFiles.readAll(dir);
        });
    }

    /** The research code's learned_dicts.pt: a list of (whitelisted instance, hyperparameters). */
    @FuzzTest
    void seedDictionaries(byte[] data) throws Exception {
        Path f = write(fresh("seed"), "learned_dicts.pt", data);
        Outcomes.of("seedDictionaries", f, () -> DictionaryFiles.readAll(f));
    }

    /** An activation set folder: manifest.json, then its one chunk (chunk-0.safetensors). */
    @FuzzTest
    void activationSet(byte[] data) throws Exception {
        byte[][] parts = split(data);
        Path dir = fresh("activations");
        Path f = write(dir, "manifest.json", parts[0]);
        write(dir, "chunk-0.safetensors", parts[1]);
        Outcomes.of("activationSet", f, () -> {
            try (ActivationSet set = ActivationSet.open(dir)) {
                if (set.rows() > 0) {
                    set.readRows(0, (int) Math.min(set.rows(), 4));
                    set.context(0);
                    set.specialTokenRows(0, 1);
                }
            }
        });
    }

    /**
     * A native set whose windows trace back to text: manifest.json, then (framed again) its chunk with window starts
     * and tokens.safetensors, so that the token readers (context, special tokens, windows across the set) run.
     */
    @FuzzTest
    void activationSetWithTokens(byte[] data) throws Exception {
        byte[][] parts = split(data);
        byte[][] files = split(parts[1]);
        Path dir = fresh("activations-tokens");
        Path f = write(dir, "manifest.json", parts[0]);
        write(dir, "chunk-0.safetensors", files[0]);
        write(dir, "tokens.safetensors", files[1]);
        Outcomes.of("activationSetWithTokens", f, () -> readAround(dir));
    }

    /** A synthetic set's description and ground truth: synthetic.json, then (framed) truth.safetensors. */
    @FuzzTest
    void syntheticTruth(byte[] data) throws Exception {
        byte[][] parts = split(data);
        Path dir = fresh("synthetic");
        Path f = write(dir, "synthetic.json", parts[0]);
        write(dir, "truth.safetensors", parts[1]);
        Outcomes.of("syntheticTruth", f, () -> org.sparsescope.compute.synthetic.SyntheticSets.of(dir));
    }

    /** A foreign folder of .npy chunks (0.npy, 1.npy), as researchers' own harvests leave them. */
    @FuzzTest
    void npyActivations(byte[] data) throws Exception {
        twoChunkFolder("npyActivations", "npy", data);
    }

    /** A foreign folder of the research code's torch chunks (0.pt, 1.pt). */
    @FuzzTest
    void ptActivations(byte[] data) throws Exception {
        twoChunkFolder("ptActivations", "pt", data);
    }

    private static void twoChunkFolder(String target, String extension, byte[] data) throws Exception {
        byte[][] parts = split(data);
        Path dir = fresh("activations-" + extension);
        Path f = write(dir, "0." + extension, parts[0]);
        write(dir, "1." + extension, parts[1]);
        Outcomes.of(target, f, () -> readAround(dir));
    }

    /** What the views read of a set: its first and last rows, their text, and windows spread across it. */
    private static void readAround(Path dir) throws IOException {
        try (ActivationSet set = ActivationSet.open(dir)) {
            if (set.rows() > 0) {
                set.readRows(0, (int) Math.min(set.rows(), 4));
                set.readRows(set.rows() - 1, 1);
                set.context(0);
                set.context(set.rows() - 1);
                set.specialTokenRows(0, (int) Math.min(set.rows(), 4));
                set.windowsAcross(4);
            }
        }
    }

    @FuzzTest
    void workspaceFile(byte[] data) throws Exception {
        Path f = write(fresh("workspace"), WorkspaceFile.NAME, data);
        Outcomes.of("workspaceFile", f, () -> WorkspaceFile.read(f));
    }

    /** A sharded checkpoint: model.safetensors.index.json, then its shard a.safetensors. */
    @FuzzTest
    void checkpointIndex(byte[] data) throws Exception {
        byte[][] parts = split(data);
        Path dir = fresh("checkpoint");
        Path f = write(dir, Checkpoint.INDEX, parts[0]);
        write(dir, "a.safetensors", parts[1]);
        Outcomes.of("checkpointIndex", f, () -> {
            try (Checkpoint c = Checkpoint.open(dir)) {
                for (String n : c.names()) {
                    c.read(n);
                }
            }
        });
    }

    @FuzzTest
    void tokenizerJson(byte[] data) throws Exception {
        Path f = write(fresh("tokenizer"), Tokenizer.FILE, data);
        Outcomes.of("tokenizerJson", f, () -> Tokenizer.check(f));
    }

    /** A model's tokenizer_config.json with its chat template, rendered for a system and a user message. */
    @FuzzTest
    void chatTemplate(byte[] data) throws Exception {
        Path dir = fresh("chat");
        Path f = write(dir, "tokenizer_config.json", data);
        Outcomes.of(
                "chatTemplate",
                f,
                () -> org.sparsescope.compute.chat.ChatTemplate.of(dir)
                        .render(
                                List.of(
                                        new org.sparsescope.compute.autointerp.ChatClient.Message(
                                                "system", "Be brief."),
                                        new org.sparsescope.compute.autointerp.ChatClient.Message("user", "Hi")),
                                true));
    }
}
