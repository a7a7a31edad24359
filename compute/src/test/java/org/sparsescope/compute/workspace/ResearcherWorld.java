package org.sparsescope.compute.workspace;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.sparsescope.compute.Reference;
import org.sparsescope.compute.tensor.Safetensors;
import org.sparsescope.compute.tensor.Tensor;

/**
 * What a researcher's machine holds, made in a temporary folder: a Hugging Face hub cache with the reference
 * GPT-NeoX and GPT-2 under hub ids, and dictionaries in four layouts, each at its own model and hook:
 * <ul>
 * <li>{@link #saeLens}: SAELens, naming the NeoX's hub id at {@code blocks.4.hook_mlp_out}, trained with
 * {@code prepend_bos} and a 64-token context;</li>
 * <li>{@link #sparsifyRun}: a sparsify run folder whose {@code config.json} names the GPT-2, hookpoint {@code layers.1};</li>
 * <li>{@link #dictionaryLearning}: dictionary_learning's {@code ae.pt} with a config naming the NeoX at
 * {@code resid_post_layer_2} (where it was trained);</li>
 * <li>{@link #seed}: the research code's {@code learned_dicts.pt} (entry 0, trained on the NeoX at blocks.2.hook_resid_post), which names nothing.</li>
 * </ul>
 * The SAELens and sparsify weights are random (seeded): what is tested is where each is measured, not how well.
 */
public final class ResearcherWorld {
    public static final String NEOX_ID = "EleutherAI/pythia-reference-6l";
    public static final String GPT2_ID = "openai-community/gpt2-reference-4l";

    public final Path hub;
    public final Path neoxSnapshot;
    public final Path gpt2Snapshot;
    public final Path saeLens;
    public final Path sparsifyRun;
    public final Path sparsifyHookpoint;
    public final Path dictionaryLearning;
    public final Path seed;
    public final Path missingModel;

    public ResearcherWorld(Path root) throws IOException {
        hub = root.resolve("hub");
        // the NeoX with refs/main naming its snapshot; the GPT-2 as a copied cache without refs
        neoxSnapshot = Reference.inHubCache(hub, "EleutherAI/pythia-reference-6l", "0123abcd", Reference.path("model"));
        Files.createDirectories(hub.resolve("models--EleutherAI--pythia-reference-6l/refs"));
        Files.writeString(hub.resolve("models--EleutherAI--pythia-reference-6l/refs/main"), "0123abcd\n");
        gpt2Snapshot = Reference.inHubCache(
                hub, "openai-community/gpt2-reference-4l", "4567cdef", Reference.path("model-gpt2"));

        Path dicts = root.resolve("dictionaries");
        saeLens = dicts.resolve("neox-mlp4-saelens");
        writeSaeLens(saeLens, NEOX_ID, "blocks.4.hook_mlp_out", true, 64, 11);

        sparsifyRun = dicts.resolve("gpt2-sparsify-run");
        sparsifyHookpoint = sparsifyRun.resolve("layers.1");
        Files.createDirectories(sparsifyHookpoint);
        Files.writeString(
                sparsifyRun.resolve("config.json"),
                "{\"model\": \"" + GPT2_ID + "\", \"dataset\": \"reference corpus\", \"ctx_len\": 64}");
        Files.writeString(
                sparsifyHookpoint.resolve("cfg.json"),
                "{\"activation\": \"topk\", \"num_latents\": 128, \"k\": 8, \"d_in\": 256}");
        // sparsify's layout: the encoder as [n, d] under the torch Linear's names
        Map<String, Tensor> sp = randomStandard(12);
        sp.put("encoder.weight", transpose(sp.remove("W_enc")));
        sp.put("encoder.bias", sp.remove("b_enc"));
        Safetensors.write(sparsifyHookpoint.resolve("sae.safetensors"), sp);

        dictionaryLearning = dicts.resolve("neox-resid2-dictionary-learning");
        Files.createDirectories(dictionaryLearning);
        Files.copy(Reference.path("formats/dictionary_learning/ae.pt"), dictionaryLearning.resolve("ae.pt"));
        Files.writeString(
                dictionaryLearning.resolve("config.json"),
                "{\"trainer\": {\"dict_class\": \"AutoEncoder\", \"lm_name\": \"" + NEOX_ID
                        + "\", \"layer\": 2, \"submodule_name\": \"resid_post_layer_2\", \"activation_dim\": 256, \"dict_size\": 1024},"
                        + " \"buffer\": {\"ctx_len\": 128, \"d_submodule\": 256}}");

        Path seedDir = dicts.resolve("seed");
        Files.createDirectories(seedDir);
        Files.copy(Reference.path("formats/seed/learned_dicts.pt"), seedDir.resolve("learned_dicts.pt"));
        seed = Path.of(seedDir.resolve("learned_dicts.pt") + "#0");

        missingModel = dicts.resolve("missing-model");
        writeSaeLens(missingModel, "EleutherAI/pythia-not-on-this-machine", "blocks.0.hook_resid_post", false, 64, 13);
    }

    /** A SAELens folder of a random standard dictionary (256 → 128). */
    public static void writeSaeLens(Path dir, String model, String hook, boolean prependBos, int context, long seed)
            throws IOException {
        Files.createDirectories(dir);
        Safetensors.write(dir.resolve("sae_weights.safetensors"), randomStandard(seed));
        Files.writeString(
                dir.resolve("cfg.json"),
                "{\"architecture\": \"standard\", \"d_in\": 256, \"d_sae\": 128, \"dtype\": \"float32\","
                        + " \"apply_b_dec_to_input\": true, \"normalize_activations\": \"none\", \"metadata\": {\"model_name\": \""
                        + model
                        + "\", \"hook_name\": \"" + hook + "\", \"hook_head_index\": null, \"prepend_bos\": "
                        + prependBos + ", \"context_size\": " + context
                        + ", \"dataset_path\": \"reference corpus\", \"sae_lens_version\": \"6.18.0\"}}");
    }

    /** A random standard dictionary 256 → 128 in SAELens's names: W_enc small Gaussian, unit decoder rows, zero biases. */
    private static Map<String, Tensor> randomStandard(long seed) {
        Random r = new Random(seed);
        Map<String, Tensor> t = new LinkedHashMap<>();
        t.put("W_enc", random(r, 256, 128, 0.06f));
        t.put("b_enc", Tensor.ofFloats(new long[] {128}, new float[128]));
        t.put("W_dec", unitRows(random(r, 128, 256, 1f)));
        t.put("b_dec", Tensor.ofFloats(new long[] {256}, new float[256]));
        return t;
    }

    private static Tensor transpose(Tensor t) {
        return org.sparsescope.compute.dictionary.HostTensors.transpose(t);
    }

    private static Tensor random(Random r, int rows, int cols, float scale) {
        float[] v = new float[rows * cols];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) r.nextGaussian() * scale;
        }
        return Tensor.ofFloats(new long[] {rows, cols}, v);
    }

    private static Tensor unitRows(Tensor t) {
        long[] s = t.shape();
        float[] v = t.floats();
        int rows = (int) s[0], cols = (int) s[1];
        for (int i = 0; i < rows; i++) {
            double n = 0;
            for (int j = 0; j < cols; j++) {
                n += v[i * cols + j] * v[i * cols + j];
            }
            for (int j = 0; j < cols; j++) {
                v[i * cols + j] /= (float) Math.sqrt(n);
            }
        }
        return Tensor.ofFloats(s, v);
    }
}
