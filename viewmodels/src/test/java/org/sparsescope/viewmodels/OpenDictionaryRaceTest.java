package org.sparsescope.viewmodels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparsescope.compute.workspace.Workspace;
import org.sparsescope.viewmodels.workspace.DictionaryEntry;

/**
 * Open dictionary A, start each kind of background job, open B before they end, then let A's jobs end last: every
 * view shows only B's numbers (a job's result belongs to the dictionary that asked for it).
 */
class OpenDictionaryRaceTest {
    @TempDir
    Path tmp;

    @Test
    void jobsOfTheDictionaryOpenBeforeNeverShowTheirNumbersUnderTheOneOpenNow() throws Exception {
        ManualBackground bg = new ManualBackground();
        MainViewModel vm = new MainViewModel(bg, Workspace.open(tmp.resolve("ws"), List.of()));
        try {
            Path demo = Path.of(System.getProperty("sparsescope.resources", "../resources"))
                    .resolve("demo");
            vm.workspace().setHarvestTokens(20_000);
            vm.workspace().setSpliceWindows(4);
            vm.workspace().openDemo(demo);
            List<DictionaryEntry> both = vm.workspace().dictionaries().stream()
                    .sorted(Comparator.comparing(DictionaryEntry::name))
                    .toList();
            DictionaryEntry a = both.get(0), b = both.get(1);
            int j = 5;

            // B opened and measured alone first: what its views must show
            vm.open(b.id());
            vm.features().selectedFeatureProperty().set(j);
            long[] bTop =
                    vm.detail().topExamples().stream().mapToLong(e -> e.row()).toArray();
            double bKurtosis = vm.features().reportProperty().get().stats().kurtosis()[j];
            double aFvu = vm.workspace().find(a.id()).fvu(),
                    bFvu = vm.workspace().find(b.id()).fvu();

            vm.open(a.id());
            assertEquals(a.id(), vm.openDictionaryProperty().get().id());
            bg.hold();
            vm.features().selectedFeatureProperty().set(j); // A's feature j: a detail job
            vm.ablation().featuresProperty().set(Integer.toString(j));
            vm.runAblation(); // A's ablation
            vm.open(a.id()); // A's statistics, asked again
            vm.workspace().measureOn(a.id(), a.activations()); // A's KL and CE
            vm.open(b.id()); // B's statistics
            bg.run("Statistics of " + b.name());
            vm.features().selectedFeatureProperty().set(j); // B's feature j
            bg.run("Feature"); // the first: A's
            bg.run("Feature"); // then B's
            bg.run("Ablate"); // A's ablation ends after B opened
            bg.run("Statistics of " + a.name()); // and A's statistics, last
            bg.run("Measure " + a.name());
            while (bg.queued().stream().anyMatch(q -> q.title().equals("Autointerp scores"))) {
                bg.run("Autointerp scores"); // the list changed: its stored scores are read again
            }
            assertTrue(bg.queued().isEmpty(), bg.queued().toString());

            assertEquals(b.id(), vm.openDictionaryProperty().get().id(), "the last dictionary asked for stays open");
            assertEquals(
                    bKurtosis,
                    vm.features().reportProperty().get().stats().kurtosis()[j],
                    0,
                    "B's statistics in the table");
            assertEquals(j, vm.detail().featureProperty().get());
            assertEquals(
                    java.util.Arrays.toString(bTop),
                    java.util.Arrays.toString(vm.detail().topExamples().stream()
                            .mapToLong(e -> e.row())
                            .toArray()),
                    "B's examples in the detail, not A's");
            assertTrue(Double.isNaN(vm.ablation().ceProperty().get()), "A's ablation result is not shown under B");
            assertFalse(vm.ablation().runningProperty().get(), "and the panel does not wait for it");
            assertEquals(aFvu, vm.workspace().find(a.id()).fvu(), 0, "A's measurement went to A's own row");
            assertEquals(bFvu, vm.workspace().find(b.id()).fvu(), 0, "and B's row kept its own");
        } finally {
            vm.close();
        }
    }
}
