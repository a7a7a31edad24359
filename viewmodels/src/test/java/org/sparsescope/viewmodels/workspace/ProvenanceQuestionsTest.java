package org.sparsescope.viewmodels.workspace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparsescope.compute.Reference;
import org.sparsescope.compute.workspace.Workspace;
import org.sparsescope.viewmodels.MainViewModel;
import org.sparsescope.viewmodels.SameThreadBackground;

/** Two dictionaries whose files name no model or hook: asked about one at a time, each naming its own file. */
class ProvenanceQuestionsTest {
    @TempDir
    Path tmp;

    @Test
    void twoQuestionsAreAskedInTurnAndEachAnswerPlacesItsOwnDictionary() throws Exception {
        MainViewModel vm = new MainViewModel(new SameThreadBackground(), Workspace.open(tmp.resolve("ws")));
        try {
            WorkspaceViewModel w = vm.workspace();
            w.setHarvestTokens(20_000);
            w.setSpliceWindows(4);
            w.setFallbackCorpus(Reference.path("corpus/test.txt"));
            List<ProvenanceRequest> shown = new ArrayList<>();
            w.provenanceRequestProperty().addListener((o, a, r) -> {
                if (r != null) {
                    shown.add(r);
                }
            });
            Path first = Path.of(Reference.path("formats/seed/learned_dicts.pt") + "#0");
            Path second = Path.of(Reference.path("formats/seed/learned_dicts.pt") + "#1");
            w.openDictionary(first);
            w.openDictionary(second);
            assertEquals(1, shown.size(), "the second question waits for the first: never two at once");
            ProvenanceRequest q1 = w.provenanceRequestProperty().get();
            assertEquals(first.toString(), q1.target());

            String model = Reference.path("model").toString();
            w.answer(q1, model, "blocks.2.hook_resid_post");
            assertEquals(
                    DictionaryEntry.Status.MEASURED,
                    w.find(first.toString()).status(),
                    w.find(first.toString()).statusMessage());
            ProvenanceRequest q2 = w.provenanceRequestProperty().get();
            assertNotNull(q2, "then the second is asked");
            assertEquals(second.toString(), q2.target());
            assertEquals(
                    DictionaryEntry.Status.NEEDS_PROVENANCE,
                    w.find(second.toString()).status(),
                    "still waiting for its own answer");

            w.answer(q2, model, "blocks.2.hook_resid_post");
            assertNull(w.provenanceRequestProperty().get());
            assertEquals(
                    DictionaryEntry.Status.MEASURED,
                    w.find(second.toString()).status(),
                    w.find(second.toString()).statusMessage());
            assertEquals(2, shown.size());
        } finally {
            vm.close();
        }
    }
}
