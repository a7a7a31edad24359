package org.sparsescope.viewmodels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import javafx.collections.ObservableList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparsescope.compute.model.LanguageModel;
import org.sparsescope.compute.workspace.Workspace;

/** Closing the window frees native memory only once no job can still be computing with it. */
class ClosingTest {
    @TempDir
    Path workspace;

    /** Runs work at once, but answers {@link #stop} as told: whether the jobs it was asked to stop have ended. */
    static final class StoppableBackground implements Background {
        private final SameThreadBackground inner = new SameThreadBackground();
        boolean jobsEnd;
        final List<Duration> stops = new ArrayList<>();

        @Override
        public <T> Job submit(String title, Work<T> work, Consumer<T> onSuccess, Consumer<Throwable> onFailure) {
            return inner.submit(title, work, onSuccess, onFailure);
        }

        @Override
        public void onUi(Runnable update) {
            inner.onUi(update);
        }

        @Override
        public ObservableList<Job> jobs() {
            return inner.jobs();
        }

        @Override
        public boolean stop(Duration wait) {
            stops.add(wait);
            return jobsEnd;
        }
    }

    @Test
    void aModelLoadingForAJobTellsItEachBlockAndLoadsOnce() throws Exception {
        Path model = Path.of(System.getProperty("sparsescope.resources", "../resources"))
                .resolve("demo/model");
        MainViewModel vm = new MainViewModel(new SameThreadBackground(), Workspace.open(workspace, List.of()));
        List<org.sparsescope.compute.work.Progress> told = new ArrayList<>();
        LanguageModel lm = vm.model(model, told::add);
        int blocks = lm.config().nLayers();
        assertEquals(blocks, told.size(), "one report per block");
        assertEquals("loading model: 1 of " + blocks + " blocks", told.get(0).message());
        assertEquals(1.0, told.get(blocks - 1).fraction(), 1e-12);
        told.clear();
        assertSame(lm, vm.model(model, told::add));
        assertEquals(List.of(), told, "a loaded model is not loaded again");
        vm.close();
    }

    @Test
    void aJobStillRunningKeepsTheModelAliveAndOnceJobsHaveEndedClosingFreesIt() throws Exception {
        Path model = Path.of(System.getProperty("sparsescope.resources", "../resources"))
                .resolve("demo/model");
        StoppableBackground background = new StoppableBackground();
        MainViewModel vm = new MainViewModel(background, Workspace.open(workspace, List.of()));
        LanguageModel lm = vm.model(model);
        long[][] window = {{1, 2, 3}};
        int vocabulary = lm.config().vocabSize();

        background.jobsEnd = false; // a job ignores its cancellation, still inside a forward pass
        vm.close();
        assertEquals(List.of(MainViewModel.JOBS_STOP_WAIT), background.stops);
        assertEquals(
                3L * vocabulary, lm.logits(window).doubles().length, "the model a running job uses is still there");
        assertSame(lm, vm.model(model));

        background.jobsEnd = true;
        vm.close();
        assertEquals(2, background.stops.size());
        assertThrows(IllegalStateException.class, () -> lm.logits(window), "the model is freed once no job runs");
    }
}
