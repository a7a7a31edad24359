package org.sparsescope.viewmodels.ablation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.sparsescope.compute.Reference;
import org.sparsescope.compute.dictionary.Dictionary;
import org.sparsescope.compute.dictionary.DictionaryFiles;
import org.sparsescope.compute.intervene.Intervention;
import org.sparsescope.compute.intervene.Interventions;
import org.sparsescope.compute.model.HookPoint;
import org.sparsescope.compute.model.LanguageModel;
import org.sparsescope.compute.model.TokenWindows;
import org.sparsescope.viewmodels.SameThreadBackground;

/** The ablation panel on the reference NeoX: every window readable, several features steered at once, the prompt as text. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AblationPanelTest {
    private LanguageModel model;
    private Dictionary dictionary;

    @BeforeAll
    void load() throws Exception {
        model = LanguageModel.load(Reference.path("model"));
        dictionary = DictionaryFiles.read(Reference.path("saes/l1_4.11e-03"));
    }

    @AfterAll
    void close() {
        model.close();
    }

    private AblationViewModel.Source source(String prompt) {
        return new AblationViewModel.Source() {
            @Override
            public LanguageModel model() {
                return model;
            }

            @Override
            public HookPoint hook() {
                return HookPoint.parse("blocks.2.hook_resid_post");
            }

            @Override
            public Dictionary dictionary() {
                return dictionary;
            }

            @Override
            public Path text() {
                return Reference.path("corpus/test.txt");
            }

            @Override
            public String prompt() {
                return prompt;
            }
        };
    }

    private double steeredPerplexity(String features) {
        AblationViewModel vm = new AblationViewModel(new SameThreadBackground());
        vm.windowsProperty().set(3);
        vm.featuresProperty().set(features);
        vm.steeringProperty().set(true);
        vm.steeringAlphaProperty().set(12);
        List<Throwable> errors = new ArrayList<>();
        vm.run(source(""), errors::add);
        assertTrue(errors.isEmpty(), errors.toString());
        return vm.perplexityProperty().get();
    }

    @Test
    void steeringTwoFeaturesAppliesBoth() {
        double both = steeredPerplexity("519, 796"),
                first = steeredPerplexity("519"),
                second = steeredPerplexity("796");
        assertNotEquals(first, both, "796 is not dropped");
        assertNotEquals(second, both, "519 is not dropped");
    }

    @Test
    void everyWindowCanBeReadAndTheLargestChangesAreTheCommandLines() throws Exception {
        AblationViewModel vm = new AblationViewModel(new SameThreadBackground());
        vm.windowsProperty().set(4);
        vm.featuresProperty().set("519");
        List<Throwable> errors = new ArrayList<>();
        vm.run(source(""), errors::add);
        assertTrue(errors.isEmpty(), errors.toString());
        assertEquals(4, vm.pagesProperty().get());
        vm.pageProperty().set(3);
        long[][] windows = TokenWindows.consecutive(
                model.tokenizer().encode(java.nio.file.Files.readString(Reference.path("corpus/test.txt"))), 128, 4);
        assertEquals(128, vm.tokens().size());
        assertEquals(
                model.tokenizer().tokenText(windows[3][5]),
                vm.tokens().get(5).text(),
                "page 4 shows the fourth window");
        try (Interventions iv = new Interventions(model, dictionary, null)) {
            Interventions.Effect e = iv.effect(
                    windows,
                    new Intervention.Ablate(new int[] {519}, Intervention.AblationMode.KEEP_ERROR),
                    iv.tokenLosses(windows, new Intervention.Clean()));
            assertEquals(
                    e.tokenLossDelta()[3][9],
                    vm.tokens().get(10).delta(),
                    1e-6,
                    "token 10 of window 4 carries its loss change");
            var top = vm.largestChanges().get(0);
            assertEquals(e.tokenLossDelta()[top.window()][top.position() - 1], top.delta(), 1e-6);
            Interventions.SpliceReport r = iv.splice(windows);
            assertEquals(r.ceLossRecovered(), vm.ceLossRecoveredProperty().get(), 1e-6);
        }
    }

    @Test
    void insideTheReconstructionTheChangeIsAgainstTheSplicedRun() throws Exception {
        AblationViewModel vm = new AblationViewModel(new SameThreadBackground());
        vm.windowsProperty().set(3);
        vm.featuresProperty().set("519");
        vm.modeProperty().set(org.sparsescope.viewmodels.Choices.AblationMode.RECONSTRUCTION);
        List<Throwable> errors = new ArrayList<>();
        vm.run(source(""), errors::add);
        assertTrue(errors.isEmpty(), errors.toString());
        assertTrue(vm.againstSplicedProperty().get());
        assertEquals(
                vm.ceProperty().get() - vm.splicedCeProperty().get(),
                vm.deltaCeProperty().get(),
                1e-9);
        assertEquals(
                Math.exp(vm.ceProperty().get())
                        - Math.exp(vm.splicedCeProperty().get()),
                vm.deltaPerplexityProperty().get(),
                1e-9);
        long[][] windows = TokenWindows.consecutive(
                model.tokenizer().encode(java.nio.file.Files.readString(Reference.path("corpus/test.txt"))), 128, 3);
        try (Interventions iv = new Interventions(model, dictionary, null)) {
            float[][] spliced = iv.tokenLosses(windows, new Intervention.Splice());
            float[][] ablated = iv.tokenLosses(
                    windows, new Intervention.Ablate(new int[] {519}, Intervention.AblationMode.RECONSTRUCTION));
            assertEquals(
                    ablated[0][9] - spliced[0][9],
                    vm.tokens().get(10).delta(),
                    1e-6,
                    "token 10 tinted against the spliced run");
        }
    }

    @Test
    void theInspectorsPromptIsOneWindow() {
        AblationViewModel vm = new AblationViewModel(new SameThreadBackground());
        vm.textSourceProperty().set(AblationViewModel.TextSource.PROMPT);
        vm.featuresProperty().set("153");
        List<Throwable> errors = new ArrayList<>();
        String prompt = "The Committee on Foreign Affairs met in Geneva";
        vm.run(source(prompt), errors::add);
        assertTrue(errors.isEmpty(), errors.toString());
        assertEquals(1, vm.pagesProperty().get());
        assertEquals(model.tokenizer().encode(prompt).length, vm.tokens().size());
    }
}
