package org.sparsescope.compute.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparsescope.compute.Reference;
import org.sparsescope.compute.activations.ActivationSet;
import org.sparsescope.compute.dictionary.Codec;
import org.sparsescope.compute.dictionary.Dictionary;
import org.sparsescope.compute.dictionary.DictionaryFiles;
import org.sparsescope.compute.dictionary.DictionaryInfo;
import org.sparsescope.compute.dictionary.format.Sidecar;
import org.sparsescope.compute.model.HookPoint;
import org.sparsescope.compute.tensor.Safetensors;
import org.sparsescope.compute.tensor.Tensor;
import org.sparsescope.compute.work.Cancellation;
import org.sparsescope.compute.work.CancelledException;

class TrainerTest {
    @TempDir
    Path tmp;

    /** The reference's seed-style chunk (8192 real activations at blocks.2.hook_resid_post) as a training set. */
    private static ActivationSet chunk() throws Exception {
        return ActivationSet.open(
                Reference.path("chunks/0.npy"), HookPoint.parse("blocks.2.hook_resid_post"), "reference");
    }

    private static TrainOptions small() {
        return TrainOptions.reference(1024)
                .withBatch(256)
                .withEpochs(2)
                .withSeed(3)
                .withEvents(4, 0);
    }

    @Test
    void sweepLearnsSavesEveryMemberAndReportsHeldOutMetrics() throws Exception {
        List<TrainEvent> events = new ArrayList<>();
        try (ActivationSet set = chunk()) {
            List<SweepMember> sweep =
                    List.of(SweepMember.l1(256, 1e-3), SweepMember.l1(256, 1e-2), SweepMember.topK(256, 16));
            Trainer.Result r = new Trainer(set, small())
                    .train(sweep, tmp.resolve("out"), tmp.resolve("run"), events::add, Cancellation.none());
            assertEquals(2 * (7168 / 256), r.steps());
            assertEquals(3, r.dictionaries().size());
            TrainEvent first = events.get(0), last = events.get(events.size() - 1);
            assertEquals(r.steps(), last.step());
            for (int m = 0; m < 3; m++) {
                assertTrue(
                        last.members().get(m).loss() < first.members().get(m).loss(),
                        "loss falls for " + sweep.get(m).name());
            }
            var weak = r.dictionaries().get(0).heldOut();
            var strong = r.dictionaries().get(1).heldOut();
            var topk = r.dictionaries().get(2).heldOut();
            assertTrue(weak.fvu() < strong.fvu() && weak.l0() > strong.l0(), "a larger L1 trades FVU for sparsity");
            assertEquals(16.0, topk.l0(), 1e-9, "TopK keeps exactly k");
            assertTrue(weak.fvu() < 0.5, "learns something: FVU " + weak.fvu());
            for (Trainer.Trained t : r.dictionaries()) {
                Dictionary back = DictionaryFiles.read(t.dir());
                assertEquals(
                        HookPoint.parse("blocks.2.hook_resid_post"), back.info().hook());
                assertTrue(Files.readString(t.dir().resolve(Sidecar.FILE)).contains("\"held_out\""));
            }
            assertTrue(Files.notExists(tmp.resolve("run/checkpoint.safetensors")), "checkpoint removed once done");
        }
    }

    @Test
    void aBatchTopKMemberTrainsBesideTheOthersAndIsSavedAsJumpRelu() throws Exception {
        try (ActivationSet set = chunk()) {
            List<SweepMember> sweep = List.of(SweepMember.topK(256, 16), SweepMember.batchTopK(256, 16));
            Trainer.Result r = new Trainer(set, small())
                    .train(sweep, tmp.resolve("out"), tmp.resolve("run"), e -> {}, Cancellation.none());
            Dictionary back = DictionaryFiles.read(r.dictionaries().get(1).dir());
            assertEquals("jumprelu", back.architecture());
            float[] theta = ((org.sparsescope.compute.dictionary.JumpReluDictionary) back)
                    .threshold()
                    .floats();
            assertTrue(theta[0] > 0 && theta[0] == theta[255], "one running threshold for every feature: " + theta[0]);
            // the running threshold starts at 0 and moves 1% a step towards each batch's smallest kept activation, so
            // after
            // 56 steps it is still below them and the saved JumpReLU keeps more than k: what SAELens would save too
            double l0 = r.dictionaries().get(1).heldOut().l0();
            assertTrue(l0 >= 16, "held out, at least k: L0 " + l0);
            assertTrue(Files.readString(r.dictionaries().get(1).dir().resolve(Sidecar.FILE))
                    .contains("\"batchtopk\""));
        }
    }

