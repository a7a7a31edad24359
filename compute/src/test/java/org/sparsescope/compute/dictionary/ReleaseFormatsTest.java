package org.sparsescope.compute.dictionary;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.sparsescope.compute.tensor.Safetensors;
import org.sparsescope.compute.tensor.Tensor;

/**
 * The public releases' layouts as {@code tools/families/make_releases.py} writes them from their documentation,
 * against the codes and reconstructions of that script's NumPy transcription of each release's loader.
 */
class ReleaseFormatsTest {
    static Path release(String path) {
        return org.sparsescope.compute.Reference.testResource("releases/" + path);
    }

    @ParameterizedTest(name = "{0} gives its own loader's codes and knows its model and hook")
    @CsvSource({
        "gemma_scope, gemma-scope-2b-pt-res/layer_1/width_16k/average_l0_5, google/gemma-2-2b, blocks.1.hook_resid_post,"
                + " jumprelu",
        "gemma_scope_2, gemma-scope-2-1b-pt/resid_post_all/layer_2_width_16k_l0_small, google/gemma-3-1b-pt,"
                + " blocks.2.hook_resid_post, jumprelu",
        "llama_scope, Llama3_1-8B-Base-LXR-8x/Llama3_1-8B-Base-L1R-8x, meta-llama/Llama-3.1-8B,"
                + " blocks.1.hook_resid_post, jumprelu",
        "goodfire, Goodfire/Llama-3.1-8B-Instruct-SAE-l1/Llama-3.1-8B-Instruct-SAE-l1.pth,"
                + " meta-llama/Llama-3.1-8B-Instruct, blocks.1.hook_resid_post, standard",
        "batchtopk, dictionary_learning_batchtopk, google/gemma-2-2b, blocks.1.hook_resid_post, jumprelu",
        "openai_topk, gpt2-small/resid_post_mlp_v5_32k/autoencoders/1.pt, gpt2, blocks.1.hook_resid_post, topk",
        "openai_relu, gpt2-small/resid_delta_mlp_v4/autoencoders/1.pt, gpt2, blocks.1.hook_mlp_out, standard",
        "sparsify_llama, sae-llama-3.1-8b-64x/layers.1.mlp, meta-llama/Llama-3.1-8B, blocks.1.hook_mlp_out, topk",
        "qwen_scope, SAE-Res-Qwen3-1.7B-Base-W32K-L0_8/layer1.sae.pt, Qwen/Qwen3-1.7B-Base, blocks.1.hook_resid_post,"
                + " topk",
        "saelens_layer_norm, saelens_normalize/layer_norm, gpt2, blocks.1.hook_resid_post, standard",
        "saelens_constant_norm_rescale, saelens_normalize/constant_norm_rescale, gpt2, blocks.1.hook_resid_post,"
                + " standard",
        "saelens_expected_average_only_in, saelens_normalize/expected_average_only_in, gpt2, blocks.1.hook_resid_post,"
                + " standard"
    })
    void aReleaseReproducesItsLoadersCodes(String key, String path, String model, String hook, String architecture)
            throws Exception {
        Map<String, Tensor> expected = Safetensors.readAll(release("expected.safetensors"));
        Dictionary d = DictionaryFiles.read(release(path));
        assertEquals(architecture, d.architecture());
        assertEquals(64, d.dIn());
        assertEquals(96, d.dSae());
        assertEquals(model, d.info().model());
        assertEquals(hook, d.info().provenance().hookLabel());
        assertEquals(d.info().provenance(), DictionaryFiles.provenanceOf(release(path)), "listing reads the same");
        float[][] got = DictionaryFormatsTest.run(d, expected.get("input").floats(), 8);
        DictionaryFormatsTest.assertClose(expected.get(key + "_codes").floats(), got[0], 1e-5, key + " codes");
        DictionaryFormatsTest.assertClose(expected.get(key + "_recon").floats(), got[1], 1e-5, key + " recon");
        int active = 0;
        for (float c : got[0]) {
            active += c != 0 ? 1 : 0;
        }
        assertTrue(active > 0 && active < got[0].length, "some features fire, some do not: " + active);
    }

