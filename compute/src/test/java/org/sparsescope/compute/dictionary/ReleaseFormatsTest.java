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
        "gemma_scope, gemma-scope-2b-pt-res/layer_1/width_16k/average_l0_5, google/gemma-2-2b, blocks.1.hook_resid_post",
        "gemma_scope_2, gemma-scope-2-1b-pt/resid_post_all/layer_2_width_16k_l0_small, google/gemma-3-1b-pt,"
                + " blocks.2.hook_resid_post",
        "llama_scope, Llama3_1-8B-Base-LXR-8x/Llama3_1-8B-Base-L1R-8x, meta-llama/Llama-3.1-8B,"
                + " blocks.1.hook_resid_post",
        "goodfire, Goodfire/Llama-3.1-8B-Instruct-SAE-l1/Llama-3.1-8B-Instruct-SAE-l1.pth,"
                + " meta-llama/Llama-3.1-8B-Instruct, blocks.1.hook_resid_post",
        "batchtopk, dictionary_learning_batchtopk, google/gemma-2-2b, blocks.1.hook_resid_post"
    })
    void aReleaseReproducesItsLoadersCodes(String key, String path, String model, String hook) throws Exception {
        Map<String, Tensor> expected = Safetensors.readAll(release("expected.safetensors"));
        Dictionary d = DictionaryFiles.read(release(path));
        assertEquals(key.equals("goodfire") ? "standard" : "jumprelu", d.architecture());
        assertEquals(64, d.dIn());
        assertEquals(96, d.dSae());
        assertEquals(model, d.info().model());
        assertEquals(hook, d.info().hook());
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
    void aGemmaScope2TranscoderIsRefusedByNameNotOpenedAsADictionaryOfItsInput() {
        var e = assertThrows(
                DictionaryFormatException.class,
                () -> DictionaryFiles.read(
                        release("gemma-scope-2-1b-pt/transcoder_all/layer_1_width_16k_l0_big_affine")));
        assertTrue(e.getMessage().contains("transcoder") && e.getMessage().contains("config.json"), e.getMessage());
    }
}