    @Test
    void auxKMembersResumeToTheSameDictionariesTheirDeadCountsCheckpointed() throws Exception {
        try (ActivationSet set = chunk()) {
            // a short dead window, so that AuxK has dead latents before and after the cut
            TrainOptions opts = small().withAuxK(1.0 / 32, 512);
            List<SweepMember> sweep = List.of(SweepMember.topK(256, 4), SweepMember.batchTopK(256, 4));
            Trainer.Result whole = new Trainer(set, opts)
                    .train(sweep, tmp.resolve("whole"), tmp.resolve("run1"), e -> {}, Cancellation.none());
            Cancellation cancel = new Cancellation();
            assertThrows(
                    CancelledException.class,
                    () -> new Trainer(set, opts)
                            .train(
                                    sweep,
                                    tmp.resolve("resumed"),
                                    tmp.resolve("run2"),
                                    e -> {
                                        if (e.step() >= 24) cancel.cancel();
                                    },
                                    cancel));
            Trainer.Result resumed = new Trainer(set, opts)
                    .train(sweep, tmp.resolve("resumed"), tmp.resolve("run2"), e -> {}, Cancellation.none());
            for (int m = 0; m < 2; m++) {
                float[] a = whole.dictionaries()
                        .get(m)
                        .dictionary()
                        .tensors()
                        .get("W_enc")
                        .floats();
                float[] b = resumed.dictionaries()
                        .get(m)
                        .dictionary()
                        .tensors()
                        .get("W_enc")
                        .floats();
                assertArrayEquals(a, b, sweep.get(m).name());
            }
            Trainer.Result without = new Trainer(set, small())
                    .train(sweep, tmp.resolve("plain"), tmp.resolve("run3"), e -> {}, Cancellation.none());
            assertTrue(
                    !java.util.Arrays.equals(
                            without.dictionaries()
                                    .get(0)
                                    .dictionary()
                                    .tensors()
                                    .get("W_enc")
                                    .floats(),
                            whole.dictionaries()
                                    .get(0)
                                    .dictionary()
                                    .tensors()
                                    .get("W_enc")
                                    .floats()),
                    "AuxK changes what is learned");
        }
    }

    @Test
    void cancelledRunResumesFromItsCheckpointToTheSameDictionaries() throws Exception {
        try (ActivationSet set = chunk()) {
            List<SweepMember> sweep = List.of(SweepMember.l1(256, 3e-3));
            Trainer.Result whole = new Trainer(set, small())
                    .train(sweep, tmp.resolve("whole"), tmp.resolve("run1"), e -> {}, Cancellation.none());

            Cancellation cancel = new Cancellation();
            assertThrows(
                    CancelledException.class,
                    () -> new Trainer(set, small())
                            .train(
                                    sweep,
                                    tmp.resolve("resumed"),
                                    tmp.resolve("run2"),
                                    e -> {
                                        if (e.step() >= 24) cancel.cancel();
                                    },
                                    cancel));
            assertTrue(Files.exists(tmp.resolve("run2/checkpoint.safetensors")));
            List<TrainEvent> after = new ArrayList<>();
            Trainer.Result resumed = new Trainer(set, small())
                    .train(sweep, tmp.resolve("resumed"), tmp.resolve("run2"), after::add, Cancellation.none());
            assertTrue(after.get(0).step() > 24, "continued, not restarted");
            float[] a = whole.dictionaries()
                    .get(0)
                    .dictionary()
                    .tensors()
                    .get("W_dec")
                    .floats();
            float[] b = resumed.dictionaries()
                    .get(0)
                    .dictionary()
                    .tensors()
                    .get("W_dec")
                    .floats();
            for (int i = 0; i < a.length; i++) {
                assertEquals(a[i], b[i], 1e-5, "W_dec element " + i);
            }
            assertEquals(
                    whole.dictionaries().get(0).heldOut().fvu(),
                    resumed.dictionaries().get(0).heldOut().fvu(),
                    1e-5);
        }
    }