    @Test
    void aPerRowNormalisationTravelsWithTheDictionaryAndAConstantOneIsFoldedIn() throws Exception {
        assertEquals(
                new InputNormalization.LayerNorm(1e-5),
                ((NormalizedDictionary)
                                DictionaryFiles.read(release("gpt2-small/resid_post_mlp_v5_32k/autoencoders/1.pt")))
                        .normalization(),
                "OpenAI's TopK autoencoders normalise their input, as from_state_dict decides");
        assertTrue(
                DictionaryFiles.read(release("gpt2-small/resid_delta_mlp_v4/autoencoders/1.pt"))
                        instanceof StandardDictionary,
                "its ReLU ones do not");
        assertTrue(
                DictionaryFiles.read(release("saelens_normalize/expected_average_only_in"))
                        instanceof StandardDictionary,
                "a constant scale is folded into the weights, as SAELens folds it");
    }

    @Test
    void expectedAverageOnlyInWithoutItsScalingFactorIsRefusedNotRunUnscaled() {
        var e = assertThrows(
                DictionaryFormatException.class,
                () -> DictionaryFiles.read(release("saelens_normalize/expected_average_without_scaler")));
        assertTrue(
                e.getMessage().contains("cfg.json")
                        && e.getMessage().contains("expected_average_only_in")
                        && e.getMessage().contains("activation_scaler.json"),
                e.getMessage());
    }

    @Test
    void aQwenScopeLayerFileOutOfItsRepositoryFolderIsRefusedForWantOfK(@org.junit.jupiter.api.io.TempDir Path tmp)
            throws Exception {
        Path alone = tmp.resolve("layer1.sae.pt");
        java.nio.file.Files.copy(release("SAE-Res-Qwen3-1.7B-Base-W32K-L0_8/layer1.sae.pt"), alone);
        var e = assertThrows(DictionaryFormatException.class, () -> DictionaryFiles.read(alone));
        assertTrue(e.getMessage().contains("L0_50") && e.getMessage().contains(alone.toString()), e.getMessage());
    }

    @Test
    void aGemmaScope2TranscoderIsRefusedByNameNotOpenedAsADictionaryOfItsInput() {
        var e = assertThrows(
                DictionaryFormatException.class,
                () -> DictionaryFiles.read(
                        release("gemma-scope-2-1b-pt/transcoder_all/layer_1_width_16k_l0_big_affine")));
        assertTrue(e.getMessage().contains("transcoder") && e.getMessage().contains("config.json"), e.getMessage());
    }

    @Test
    void aGemmaScopeEmbeddingDictionaryIsAtHookEmbedOfItsModel(@org.junit.jupiter.api.io.TempDir Path tmp)
            throws Exception {
        // the res repositories publish embedding/width_4k/average_l0_N beside their layer folders (SAELens's
        // registry: hook_embed); the file is the same params.npz layout
        Path params = release("gemma-scope-2b-pt-res/layer_1/width_16k/average_l0_5/params.npz");
        Path embedding = tmp.resolve("gemma-scope-2b-pt-res/embedding/width_4k/average_l0_6");
        java.nio.file.Files.createDirectories(embedding);
        java.nio.file.Files.copy(params, embedding.resolve("params.npz"));
        Dictionary d = DictionaryFiles.read(embedding);
        assertEquals("google/gemma-2-2b", d.info().model());
        assertEquals("hook_embed", d.info().provenance().hookLabel());
        assertEquals(
                org.sparsescope.compute.model.HookPoint.embed(),
                d.info().provenance().hook());
        // only the res repositories have one: an embedding folder elsewhere names no hook rather than a wrong one
        Path mlp = tmp.resolve("gemma-scope-2b-pt-mlp/embedding/width_4k/average_l0_6");
        java.nio.file.Files.createDirectories(mlp);
        java.nio.file.Files.copy(params, mlp.resolve("params.npz"));
        assertEquals(null, DictionaryFiles.provenanceOf(mlp).hook());
    }
}
