package org.sparsescope.compute.workspace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparsescope.compute.InvalidInputException;
import org.sparsescope.compute.Reference;
import org.sparsescope.compute.activations.Manifest;
import org.sparsescope.compute.dictionary.Provenance;
import org.sparsescope.compute.model.HookPoint;
import org.sparsescope.compute.model.LanguageModel;
import org.sparsescope.compute.model.ModulePaths;
import org.sparsescope.compute.model.TransformerConfig;

/** The hook travels as a place, not a spelling: from the files that name it to the pair it makes. */
class TypedHookTest {
    @TempDir
    Path tmp;

    private static Path family(String name) {
        return Reference.testResource("families/" + name);
    }

    @Test
    void aModulePathAndItsTransformerLensNameAreOnePlaceAndMakeOnePair() {
        HookPoint module = HookPoint.parse("model.layers.2");
        HookPoint lens = HookPoint.parse("blocks.2.hook_resid_post");
        assertEquals(lens, module);
        assertEquals("blocks.2.hook_resid_post", module.name());
        // resid_pre of the next block is the same tensor: a different point, the same pair
        HookPoint pre = HookPoint.parse("blocks.3.hook_resid_pre");
        assertNotEquals(lens, pre);
        assertTrue(pre.sameActivations(lens));
        assertFalse(HookPoint.parse("blocks.0.hook_resid_pre")
                .sameActivations(HookPoint.parse("blocks.0.hook_resid_post")));
        ModelHook a = new ModelHook("m", Path.of("/m"), "abc", pre);
        ModelHook b = new ModelHook("m", Path.of("/m"), "abc", module);
        assertEquals(a.key(), b.key());
        assertTrue(a.sameAs(b));
        assertFalse(a.sameAs(new ModelHook("m", Path.of("/m"), "abc", HookPoint.parse("blocks.2.hook_mlp_out"))));
    }

    @Test
    void aReleasesInAndOutPointsAreComparedAsPlacesSoOnePlaceSpelledTwiceIsNoTranscoder() {
        var gemma = TransformerConfig.Architecture.GEMMA3;
        assertTrue(ModulePaths.samePlace("model.layers.2.output", "blocks.2.hook_resid_post", gemma));
        assertTrue(ModulePaths.samePlace(
                "model.layers.1.post_attention_layernorm.output", "blocks.1.hook_attn_out", gemma));
        assertFalse(
                ModulePaths.samePlace(
                        "model.layers.1.pre_feedforward_layernorm.output",
                        "model.layers.1.post_feedforward_layernorm.output",
                        gemma),
                "a transcoder's input and output");
        assertFalse(ModulePaths.samePlace("embed_tokens", "model.layers.0.output", gemma), "a name of no place");
    }

    @Test
    void aHookOnlyItsModelCanReadIsKeptByItsNameAndReadInThatModelsFamily() throws Exception {
        String name = "model.layers.1.post_attention_layernorm.output";
        Provenance files = Provenance.stated("tiny", name, null, true, 0, null);
        assertNull(files.hook(), "Gemma and Llama mean different places by it: not read without the model");
        assertEquals(name, files.hookName());
        assertFalse(files.complete());

        Workspace gemma = Workspace.open(tmp.resolve("ws-gemma"), List.of());
        gemma.rememberModel("tiny", family("gemma3"));
        Placement atGemma = gemma.place(tmp.resolve("dict-a"), files);
        assertTrue(atGemma.ready(), String.valueOf(atGemma.missingModel()));
        assertEquals(HookPoint.parse("blocks.1.hook_attn_out"), atGemma.at().hook());

        Workspace llama = Workspace.open(tmp.resolve("ws-llama"), List.of());
        llama.rememberModel("tiny", family("llama"));
        Placement atLlama = llama.place(tmp.resolve("dict-b"), files);
        assertTrue(atLlama.ready(), String.valueOf(atLlama.missingModel()));
        assertEquals(
                HookPoint.parse("blocks.1.ln2.hook_normalized"), atLlama.at().hook());
    }

    @Test
    void aHookTheAppDoesNotRunIsKeptByNameAndTheRefusalNamesIt() throws Exception {
        Provenance files = Provenance.stated("tiny", "blocks.0.mlp.hook_post", null, true, 64, null);
        assertNull(files.hook());
        Workspace ws = Workspace.open(tmp.resolve("ws"), List.of());
        ws.rememberModel("tiny", family("llama"));
        Placement p = ws.place(tmp.resolve("dict"), files);
        assertFalse(p.ready());
        var refused = assertThrows(ProvenanceMismatchException.class, () -> Workspace.requireReady(p));
        assertTrue(refused.getMessage().contains("blocks.0.mlp.hook_post"), refused.getMessage());
    }

    @Test
    void oneHeadOfAttnHookZIsItsOwnPointAndTheModelRefusesItByName() throws Exception {
        HookPoint all = HookPoint.parse("blocks.1.attn.hook_z");
        HookPoint head = Provenance.stated("tiny", "blocks.1.attn.hook_z", 3, false, 0, null)
                .hook();
        assertEquals(all.withHead(3), head);
        assertNotEquals(all, head, "a dictionary of one head is not paired with a set of every head");
        Path dir = family("llama");
        TransformerConfig config = TransformerConfig.read(dir);
        assertEquals(all, LanguageModel.hook(dir, config, "blocks.1.attn.hook_z"));
        try (LanguageModel lm = LanguageModel.load(dir)) {
            var refused = assertThrows(InvalidInputException.class, () -> lm.hook(head));
            assertTrue(refused.getMessage().contains("head 3"), refused.getMessage());
        }
    }

    @Test
    void aManifestWritesTheHooksNameAndReadsAnUnknownOrBadOneAsItShould() throws Exception {
        Path set = tmp.resolve("set");
        Files.createDirectories(set);
        String manifest = """
                {"format": "sparsescope-activations", "version": 1, "model": "m", "model_hash": "h",
                 "hook": "%s", "d": 4, "dtype": "F32", "window": 8, "tokenizer_hash": "t", "corpus": "c",
                 "corpus_hash": "x", "order": "consecutive", "seed": 0, "target_rows": 8, "rows_per_chunk": 8,
                 "complete": false, "chunks": []}
                """;
        Files.writeString(set.resolve(Manifest.FILE), manifest.formatted("model.layers.1.mlp"));
        Manifest m = Manifest.read(set);
        assertEquals(HookPoint.parse("blocks.1.hook_mlp_out"), m.hook());
        m.write(set);
        assertTrue(Files.readString(set.resolve(Manifest.FILE)).contains("\"hook\": \"blocks.1.hook_mlp_out\""));

        Files.writeString(set.resolve(Manifest.FILE), manifest.formatted("unknown"));
        assertNull(Manifest.read(set).hook());

        Files.writeString(set.resolve(Manifest.FILE), manifest.formatted("blocks.1.hook_nowhere"));
        var bad = assertThrows(InvalidInputException.class, () -> Manifest.read(set));
        assertTrue(bad.getMessage().contains(Manifest.FILE), bad.getMessage());
    }
}
