package org.sparsescope.compute.workspace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.sparsescope.compute.Reference;
import org.sparsescope.compute.activations.ActivationSet;
import org.sparsescope.compute.activations.Corpus;
import org.sparsescope.compute.dictionary.Dictionary;
import org.sparsescope.compute.dictionary.DictionaryFiles;
import org.sparsescope.compute.dictionary.Provenance;
import org.sparsescope.compute.model.HookPoint;
import org.sparsescope.compute.model.LanguageModel;
import org.sparsescope.compute.model.ModelNotFoundException;
import org.sparsescope.compute.tensor.Tensor;
import org.sparsescope.compute.work.Cancellation;

/**
 * Dictionaries of four layouts at three (model, hook) pairs of two models found in a hub cache: each is placed
 * from its own files, gets a set harvested at its own hook (the BOS prepended where it was trained so), and no
 * pairing with another pair's set or model is accepted.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WorkspaceProvenanceTest {
    private static final long TOKENS = 4096;

    @TempDir
    static Path tmp;

    private ResearcherWorld world;
    private Workspace ws;
    private Corpus corpus;
    private final Map<String, Placement> placements = new LinkedHashMap<>();
    private final Map<String, Path> sets = new LinkedHashMap<>();

    @BeforeAll
    void harvestEachDictionarysOwnSet() throws Exception {
        world = new ResearcherWorld(tmp);
        ws = Workspace.open(tmp.resolve("ws"), List.of(world.hub));
        corpus = Corpus.open(Reference.path("corpus/test.txt"));
        ws.stateProvenance(world.seed, ResearcherWorld.NEOX_ID, HookPoint.parse("blocks.2.hook_resid_post"));
        Map<String, Path> dicts = Map.of(
                "saelens",
                world.saeLens,
                "sparsify",
                world.sparsifyRun,
                "dictionary_learning",
                world.dictionaryLearning,
                "seed",
                world.seed);
        for (var e : dicts.entrySet()) {
            Placement p = ws.place(e.getValue(), DictionaryFiles.read(e.getValue()));
            placements.put(e.getKey(), p);
            sets.put(
                    e.getKey(),
                    ws.activationsFor(p, corpus, Workspace.harvestOptions(p, TOKENS), x -> {}, new Cancellation()));
        }
    }

    @Test
    void eachLayoutIsPlacedAtTheModelAndHookItsFilesName() {
        assertPlaced("saelens", world.neoxSnapshot, "blocks.4.hook_mlp_out");
        assertPlaced("sparsify", world.gpt2Snapshot, "blocks.1.hook_resid_post");
        assertPlaced("dictionary_learning", world.neoxSnapshot, "blocks.2.hook_resid_post");
        assertPlaced("seed", world.neoxSnapshot, "blocks.2.hook_resid_post");
        assertEquals(
                Provenance.StatedBy.USER, placements.get("seed").provenance().statedBy());
        assertEquals(
                Provenance.StatedBy.FILES,
                placements.get("sparsify").provenance().statedBy());
        assertEquals(
                64, placements.get("sparsify").provenance().contextSize(), "sparsify's run config gives the context");
    }

    private void assertPlaced(String which, Path modelFolder, String hook) {
        Placement p = placements.get(which);
        assertTrue(p.ready(), which + ": " + p.missingModel());
        assertEquals(modelFolder.toAbsolutePath().normalize(), p.at().modelFolder(), which);
        assertEquals(HookPoint.parse(hook), p.at().hook(), which);
    }

    @Test
    void eachSetIsHarvestedAtItsDictionarysHookFromItsModelAndSharedAtOneHook() throws Exception {
        for (var e : sets.entrySet()) {
            try (ActivationSet s = ActivationSet.open(e.getValue())) {
                Placement p = placements.get(e.getKey());
                assertEquals(p.at().hook(), s.hook(), e.getKey());
                assertEquals(ws.modelHash(p.at().modelFolder()), s.manifest().modelHash(), e.getKey());
                assertTrue(e.getValue().startsWith(ws.catalogue().dir()), "harvested into the workspace's catalogue");
                ws.requireMatch(p, s); // its own set is accepted
            }
        }
        assertEquals(sets.get("dictionary_learning"), sets.get("seed"), "two dictionaries at one hook share one set");
        assertEquals(3, ws.catalogue().list().size());
        // a restart finds the same sets instead of harvesting again
        Workspace again = Workspace.open(tmp.resolve("ws"), List.of(world.hub));
        Placement p = again.place(world.saeLens, DictionaryFiles.read(world.saeLens));
        assertEquals(
                sets.get("saelens"),
                again.existingActivations(p, corpus, Workspace.harvestOptions(p, TOKENS))
                        .orElseThrow());
        assertEquals(
                HookPoint.parse("blocks.2.hook_resid_post"),
                again.place(world.seed, DictionaryFiles.read(world.seed)).at().hook(),
                "the statement is remembered");
    }

    @Test
    void theRowsOfASetAreTheModelsActivationsAtThatHook() throws Exception {
        try (ActivationSet s = ActivationSet.open(sets.get("sparsify"));
                LanguageModel gpt2 = LanguageModel.load(world.gpt2Snapshot)) {
            ActivationSet.TokenContext c = s.context(0).orElseThrow();
            HookPoint h = HookPoint.parse("blocks.1.hook_resid_post");
            Tensor want = gpt2.capture(new long[][] {c.tokenIds()}, h).get(h);
            float[] got = s.readRows(0, c.tokenIds().length);
            float[] w = want.floats();
            double worst = 0;
            for (int i = 0; i < got.length; i++) {
                worst = Math.max(worst, Math.abs(got[i] - w[i]) / (1 + Math.abs(w[i])));
            }
            assertTrue(worst < 2e-3, "stored as F16: " + worst);
        }
    }

    @Test
    void aPrependBosDictionarysSetHasTheBosAtEveryWindowStart() throws Exception {
        try (ActivationSet s = ActivationSet.open(sets.get("saelens"))) {
            assertEquals(64, s.manifest().window(), "the dictionary's context_size");
            assertEquals(0L, s.manifest().bosTokenId(), "config.json's bos_token_id");
            for (long row = 0; row < s.rows(); row += 64) {
                ActivationSet.TokenContext c = s.context(row).orElseThrow();
                assertEquals(0, c.position());
                assertEquals(0L, c.tokenIds()[0], "row " + row + " starts with the BOS");
            }
            assertTrue(s.specialTokenRows(0, 64)[0], "the BOS row counts as a special token");
        }
        try (ActivationSet s = ActivationSet.open(sets.get("sparsify"))) {
            assertFalse(s.manifest().prependsBos(), "sparsify dictionaries read windows as cut");
        }
    }

    @Test
    void specialTokensLeaveTheExamplesByDefaultAndTheStatisticsWhenAsked() throws Exception {
        Dictionary d = DictionaryFiles.read(world.saeLens);
        try (ActivationSet s = ActivationSet.open(sets.get("saelens"))) {
            boolean[] special = s.specialTokenRows(0, (int) s.rows());
            long specials = 0;
            for (boolean b : special) {
                specials += b ? 1 : 0;
            }
            assertTrue(specials >= s.rows() / 64, "at least every window's BOS: " + specials);
            var opts = org.sparsescope.compute.stats.FeatureAnalysis.Options.defaults();
            var byDefault = org.sparsescope.compute.stats.FeatureAnalysis.run(
                    d, s, 0, s.rows(), opts, x -> {}, new Cancellation());
            assertEquals(s.rows(), byDefault.stats().rows(), "statistics over every token");
            for (long[] rows : byDefault.top().rows()) {
                for (long r : rows) {
                    assertFalse(special[(int) r], "no example on a special token (row " + r + ")");
                }
            }
            var both = org.sparsescope.compute.stats.FeatureAnalysis.run(
                    d, s, 0, s.rows(), opts.withSpecialTokens(true, true), x -> {}, new Cancellation());
            assertEquals(s.rows() - specials, both.stats().rows());
            var all = org.sparsescope.compute.stats.FeatureAnalysis.run(
                    d, s, 0, s.rows(), opts.withSpecialTokens(false, false), x -> {}, new Cancellation());
            boolean someSpecial = false;
            for (long[] rows : all.top().rows()) {
                for (long r : rows) {
                    someSpecial |= special[(int) r];
                }
            }
            assertTrue(someSpecial, "the BOS row's large activations are among the examples when kept");
        }
    }

    @Test
    void noDictionaryIsAcceptedWithAnotherPairsSetOrModel() throws Exception {
        int refused = 0;
        for (var d : placements.entrySet()) {
            for (var s : sets.entrySet()) {
                if (s.getValue().equals(sets.get(d.getKey()))) {
                    continue;
                }
                try (ActivationSet set = ActivationSet.open(s.getValue())) {
                    ProvenanceMismatchException e = assertThrows(
                            ProvenanceMismatchException.class,
                            () -> ws.requireMatch(d.getValue(), set),
                            d.getKey() + " on " + s.getKey() + "'s set");
                    assertTrue(
                            e.getMessage().contains(d.getValue().dictionary().toString())
                                    && e.getMessage().contains(s.getValue().toString()),
                            "names both sides: " + e.getMessage());
                    refused++;
                }
            }
        }
        assertEquals(10, refused);
        try (LanguageModel gpt2 = LanguageModel.load(world.gpt2Snapshot)) {
            assertThrows(ProvenanceMismatchException.class, () -> ws.requireMatch(placements.get("saelens"), gpt2));
            ws.requireMatch(placements.get("sparsify"), gpt2);
        }
    }

    @Test
    void aForeignSetIsUsedOnlyOnceItsModelAndHookAreConfirmed() throws Exception {
        Path foreign = Reference.path("chunks/0.npy");
        Placement neox = placements.get("dictionary_learning");
        Workspace fresh = Workspace.open(tmp.resolve("ws-foreign"), List.of(world.hub));
        try (ActivationSet set = ActivationSet.open(foreign)) {
            ProvenanceMismatchException e =
                    assertThrows(ProvenanceMismatchException.class, () -> fresh.requireMatch(neox, set));
            assertTrue(e.getMessage().contains("does not say"), e.getMessage());
            fresh.confirmSet(foreign, ResearcherWorld.NEOX_ID, HookPoint.parse("blocks.2.hook_resid_post"));
            fresh.requireMatch(neox, set);
            assertThrows(ProvenanceMismatchException.class, () -> fresh.requireMatch(placements.get("saelens"), set));
        }
    }

    @Test
    void aModelFoundNowhereIsATypedErrorNamingTheIdAndThePlacesSearched() throws Exception {
        Dictionary d = DictionaryFiles.read(world.missingModel);
        Placement p = ws.place(world.missingModel, d);
        assertFalse(p.ready());
        assertNotNull(p.missingModel());
        ModelNotFoundException e = assertThrows(
                ModelNotFoundException.class,
                () -> ws.activationsFor(p, corpus, Workspace.harvestOptions(p, TOKENS), x -> {}, new Cancellation()));
        assertTrue(e.getMessage().contains("EleutherAI/pythia-not-on-this-machine"), e.getMessage());
        assertTrue(
                e.getMessage()
                        .contains(world.hub
                                .resolve("models--EleutherAI--pythia-not-on-this-machine")
                                .toString()),
                e.getMessage());
        assertTrue(e.getMessage().contains("--model"), e.getMessage());
    }

    @Test
    void anExplicitModelThatContradictsTheDictionaryIsRefusedUnlessForced() throws Exception {
        Placement neox = placements.get("saelens");
        ProvenanceMismatchException e = assertThrows(
                ProvenanceMismatchException.class, () -> ws.withExplicitModel(neox, world.gpt2Snapshot, null, false));
        assertTrue(e.getMessage().contains("other weights"), e.getMessage());
        assertEquals(
                world.gpt2Snapshot.toAbsolutePath().normalize(),
                ws.withExplicitModel(neox, world.gpt2Snapshot, null, true).at().modelFolder());
        // a name nothing binds to the folder: refused, and --force binds it once
        Path named = tmp.resolve("named");
        ResearcherWorld.writeSaeLens(named, "reference-neox-6l", "blocks.2.hook_resid_post", false, 128, 5);
        Workspace w = Workspace.open(tmp.resolve("ws-named"), List.of(world.hub));
        Placement p = w.place(named, DictionaryFiles.read(named));
        assertNull(p.at().modelFolder());
        assertThrows(
                ProvenanceMismatchException.class,
                () -> w.withExplicitModel(p, Reference.path("model-gpt2"), null, false));
        w.withExplicitModel(p, Reference.path("model"), null, true);
        assertTrue(
                Workspace.open(tmp.resolve("ws-named"), List.of())
                        .place(named, DictionaryFiles.read(named))
                        .ready(),
                "remembered");
    }

    @Test
    void hubShortNamesAndModuleHookpointsMapToWhatTheyLoad() {
        assertEquals(
                List.of("gpt2-small", "gpt2", "openai-community/gpt2"),
                org.sparsescope.compute.model.ModelLocator.hubIds("gpt2-small"));
        assertTrue(org.sparsescope.compute.model.ModelLocator.hubIds("pythia-70m-deduped")
                .contains("EleutherAI/pythia-70m-deduped"));
        assertEquals(HookPoint.parse("blocks.3.hook_resid_post"), HookPoint.parse("layers.3"));
        assertEquals(HookPoint.parse("blocks.3.hook_mlp_out"), HookPoint.parse("layers.3.mlp"));
        assertEquals(HookPoint.parse("blocks.3.hook_attn_out"), HookPoint.parse("layers.3.attention"));
        assertEquals(HookPoint.parse("blocks.0.hook_attn_out"), HookPoint.parse("h.0.attn"));
        assertEquals(HookPoint.parse("blocks.5.hook_mlp_out"), HookPoint.parse("gpt_neox.layers.5.mlp"));
        assertNull(org.sparsescope.compute.model.HookNames.named("embed_in"), "no hook name at all");
        assertTrue(HookPoint.parse("blocks.3.hook_resid_pre")
                .sameActivations(HookPoint.parse("blocks.2.hook_resid_post")));
        assertFalse(HookPoint.parse("blocks.0.hook_resid_pre")
                .sameActivations(HookPoint.parse("blocks.0.hook_resid_post")));
        assertEquals(
                "blocks.1.hook_attn_out",
                org.sparsescope.compute.dictionary.format.DictionaryLearningFormat.hookOf("attn_out_layer_1"));
    }

    @Test
    void aVersionOneWorkspaceFileIsUpgradedKeepingItsDictionaries() throws Exception {
        Path dir = tmp.resolve("v1");
        Files.createDirectories(dir);
        Files.writeString(
                dir.resolve(WorkspaceFile.NAME),
                "{\"version\": 1, \"model\": \"/models/x\", \"corpus\": \"/text.txt\","
                        + " \"activations\": \"/acts\", \"dictionaries\": [\"/d/a\", \"/d/b\"]}");
        Workspace w = Workspace.open(dir, List.of());
        assertEquals(
                List.of("/d/a", "/d/b"),
                w.dictionaries().stream()
                        .map(WorkspaceFile.DictionaryRecord::path)
                        .toList());
        assertEquals(Path.of("/text.txt"), w.corpus());
        Files.writeString(
                dir.resolve(WorkspaceFile.NAME), "{\"version\": 2, \"dictionaries\": [{\"path\": 3}], \"models\": []}");
        assertThrows(org.sparsescope.compute.InvalidInputException.class, () -> Workspace.open(dir, List.of()));
    }
}
