package org.sparsescope.viewmodels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.sparsescope.compute.dictionary.DictionaryFiles;
import org.sparsescope.compute.intervene.Intervention;
import org.sparsescope.compute.intervene.Interventions;
import org.sparsescope.compute.model.HookPoint;
import org.sparsescope.compute.model.TokenWindows;
import org.sparsescope.viewmodels.features.FeatureRow;
import org.sparsescope.viewmodels.frontier.FrontierPoint;
import org.sparsescope.viewmodels.frontier.FrontierViewModel;
import org.sparsescope.viewmodels.workspace.DictionaryEntry;

/** The view-models on the demo workspace, without a display: every job runs on the calling thread. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@org.junit.jupiter.api.TestMethodOrder(org.junit.jupiter.api.MethodOrderer.OrderAnnotation.class)
class MainViewModelTest {
    @TempDir
    static Path workspace;

    private MainViewModel vm;
    private Path demo;

    @BeforeAll
    void openDemo() throws java.io.IOException {
        demo = Path.of(System.getProperty("sparsescope.resources", "../resources"))
                .resolve("demo");
        vm = new MainViewModel(
                new SameThreadBackground(), org.sparsescope.compute.workspace.Workspace.open(workspace, List.of()));
        vm.workspace().setHarvestTokens(40_000);
        vm.workspace().setSpliceWindows(32);
        vm.workspace().openDemo(demo);
    }

    @AfterAll
    void close() {
        vm.close();
    }

    @Test
    @org.junit.jupiter.api.Order(1)
    void theDemoHarvestsActivationsAndPlacesBothDictionariesOnTheFrontier() {
        assertNull(vm.workspace().errorProperty().get());
        assertNotNull(vm.workspace().activationsProperty().get());
        assertTrue(Files.exists(vm.workspace().activationsProperty().get().resolve("manifest.json")));
        assertEquals(2, vm.workspace().dictionaries().size());
        assertEquals(2, vm.frontier().points().size());
        FrontierPoint sparse = vm.frontier().points().stream()
                .max(Comparator.comparingDouble(FrontierPoint::fvu))
                .orElseThrow();
        FrontierPoint dense = vm.frontier().points().stream()
                .min(Comparator.comparingDouble(FrontierPoint::fvu))
                .orElseThrow();
        assertTrue(sparse.l0() < dense.l0(), "the sparser dictionary explains less variance");
        assertTrue(sparse.id().contains("4.11e-03"));
    }

    @Test
    @org.junit.jupiter.api.Order(2)
    void aRectangleSelectsThePointsInsideIt() {
        List<FrontierPoint> p = vm.frontier().points();
        vm.frontier().selectRectangle(0.5, 10_000, 0, 1);
        assertEquals(2, vm.frontier().selection().size());
        FrontierPoint one = p.get(0);
        vm.frontier().selectRectangle(one.l0() * 0.9, one.l0() * 1.1, one.fvu() - 0.01, one.fvu() + 0.01);
        assertEquals(List.of(one.id()), vm.frontier().selection());
        vm.frontier().selectRectangle(1e6, 1e7, 0, 1);
        assertTrue(vm.frontier().selection().isEmpty());
    }

    @Test
    @org.junit.jupiter.api.Order(3)
    void comparingTheTwoSelectedDictionariesGivesTheirDecodersMmcs() throws Exception {
        vm.frontier().selectRectangle(0.5, 10_000, 0, 1);
        vm.frontier().compareSelected();
        FrontierViewModel.Comparison r = vm.frontier().comparisonProperty().get();
        assertNotNull(r);
        var a = vm.workspace().find(vm.frontier().selection().get(0));
        var b = vm.workspace().find(vm.frontier().selection().get(1));
        double expected = org.sparsescope.compute.stats.DictionaryComparison.of(
                        DictionaryFiles.read(a.path()),
                        DictionaryFiles.read(b.path()),
                        org.sparsescope.compute.Devices.preferred())
                .meanMaxCosine();
        assertEquals(expected, r.meanMaxCosine(), 1e-12);
        assertTrue(r.meanMaxCosine() > 0 && r.meanMaxCosine() < 1, "two different dictionaries: " + r.meanMaxCosine());
        assertEquals(a.name(), r.a());
        assertTrue(
                vm.workspace().readDictionary(a.path()) == vm.workspace().readDictionary(a.path()),
                "read once, then kept");
    }

    private String sparseId() {
        return vm.workspace().dictionaries().stream()
                .map(DictionaryEntry::id)
                .filter(id -> id.contains("4.11e-03"))
                .findFirst()
                .orElseThrow();
    }

    @Test
    @org.junit.jupiter.api.Order(3)
    void openingADictionaryFillsTheFeatureTableAndFiltersWork() {
        vm.open(sparseId());
        assertNull(
                vm.workspace().errorProperty().get(),
                () -> vm.workspace().errorProperty().get());
        assertEquals(1024, vm.features().rows().size());
        FeatureRow maxKurtosis = vm.features().rows().stream()
                .filter(r -> !Double.isNaN(r.kurtosis()))
                .max(Comparator.comparingDouble(FeatureRow::kurtosis))
                .orElseThrow();
        assertTrue(maxKurtosis.kurtosis() > 100);
        vm.features().minLog10DensityProperty().set(-1);
        assertTrue(vm.features().filteredRows().stream().allMatch(r -> r.density() >= 0.1));
        assertTrue(vm.features().filteredRows().size() < 1024);
        vm.features().minLog10DensityProperty().set(-8);
        assertEquals(1024, vm.features().filteredRows().size());
        String token = vm.features().rows().stream()
                .map(FeatureRow::topTokens)
                .filter(t -> !t.isBlank())
                .findFirst()
                .orElseThrow();
        String word = token.split(" · ")[0].strip();
        vm.features().tokenFilterProperty().set(word);
        assertFalse(vm.features().filteredRows().isEmpty());
        assertTrue(vm.features().filteredRows().stream()
                .allMatch(r -> r.topTokens().toLowerCase().contains(word.toLowerCase())));
        vm.features().tokenFilterProperty().set("");

        vm.features().selectedFeatureProperty().set(maxKurtosis.index());
        assertEquals(maxKurtosis.index(), vm.detail().featureProperty().get());
        assertFalse(vm.detail().topExamples().isEmpty(), "top examples in context");
        assertTrue(vm.detail().topExamples().get(0).tokens().length > 1);
        assertEquals(10, vm.detail().raisedTokens().size());
        assertNotNull(vm.detail().histogramProperty().get());
    }

    @Test
    @org.junit.jupiter.api.Order(3)
    void theOpenDictionaryGoesToTheClusterInTheEnginesOwnFiles(@TempDir Path out) throws Exception {
        vm.open(sparseId());
        OpenDictionary source = vm.exportSource();
        assertNotNull(source);
        List<Throwable> errors = new java.util.ArrayList<>();
        assertTrue(vm.exports().sparsifyNeedsK(source), "a ReLU dictionary");
        assertEquals(Math.round(source.entry().l0()), vm.exports().suggestedK(source));
        vm.exports().sparsify(source, out.resolve("run"), "", errors::add);
        assertEquals(1, errors.size());
        assertTrue(
                errors.get(0).getMessage().contains("give the k"), errors.get(0).getMessage());
        vm.exports().sparsify(source, out.resolve("run"), "twelve", errors::add);
        assertEquals(2, errors.size());
        vm.exports().sparsify(source, out.resolve("run"), "25", errors::add);
        assertEquals(2, errors.size(), () -> errors.get(errors.size() - 1).toString());
        var back =
                (org.sparsescope.compute.dictionary.TopKDictionary) DictionaryFiles.read(out.resolve("run/layers.2"));
        assertEquals(25, back.k());
        assertEquals(source.hook(), back.info().provenance().hook());
        vm.exports().delphi(source, out.resolve("latents"), errors::add);
        vm.exports().saeLensCache(source, out.resolve("cache"), errors::add);
        assertEquals(2, errors.size(), () -> errors.get(errors.size() - 1).toString());
        try (var files = Files.list(out.resolve("latents/layers.2"))) {
            assertEquals(6, files.count(), "five splits and config.json");
        }
        assertTrue(Files.isRegularFile(out.resolve("cache/data-00000-of-00001.arrow")));
        assertEquals(
                "wrote " + out.resolve("cache"), vm.exports().lastProperty().get());
    }

    @Test
    @org.junit.jupiter.api.Order(3)
    void aDictionarysStoredExplanationsShowInTheFeatureTableAndFilterIt() throws Exception {
        String id = sparseId();
        Path dict = vm.workspace().find(id).path();
        String hash = vm.workspace().workspace().cache().dictionaryHash(dict);
        var options = org.sparsescope.compute.autointerp.FeatureInterpreter.Options.defaults();
        var run = new org.sparsescope.compute.autointerp.AutointerpRun(
                vm.workspace().workspace().dir(), hash, "scripted-7b", options);
        var det = org.sparsescope.compute.autointerp.ScoreMetrics.of(List.of(
                new org.sparsescope.compute.autointerp.ScoreMetrics.Judgement(true, true, null),
                new org.sparsescope.compute.autointerp.ScoreMetrics.Judgement(false, true, null)));
        run.store(new org.sparsescope.compute.autointerp.FeatureInterpreter.Interpretation(
                12,
                "closing brackets in code",
                det,
                det,
                List.of(),
                10,
                2,
                "scripted-7b",
                org.sparsescope.compute.autointerp.Prompts.VERSION));
        run.store(new org.sparsescope.compute.autointerp.FeatureInterpreter.Interpretation(
                40,
                null,
                null,
                null,
                List.of(),
                10,
                2,
                "scripted-7b",
                org.sparsescope.compute.autointerp.Prompts.VERSION));
        vm.open(id);
        FeatureRow r12 = vm.features().rows().get(12),
                r40 = vm.features().rows().get(40);
        assertEquals("closing brackets in code", r12.explanation());
        assertEquals(0.5, r12.detection(), 1e-12, "(1 + 0) / 2");
        assertEquals("", r40.explanation(), "no explanation given: none shown");
        assertTrue(Double.isNaN(r40.fuzzing()));
        assertTrue(Double.isNaN(vm.features().rows().get(13).detection()));
        assertTrue(
                vm.features().explainedByProperty().get().startsWith("scripted-7b · "),
                vm.features().explainedByProperty().get());
        vm.features().minLog10DensityProperty().set(-8);
        vm.features().tokenFilterProperty().set("BRACKETS");
        assertEquals(
                List.of(12),
                vm.features().filteredRows().stream().map(FeatureRow::index).toList());
        vm.features().tokenFilterProperty().set("");
    }

    @Test
    @org.junit.jupiter.api.Order(3)
    void theAutointerpFormRunsOnTheOpenDictionaryAndTheTableAndDetailShowItsResults() throws Exception {
        String dense = vm.workspace().dictionaries().stream()
                .map(DictionaryEntry::id)
                .filter(id -> id.contains("5.01e-04"))
                .findFirst()
                .orElseThrow();
        vm.open(dense);
        var form = vm.autointerp();
        List<String> failures = new java.util.ArrayList<>();
        vm.workspace().errorProperty().addListener((o, a, b) -> failures.add(String.valueOf(b)));
        form.serverModel.set("");
        vm.runAutointerp();
        assertTrue(
                failures.get(failures.size() - 1).contains("give the model name the server knows"),
                failures.toString());
        vm.workspace().clearError(); // the other tests expect none

        // a scripted explainer: one explanation, every example judged active
        var server = com.sun.net.httpserver.HttpServer.create(new java.net.InetSocketAddress("127.0.0.1", 0), 0);
        java.util.concurrent.atomic.AtomicInteger asked = new java.util.concurrent.atomic.AtomicInteger();
        server.createContext("/", ex -> {
            String body = new String(ex.getRequestBody().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            asked.incrementAndGet();
            String text = body.contains("You study one feature")
                    ? "Looks like markup.\\n[EXPLANATION]: angle brackets of HTML tags"
                    : "[1, 1, 1, 1, 1]";
            byte[] out = ("{\"choices\":[{\"message\":{\"role\":\"assistant\",\"content\":\"" + text
                            + "\"}}],\"usage\":{\"prompt_tokens\":100,\"completion_tokens\":5}}")
                    .getBytes(java.nio.charset.StandardCharsets.UTF_8);
            ex.sendResponseHeaders(200, out.length);
            ex.getResponseBody().write(out);
            ex.close();
        });
        server.start();
        try {
            form.serverUrl.set("http://127.0.0.1:" + server.getAddress().getPort() + "/v1");
            form.serverModel.set("scripted-13b");
            form.apiKey.set("sk-secret-typed-once");
            form.which.set(org.sparsescope.viewmodels.autointerp.AutointerpViewModel.Which.SELECTED);
            int feature = vm.features().rows().stream()
                    .filter(r -> r.density() > 0.01)
                    .findFirst()
                    .orElseThrow()
                    .index();
            vm.features().selectedFeatureProperty().set(feature);
            vm.runAutointerp();
            assertTrue(asked.get() > 1, "explained, then scored");
            FeatureRow row = vm.features().rows().get(feature);
            assertEquals("angle brackets of HTML tags", row.explanation());
            assertEquals(0.5, row.detection(), 1e-12, "every example called active: recall 1, specificity 0");
            assertTrue(vm.features().explainedByProperty().get().startsWith("scripted-13b · "));
            var shown = form.shownProperty().get();
            assertEquals(feature, shown.feature());
            assertEquals("explain", shown.exchanges().get(0).purpose());
            assertTrue(shown.exchanges().get(0).prompt().contains("── system ──"));
            assertTrue(shown.exchanges().get(0).answer().contains("[EXPLANATION]: angle brackets"));
            assertTrue(
                    form.summaryProperty().get().startsWith("detection 0.500"),
                    form.summaryProperty().get());
            // the key typed in the form is in no stored file
            try (var files =
                    java.nio.file.Files.walk(vm.workspace().workspace().dir().resolve("autointerp"))) {
                for (Path f : files.filter(java.nio.file.Files::isRegularFile).toList()) {
                    assertFalse(java.nio.file.Files.readString(f).contains("sk-secret"), f.toString());
                }
            }
        } finally {
            server.stop(0);
        }
    }

    @Test
    @org.junit.jupiter.api.Order(4)
    void ablationReportsThePerplexityChangeTheComputeEngineGives() throws Exception {
        vm.open(sparseId());
        vm.ablation().featuresProperty().set("519");
        vm.ablation().windowsProperty().set(4);
        vm.runAblation();
        assertNull(
                vm.workspace().errorProperty().get(),
                () -> vm.workspace().errorProperty().get());
        double shown = vm.ablation().deltaPerplexityProperty().get();
        long[][] windows = TokenWindows.consecutive(
                vm.model().tokenizer().encode(Files.readString(demo.resolve("corpus/test.txt"))), 128, 4);
        try (Interventions iv = new Interventions(vm.model(), DictionaryFiles.read(Path.of(sparseId())), null)) {
            float[][] clean = iv.tokenLosses(windows, new Intervention.Clean());
            Interventions.Effect e = iv.effect(
                    windows, new Intervention.Ablate(new int[] {519}, Intervention.AblationMode.KEEP_ERROR), clean);
            assertEquals(e.perplexity() - e.cleanPerplexity(), shown, 1e-9);
        }
        assertEquals(4, vm.ablation().pagesProperty().get(), "every window it ran on can be read");
        assertEquals(128, vm.ablation().tokens().size(), "a window a page, tinted");
        assertEquals(
                "reference-neox-6l: float32",
                vm.loadedModelsProperty().get(),
                "the status bar names the loaded model, by the name the demo binds, and what it computes in");
    }

    @Test
    @org.junit.jupiter.api.Order(5)
    void aCancelledSweepStopsAndResumesAndAFinishedOneJoinsTheWorkspace() {
        vm.training().l1ValuesProperty().set("4e-3");
        vm.training().ratiosProperty().set("1");
        vm.training().epochsProperty().set(1);
        vm.training().batchProperty().set(1024);
        Path out = workspace.resolve("trained");
        int before = vm.workspace().dictionaries().size();
        javafx.collections.ListChangeListener<Object> cancelAtFirstEvent =
                c -> vm.training().cancel();
        vm.training().points().addListener(cancelAtFirstEvent);
        vm.training().start(out);
        vm.training().points().removeListener(cancelAtFirstEvent);
        assertFalse(vm.training().runningProperty().get());
        assertTrue(
                vm.training().statusProperty().get().startsWith("cancelled"),
                vm.training().statusProperty().get());
        assertTrue(Files.exists(out.resolve(".run/checkpoint.safetensors")), "a checkpoint to resume from");
        assertEquals(before, vm.workspace().dictionaries().size());

        vm.training().start(out);
        assertFalse(vm.training().runningProperty().get());
        assertTrue(
                vm.training().statusProperty().get().startsWith("done"),
                vm.training().statusProperty().get());
        assertEquals(before + 1, vm.workspace().dictionaries().size());
        assertFalse(vm.training().points().isEmpty(), "live points were reported");
        assertTrue(vm.frontier().points().stream().noneMatch(FrontierPoint::live));
    }

    @Test
    @org.junit.jupiter.api.Order(6)
    void harvestingFromAModelHookAndCorpusGivesTheWorkspaceANewActivationSet() throws Exception {
        vm.workspace().harvest(demo.resolve("model"), "blocks.0.hook_mlp_out", demo.resolve("corpus/test.txt"), 4096);
        assertNull(
                vm.workspace().errorProperty().get(),
                () -> vm.workspace().errorProperty().get());
        Path set = vm.workspace().activationsProperty().get();
        try (var s = org.sparsescope.compute.activations.ActivationSet.open(set)) {
            assertEquals(HookPoint.parse("blocks.0.hook_mlp_out"), s.hook());
            assertEquals(4096, s.rows());
        }
        assertTrue(
                vm.workspace().workspace().catalogue().list().stream()
                        .anyMatch(e -> e.folder().equals(set)),
                "the catalogue lists it");
        assertTrue(set.startsWith(workspace.resolve("activations")), "harvested into the workspace's catalogue");
    }
}