    @Test
    void aResumedRunWithResamplingEqualsAnUninterruptedOneBitForBitWhateverItsReportingIntervals() throws Exception {
        try (ActivationSet set = chunk()) {
            // l1 0.3 kills features within a few steps, so that resampling (every 8 steps) has work before and after
            // the cut
            List<SweepMember> sweep =
                    List.of(SweepMember.l1(256, 0.3), SweepMember.tied(256, 0.3), SweepMember.topK(256, 4));
            TrainOptions opts = small().withLearningRate(3e-2).withResampleEvery(8);
            Trainer.Result whole = new Trainer(set, opts)
                    .train(sweep, tmp.resolve("whole"), tmp.resolve("run1"), e -> {}, Cancellation.none());

            Cancellation cancel = new Cancellation();
            assertThrows(
                    CancelledException.class,
                    () -> new Trainer(set, opts)
                            .train(
                                    sweep,
                                    tmp.resolve("resumed"),
                                    tmp.resolve("run2"),
                                    e -> {
                                        if (e.step() >= 20) cancel.cancel();
                                    },
                                    cancel));
            // reported and checkpointed at other intervals on resuming: still the same run
            TrainOptions otherIntervals = opts.withEvents(3, 7);
            Trainer.Result resumed = new Trainer(set, otherIntervals)
                    .train(sweep, tmp.resolve("resumed"), tmp.resolve("run2"), e -> {}, Cancellation.none());
            for (int m = 0; m < sweep.size(); m++) {
                Map<String, Tensor> a = whole.dictionaries().get(m).dictionary().tensors(),
                        b = resumed.dictionaries().get(m).dictionary().tensors();
                assertEquals(a.keySet(), b.keySet());
                for (String name : a.keySet()) {
                    org.junit.jupiter.api.Assertions.assertArrayEquals(
                            a.get(name).floats(),
                            b.get(name).floats(),
                            sweep.get(m).name() + " " + name);
                }
            }
        }
    }

    @Test
    void resamplingRevivesDeadFeatures() throws Exception {
        try (ActivationSet set = chunk()) {
            List<SweepMember> sweep = List.of(SweepMember.l1(256, 0.3), SweepMember.tied(256, 0.3));
            Trainer.Result without = new Trainer(set, small().withLearningRate(3e-2))
                    .train(sweep, tmp.resolve("a"), tmp.resolve("ra"), e -> {}, Cancellation.none());
            Trainer.Result with = new Trainer(
                            set, small().withLearningRate(3e-2).withResampleEvery(8))
                    .train(sweep, tmp.resolve("b"), tmp.resolve("rb"), e -> {}, Cancellation.none());
            for (int m = 0; m < sweep.size(); m++) {
                double before = without.dictionaries().get(m).heldOut().deadFraction(),
                        after = with.dictionaries().get(m).heldOut().deadFraction();
                assertTrue(
                        after < before,
                        sweep.get(m).name() + ": dead " + before + " without resampling, " + after + " with");
            }
        }
    }

    @Test
    void tiedMembersTrainBesideUntiedOnesAndSaveAsTheirExactStandardEquivalent() throws Exception {
        try (ActivationSet set = chunk()) {
            List<SweepMember> sweep =
                    List.of(SweepMember.l1(256, 3e-3), SweepMember.tied(256, 1e-3), SweepMember.tied(256, 1e-2));
            Trainer.Result r = new Trainer(set, small())
                    .train(sweep, tmp.resolve("out"), tmp.resolve("run"), e -> {}, Cancellation.none());
            var weak = r.dictionaries().get(1).heldOut();
            var strong = r.dictionaries().get(2).heldOut();
            assertTrue(weak.fvu() < 0.5, "a tied dictionary learns: FVU " + weak.fvu());
            assertTrue(weak.fvu() < strong.fvu() && weak.l0() > strong.l0(), "a larger L1 trades FVU for sparsity");
            Trainer.Trained tied = r.dictionaries().get(1);
            Dictionary saved = DictionaryFiles.read(tied.dir());
            assertEquals("standard", saved.architecture());
            float[] wEnc = saved.tensors().get("W_enc").floats(),
                    wDec = saved.tensors().get("W_dec").floats();
            int d = saved.dIn(), n = saved.dSae();
            for (int j = 0; j < n; j++) {
                double norm = 0;
                for (int i = 0; i < d; i++) {
                    assertEquals(wDec[j * d + i], wEnc[i * n + j], 0f, "W_enc = W_decᵀ at " + j + "," + i);
                    norm += (double) wDec[j * d + i] * wDec[j * d + i];
                }
                assertEquals(1.0, norm, 1e-5, "unit decoder row " + j);
            }
            float[] bDec = saved.tensors().get("b_dec").floats(), mean = new float[d];
            float[] rows = set.readChunkRows(0, 0, set.rows() - 1024).floats();
            for (int i = 0; i < rows.length; i++) {
                mean[i % d] += rows[i] / (float) (set.rows() - 1024);
            }
            for (int i = 0; i < d; i++) {
                assertEquals(mean[i], bDec[i], 1e-4, "b_dec is the centring: the training mean, dimension " + i);
            }
            String sidecar = Files.readString(tied.dir().resolve(Sidecar.FILE));
            assertTrue(sidecar.contains("\"tied\": true") && sidecar.contains("\"centering\""), sidecar);
            assertTrue(sidecar.contains("\"kind\": \"tied_relu_l1\""), sidecar);
            assertTrue(Files.readString(r.dictionaries().get(0).dir().resolve(Sidecar.FILE))
                    .contains("\"tied\": false"));
        }
    }

