package org.sparsescope.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.sparsescope.app.CommandLineTest.Run;
import org.sparsescope.compute.Reference;
import org.sparsescope.compute.workspace.ResearcherWorld;
import org.sparsescope.compute.workspace.Workspace;
import org.sparsescope.viewmodels.MainViewModel;
import org.sparsescope.viewmodels.SameThreadBackground;
import org.sparsescope.viewmodels.workspace.DictionaryEntry;
import org.sparsescope.viewmodels.workspace.HookPair;
import org.sparsescope.viewmodels.workspace.ProvenanceRequest;

/**
 * Issue 11's acceptance, without a display: four dictionaries of four layouts, of two models found in a hub
 * cache, opened in one workspace as the window opens them; each lands on its own (model, hook) frontier with the
 * FVU and L0 that {@code sparsescope eval} prints for it; the command line refuses every wrong pairing.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ProvenanceAcceptanceTest {
    @TempDir
    static Path tmp;

    private ResearcherWorld world;
    private Path ws;
    private Path corpus;
    private MainViewModel vm;
    private ProvenanceRequest asked;

    @BeforeAll
    void openFourDictionariesInOneWorkspace() throws Exception {
        world = new ResearcherWorld(tmp);
        System.setProperty("sparsescope.hubCache", world.hub.toString());
        ws = tmp.resolve("ws");
        corpus = Reference.path("corpus/test.txt");
        vm = new MainViewModel(new SameThreadBackground(), Workspace.open(ws));
        vm.workspace().setHarvestTokens(20_000);
        vm.workspace().setSpliceWindows(16);
        vm.workspace().setFallbackCorpus(corpus);
        vm.workspace().provenanceRequestProperty().addListener((o, a, r) -> {
            if (r != null) {
                asked = r;
            }
        });
        for (Path d : List.of(world.saeLens, world.sparsifyRun, world.dictionaryLearning, world.seed)) {
            vm.workspace().openDictionary(d);
        }
    }

    @AfterAll
    void close() {
        vm.close();
        System.clearProperty("sparsescope.hubCache");
    }

    private DictionaryEntry entry(Path p) {
        return vm.workspace().find(p.toString());
    }

    @Test
    void aDictionaryNamingNothingIsAskedForOnceThenPlaced() {
        assertNotNull(asked, "learned_dicts.pt names no model or hook: the user is asked");
        assertEquals(world.seed.toString(), asked.target());
        vm.workspace().answer(asked, ResearcherWorld.NEOX_ID, "blocks.2.hook_resid_post");
        assertEquals(
                DictionaryEntry.Status.MEASURED,
                entry(world.seed).status(),
                entry(world.seed).statusMessage());
        assertEquals(
                entry(world.dictionaryLearning).activations(),
                entry(world.seed).activations(),
                "one set per hook, shared");
    }

    @Test
    void eachDictionaryIsOnItsOwnPairsFrontierWithTheFvuAndL0ThatEvalPrints() throws Exception {
        if (entry(world.seed).status() != DictionaryEntry.Status.MEASURED) {
            aDictionaryNamingNothingIsAskedForOnceThenPlaced();
        }
        Map<String, String> hookOf = Map.of(
                world.saeLens.toString(),
                "blocks.4.hook_mlp_out",
                world.sparsifyRun.toString(),
                "blocks.1.hook_resid_post",
                world.dictionaryLearning.toString(),
                "blocks.2.hook_resid_post",
                world.seed.toString(),
                "blocks.2.hook_resid_post");
        for (var e : hookOf.entrySet()) {
            DictionaryEntry d = vm.workspace().find(e.getKey());
            assertEquals(DictionaryEntry.Status.MEASURED, d.status(), d.name() + ": " + d.statusMessage());
            assertEquals(e.getValue(), d.hookName());
            vm.frontier().showPair(d.pairKey());
            assertTrue(
                    vm.frontier().points().stream().anyMatch(p -> p.id().equals(d.id())),
                    d.name() + " on its pair's frontier");
            assertTrue(
                    vm.frontier().points().stream()
                            .allMatch(p -> vm.workspace().find(p.id()).pairKey().equals(d.pairKey())),
                    "the frontier shows one pair at a time");
            Run r = CommandLineTest.run(
                    "eval",
                    "--dict",
                    e.getKey(),
                    "--workspace",
                    ws.toString(),
                    "--corpus",
                    corpus.toString(),
                    "--kl-windows",
                    "0",
                    "--json");
            assertEquals(0, r.status(), r.err());
            JsonObject m = JsonParser.parseString(r.out()).getAsJsonObject();
            assertEquals(
                    d.activations().toString(),
                    m.get("activations").getAsString(),
                    "eval finds the set the window measured on");
            assertEquals(e.getValue(), m.get("hook").getAsString());
            assertEquals(m.get("fvu").getAsDouble(), d.fvu(), 1e-6, d.name());
            assertEquals(m.get("l0").getAsDouble(), d.l0(), 1e-6, d.name());
        }
        Set<String> pairs =
                vm.workspace().pairs().stream().map(HookPair::display).collect(Collectors.toSet());
        assertEquals(
                Set.of(
                        ResearcherWorld.NEOX_ID + " @ blocks.4.hook_mlp_out (1)",
                        ResearcherWorld.GPT2_ID + " @ blocks.1.hook_resid_post (1)",
                        ResearcherWorld.NEOX_ID + " @ blocks.2.hook_resid_post (2)"),
                pairs);
    }

    @Test
    void theCommandLineRefusesEveryPairingOfAnotherModelOrHook() throws Exception {
        Path gpt2Set = entry(world.sparsifyRun).activations();
        assertNotNull(gpt2Set);
        Run r = CommandLineTest.run(
                "eval",
                "--dict",
                world.saeLens.toString(),
                "--activations",
                gpt2Set.toString(),
                "--workspace",
                ws.toString());
        assertEquals(2, r.status(), r.out());
        assertTrue(
                r.err().contains(world.saeLens.toString())
                        && r.err().contains(gpt2Set.toString())
                        && r.err().contains("blocks.1.hook_resid_post"),
                r.err());
        Run stats = CommandLineTest.run(
                "stats",
                "--dict",
                world.sparsifyRun.toString(),
                "--activations",
                entry(world.saeLens).activations().toString(),
                "--workspace",
                ws.toString());
        assertEquals(2, stats.status(), stats.err());
        // the issue's own example: a NeoX dictionary spliced into the GPT-2
        Run splice = CommandLineTest.run(
                "splice",
                "--model",
                Reference.path("model-gpt2").toString(),
                "--dict",
                Reference.path("saes/l1_4.11e-03").toString(),
                "--text",
                Reference.path("corpus/val.txt").toString(),
                "--windows",
                "2",
                "--workspace",
                tmp.resolve("ws-fresh").toString());
        assertEquals(2, splice.status(), splice.out());
        assertTrue(splice.err().contains("reference-neox-6l"), splice.err());
        Run ablate = CommandLineTest.run(
                "ablate",
                "--model",
                world.gpt2Snapshot.toString(),
                "--dict",
                world.saeLens.toString(),
                "--features",
                "1",
                "--text",
                Reference.path("corpus/val.txt").toString(),
                "--windows",
                "2",
                "--workspace",
                ws.toString());
        assertEquals(2, ablate.status(), ablate.out());
        assertTrue(ablate.err().contains("other weights"), ablate.err());
        Run missing =
                CommandLineTest.run("eval", "--dict", world.missingModel.toString(), "--workspace", ws.toString());
        assertEquals(2, missing.status());
        assertTrue(
                missing.err().contains("EleutherAI/pythia-not-on-this-machine")
                        && missing.err().contains("models--EleutherAI--pythia-not-on-this-machine")
                        && missing.err().contains("--model"),
                missing.err());
    }

    @Test
    void theWorkspaceCommandListsModelsSetsAndDictionaries() {
        if (entry(world.seed).status() != DictionaryEntry.Status.MEASURED) {
            aDictionaryNamingNothingIsAskedForOnceThenPlaced();
        }
        Run r = CommandLineTest.run("workspace", "--workspace", ws.toString(), "--json");
        assertEquals(0, r.status(), r.err());
        JsonObject o = JsonParser.parseString(r.out()).getAsJsonObject();
        JsonArray sets = o.getAsJsonArray("activation_sets");
        assertTrue(sets.size() >= 3, r.out());
        Set<String> hooks = sets.asList().stream()
                .map(e -> e.getAsJsonObject().get("hook").getAsString())
                .collect(Collectors.toSet());
        assertTrue(
                hooks.containsAll(
                        Set.of("blocks.4.hook_mlp_out", "blocks.1.hook_resid_post", "blocks.2.hook_resid_post")),
                hooks.toString());
        JsonObject seed = o.getAsJsonArray("dictionaries").asList().stream()
                .map(JsonElement::getAsJsonObject)
                .filter(d -> d.get("path").getAsString().equals(world.seed.toString()))
                .findFirst()
                .orElseThrow();
        assertEquals("user", seed.get("stated_by").getAsString());
        assertEquals(
                entry(world.seed).activations().toString(),
                seed.get("activations").getAsString());
        assertTrue(
                o.getAsJsonArray("models").asList().stream()
                        .anyMatch(m ->
                                m.getAsJsonObject().get("name").getAsString().equals(ResearcherWorld.GPT2_ID)
                                        && m.getAsJsonObject()
                                                .get("folder")
                                                .getAsString()
                                                .equals(world.gpt2Snapshot.toString())),
                r.out());
    }
}
