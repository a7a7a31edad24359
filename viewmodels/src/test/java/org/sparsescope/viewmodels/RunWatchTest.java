package org.sparsescope.viewmodels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparsescope.compute.activations.ActivationSet;
import org.sparsescope.compute.dictionary.DictionaryFiles;
import org.sparsescope.compute.dictionary.DictionaryMetrics;
import org.sparsescope.compute.train.SweepMember;
import org.sparsescope.compute.train.TrainOptions;
import org.sparsescope.compute.train.Trainer;
import org.sparsescope.compute.work.Cancellation;
import org.sparsescope.compute.workspace.Evaluation;
import org.sparsescope.compute.workspace.Workspace;
import org.sparsescope.viewmodels.frontier.FrontierPoint;
import org.sparsescope.viewmodels.training.RunWatchViewModel;
import org.sparsescope.viewmodels.workspace.SyntheticSetForm;

/**
 * A run folder watched from the window: SAELens checkpoints synced into it one after another move one live point on
 * the frontier, measured on their own pair's set as the compute layer measures them; a corrupt one becomes a note.
 * Polls are called by hand and every job runs on the calling thread.
 */
class RunWatchTest {
    @TempDir
    Path tmp;

    @Test
    void checkpointsArrivingInAWatchedFolderMoveOnePointOnTheFrontier() throws Exception {
        try (MainViewModel vm =
                new MainViewModel(new SameThreadBackground(), Workspace.open(tmp.resolve("ws"), List.of()))) {
            SyntheticSetForm form = new SyntheticSetForm();
            form.d.set("16");
            form.features.set("32");
            form.active.set("2");
            form.rows.set("12000");
            vm.workspace().synthesize(form);
            Path set = vm.workspace().activationsProperty().get();
            Trainer.Result r;
            try (ActivationSet s = ActivationSet.open(set)) {
                r = new Trainer(
                                s,
                                TrainOptions.reference(1200)
                                        .withBatch(256)
                                        .withEpochs(2)
                                        .withEvents(100, 0))
                        .train(
                                List.of(SweepMember.l1(32, 1e-2), SweepMember.l1(32, 1e-3)),
                                tmp.resolve("out"),
                                tmp.resolve("run"),
                                e -> {},
                                Cancellation.none());
            }
            Trainer.Trained early = r.dictionaries().get(0),
                    late = r.dictionaries().get(1);
            vm.workspace().addTrained(early.dir(), early.heldOut(), set);
            vm.frontier().showPair(vm.workspace().find(early.dir().toString()).pairKey());
            int saved = vm.frontier().points().size();

            Path watched = Files.createDirectories(tmp.resolve("cluster/checkpoints"));
            RunWatchViewModel w = new RunWatchViewModel(vm.workspace().background(), vm.workspace(), vm.frontier(), 0);
            w.watch(watched);
            org.sparsescope.compute.Reference.copyFolder(early.dir(), watched.resolve("sweep-a/409600"));
            w.pollNow(); // seen for the first time: not yet settled
            assertEquals(saved, vm.frontier().points().size());
            w.pollNow();
            List<FrontierPoint> watchedPoints = vm.frontier().points().stream()
                    .filter(p -> p.id().startsWith("watch:"))
                    .toList();
            assertEquals(1, watchedPoints.size(), vm.frontier().points().toString());
            FrontierPoint p = watchedPoints.get(0);
            DictionaryMetrics want;
            try (ActivationSet s = ActivationSet.open(set)) {
                want = Evaluation.heldOut(DictionaryFiles.read(early.dir()), s);
            }
            assertEquals(want.l0(), p.l0(), 1e-9);
            assertEquals(want.fvu(), p.fvu(), 1e-9);
            assertTrue(p.live());
            assertEquals("sweep-a (tokens 409,600)", p.label());

            // the run's next save: the same member moves
            org.sparsescope.compute.Reference.copyFolder(late.dir(), watched.resolve("sweep-a/819200"));
            Files.createDirectories(watched.resolve("sweep-b/4096"));
            Files.writeString(watched.resolve("sweep-b/4096/cfg.json"), "{\"d_in\": 16");
            Files.writeString(watched.resolve("sweep-b/4096/sae_weights.safetensors"), "truncated");
            w.pollNow();
            w.pollNow();
            watchedPoints = vm.frontier().points().stream()
                    .filter(q -> q.id().startsWith("watch:"))
                    .toList();
            assertEquals(1, watchedPoints.size());
            try (ActivationSet s = ActivationSet.open(set)) {
                want = Evaluation.heldOut(DictionaryFiles.read(late.dir()), s);
            }
            assertEquals(want.l0(), watchedPoints.get(0).l0(), 1e-9);
            assertEquals("sweep-a (tokens 819,200)", watchedPoints.get(0).label());
            assertEquals(1, w.notes().size(), w.notes().toString());
            assertTrue(w.notes().get(0).contains("sweep-b"), w.notes().get(0));
            assertTrue(
                    w.statusProperty().get().contains("1 member, last tokens 819,200, 1 skipped"),
                    w.statusProperty().get());
            assertNull(vm.workspace().errorProperty().get(), "a bad checkpoint is a note, not an error dialog");

            // training's end leaves a watched point; stopping the watch removes it
            vm.frontier().clearLive();
            assertEquals(
                    1,
                    vm.frontier().points().stream()
                            .filter(q -> q.id().startsWith("watch:"))
                            .count());
            w.stop();
            assertEquals(saved, vm.frontier().points().size());
        }
    }
}
