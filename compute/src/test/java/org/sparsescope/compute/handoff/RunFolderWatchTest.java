package org.sparsescope.compute.handoff;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparsescope.compute.Reference;
import org.sparsescope.compute.dictionary.DictionaryFiles;
import org.sparsescope.compute.dictionary.StandardDictionary;
import org.sparsescope.compute.dictionary.TopKDictionary;
import org.sparsescope.compute.dictionary.format.SaeLensWriter;
import org.sparsescope.compute.dictionary.format.SparsifyWriter;

/** Checkpoints arriving in a watched folder are read once, complete; partial ones are skipped and retried. */
class RunFolderWatchTest {
    @TempDir
    Path tmp;

    TopKDictionary topk() throws Exception {
        return new TopKDictionary((StandardDictionary) DictionaryFiles.read(Reference.path("saes/l1_4.11e-03")), 16);
    }

    @Test
    void aCheckpointCopiedInSeveralWritesIsShownOnceAndComplete() throws Exception {
        // the checkpoint as sparsify saves it, made elsewhere, then copied into the watched run in pieces
        Path made = tmp.resolve("made");
        SparsifyWriter.save(topk(), made, made, "layers.2", null, null, 32);
        byte[] weights = Files.readAllBytes(made.resolve("layers.2/sae.safetensors"));
        Path watched = Files.createDirectories(tmp.resolve("runs"));
        Path dir = Files.createDirectories(watched.resolve("sweep/layers.2"));
        Files.copy(made.resolve("layers.2/cfg.json"), dir.resolve("cfg.json"));
        Path w = dir.resolve("sae.safetensors");
        RunFolderWatch watch = new RunFolderWatch(watched);

        Files.write(w, Arrays.copyOfRange(weights, 0, 4000));
        assertEquals(List.of(), watch.poll(), "just appeared");
        Files.write(w, Arrays.copyOfRange(weights, 4000, 9000), StandardOpenOption.APPEND);
        assertEquals(List.of(), watch.poll(), "still growing");
        List<RunFolderWatch.Event> stalled = watch.poll();
        assertEquals(1, stalled.size(), "a copy that stalls is tried, and found partial");
        assertInstanceOf(RunFolderWatch.Skipped.class, stalled.get(0));
        assertEquals(List.of(), watch.poll(), "a skipped checkpoint is not retried until it changes");

        Files.write(w, Arrays.copyOfRange(weights, 9000, weights.length), StandardOpenOption.APPEND);
        assertEquals(List.of(), watch.poll(), "changed: wait for it to settle");
        List<RunFolderWatch.Event> arrived = watch.poll();
        assertEquals(1, arrived.size());
        var a = assertInstanceOf(RunFolderWatch.Arrived.class, arrived.get(0));
        assertEquals("sweep/layers.2", a.member());
        assertEquals(-1, a.step(), "no state.pt: no step");
        TopKDictionary read = (TopKDictionary) a.dictionary();
        assertEquals(16, read.k());
        assertArrayEquals(topk().base().wDec().floats(), read.base().wDec().floats());
        assertEquals(List.of(), watch.poll(), "shown once");
        assertEquals(List.of(), watch.poll(), "shown once");
    }

    @Test
    void aSparsifyRunsStepIsReadFromTheStateItSavesBesideItsHookpoints() throws Exception {
        Path pt = Path.of(RunFolderWatchTest.class
                .getResource("/handoff/sparsify-state.pt")
                .toURI());
        assertEquals(1234, RunFolderWatch.sparsifyStep(pt), "written by torch.save({'global_step': 1234})");
        assertEquals(-1, RunFolderWatch.sparsifyStep(tmp.resolve("absent.pt")));
        Path garbage = Files.writeString(tmp.resolve("garbage.pt"), "not a pickle");
        assertEquals(-1, RunFolderWatch.sparsifyStep(garbage), "unreadable: no step, and no failure");

        Path watched = Files.createDirectories(tmp.resolve("runs"));
        SparsifyWriter.save(topk(), watched, watched.resolve("sweep"), "layers.2", null, null, null);
        Files.copy(pt, watched.resolve("sweep/state.pt"));
        RunFolderWatch watch = new RunFolderWatch(watched);
        watch.poll();
        var a = assertInstanceOf(RunFolderWatch.Arrived.class, watch.poll().get(0));
        assertEquals(1234, a.step());
        assertEquals("step", a.stepUnit());
    }

    @Test
    void saeLensCheckpointsAreOneMemberWhoseStepIsTheTokensTrainedOn() throws Exception {
        Path watched = Files.createDirectories(tmp.resolve("checkpoints"));
        RunFolderWatch watch = new RunFolderWatch(watched);
        var d = DictionaryFiles.read(Reference.path("saes/l1_4.11e-03"));
        SaeLensWriter.save(d, watched.resolve("abc123/409600"), Map.of());
        assertEquals(List.of(), watch.poll());
        SaeLensWriter.save(d, watched.resolve("abc123/819200"), Map.of());
        List<RunFolderWatch.Event> first = watch.poll();
        assertEquals(1, first.size(), first.toString());
        var a = assertInstanceOf(RunFolderWatch.Arrived.class, first.get(0));
        assertEquals("abc123", a.member());
        assertEquals(409600, a.step());
        assertEquals("tokens", a.stepUnit());
        List<RunFolderWatch.Event> second = watch.poll();
        assertEquals(819200, ((RunFolderWatch.Arrived) second.get(0)).step());
        assertEquals("abc123", ((RunFolderWatch.Arrived) second.get(0)).member());
    }

    @Test
    void aCorruptCheckpointIsNamedAndTheWatchGoesOn() throws Exception {
        Path watched = Files.createDirectories(tmp.resolve("w"));
        Path dir = Files.createDirectories(watched.resolve("run/layers.1"));
        Files.writeString(dir.resolve("cfg.json"), "{\"k\": \"sixteen\"");
        Files.writeString(dir.resolve("sae.safetensors"), "not a safetensors file");
        RunFolderWatch watch = new RunFolderWatch(watched);
        watch.poll();
        List<RunFolderWatch.Event> e = watch.poll();
        var s = assertInstanceOf(RunFolderWatch.Skipped.class, e.get(0));
        assertEquals(dir, s.dir());
        assertTrue(!s.reason().isBlank());
    }
}