    @Test
    void trainsOnAThreadOtherThanTheOneThatStartedTheEngine() throws Exception {
        // PyTorch's grad mode is per thread and on by default: a UI's worker thread must still update weights in place
        ai.djl.engine.Engine.getInstance(); // started here, so the worker below has PyTorch's default grad mode (on)
        java.util.concurrent.atomic.AtomicReference<Object> outcome =
                new java.util.concurrent.atomic.AtomicReference<>();
        Thread worker = new Thread(() -> {
            try (ActivationSet set = chunk()) {
                TrainOptions one = TrainOptions.reference(1024)
                        .withBatch(512)
                        .withEpochs(1)
                        .withEvents(100, 0);
                outcome.set(new Trainer(set, one)
                        .train(
                                List.of(SweepMember.l1(64, 1e-3)),
                                tmp.resolve("t"),
                                tmp.resolve("r"),
                                e -> {},
                                Cancellation.none()));
            } catch (Exception e) {
                outcome.set(e);
            }
        });
        worker.start();
        worker.join();
        assertTrue(outcome.get() instanceof Trainer.Result, "trained: " + outcome.get());
    }

    @Test
    void loadedDictionariesBecomeTrainableWithoutChangingWhatTheyCompute() throws Exception {
        Map<String, Tensor> expected = Safetensors.readAll(Reference.path("formats/expected.safetensors"));
        float[] input = expected.get("input").floats();
        for (String path : new String[] {
            "formats/seed/learned_dicts.pt#0",
            "formats/seed/learned_dicts.pt#1",
            "formats/dictionary_learning",
            "saes/l1_4.11e-03"
        }) {
            Dictionary original =
                    DictionaryFiles.read(Path.of(Reference.path("").toString(), path));
            SweepMember m = SweepMember.l1(original.dSae(), 1e-3).startingFrom(original, "ft");
            try (NDManager manager = NDManager.newBaseManager()) {
                Ensemble e = Ensemble.of(manager, List.of(m), original.dIn(), new float[original.dIn()], new Random(0));
                Dictionary trainable = e.dictionary(0, DictionaryInfo.unknown("test"));
                float[] want = recon(original, input, manager), got = recon(trainable, input, manager);
                for (int i = 0; i < want.length; i++) {
                    assertEquals(want[i], got[i], 1e-4 * (1 + Math.abs(want[i])), path + " reconstruction " + i);
                }
            }
        }
    }

    private static float[] recon(Dictionary d, float[] x, NDManager m) {
        Codec c = d.codec(m);
        return c.decode(c.encode(m.create(x, new ai.djl.ndarray.types.Shape(x.length / d.dIn(), d.dIn()))))
                .toFloatArray();
    }

    @Test
    void fineTuningStartsFromTheLoadedDictionary() throws Exception {
        try (ActivationSet set = chunk()) {
            Dictionary start = DictionaryFiles.read(Reference.path("saes/l1_4.11e-03"));
            SweepMember m = SweepMember.l1(1024, 4.114e-3).startingFrom(start, "ft");
            List<TrainEvent> events = new ArrayList<>();
            new Trainer(
                            set,
                            TrainOptions.reference(7168)
                                    .withBatch(256)
                                    .withEpochs(1)
                                    .withSeed(3)
                                    .withEvents(1, 0))
                    .train(List.of(m), tmp.resolve("ft"), tmp.resolve("run"), events::add, Cancellation.none());
            // a trained reference dictionary is a good start: its first batches already reconstruct well
            assertTrue(
                    events.get(0).members().get(0).fvu() < 0.45,
                    "first FVU " + events.get(0).members().get(0).fvu());
            assertTrue(
                    events.get(0).members().get(0).l0() < 60,
                    "first L0 " + events.get(0).members().get(0).l0());
        }
    }
}
