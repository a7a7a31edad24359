package org.sparsescope.compute.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparsescope.compute.Reference;
import org.sparsescope.compute.activations.ActivationSet;
import org.sparsescope.compute.work.Cancellation;

/**
 * A run stopped in one JVM and resumed in another (as after Ctrl-C, closing the window, or a new day) ends with
 * the same dictionaries, byte for byte, as a run never interrupted, with dead-feature resampling on. The run's
 * signature used to come from Map.of, whose order differs between JVMs, so a new process refused its own checkpoint.
 */
class TrainerResumeTest {
    @TempDir
    Path tmp;

    private void inAnotherJvm(String mode, Path run, Path out) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                "-Dai.djl.offline=true",
                "-Dsparsescope.reference=" + Reference.dir()));
        String threads = System.getProperty("ai.djl.pytorch.num_threads");
        if (threads != null) {
            cmd.add("-Dai.djl.pytorch.num_threads=" + threads);
        }
        cmd.addAll(List.of(
                ResumeInAnotherJvm.class.getName(),
                mode,
                Reference.path("chunks/0.npy").toString(),
                run.toString(),
                out.toString()));
        Process p = new ProcessBuilder(cmd)
                .redirectErrorStream(true)
                .redirectOutput(tmp.resolve(mode + ".log").toFile())
                .start();
        assertTrue(p.waitFor(300, TimeUnit.SECONDS), mode + " finished in time");
        assertEquals(0, p.exitValue(), mode + ": " + Files.readString(tmp.resolve(mode + ".log")));
    }

    @Test
    void aRunStoppedInOneJvmAndResumedInAnotherEqualsAnUninterruptedOne() throws Exception {
        Path run = tmp.resolve("run"), out = tmp.resolve("resumed");
        inAnotherJvm("stop", run, out);
        assertTrue(Files.exists(run.resolve("checkpoint.safetensors")), "a checkpoint to resume from");
        // what a kill mid-save leaves, and a folder of the user's that looks alike but is not this sweep's
        Files.writeString(run.resolve(".checkpoint.safetensors.tmp-1f2e3d"), "half a checkpoint");
        Files.createDirectories(out.resolve(".l1_3.00e-03_f256.tmp-77aa/inner"));
        Files.createDirectories(out.resolve(".notes.tmp-1"));
        inAnotherJvm("finish", run, out);
        assertTrue(
                Files.notExists(run.resolve(".checkpoint.safetensors.tmp-1f2e3d"))
                        && Files.notExists(out.resolve(".l1_3.00e-03_f256.tmp-77aa")),
                "a killed run's temporaries are removed on the next start");
        assertTrue(Files.isDirectory(out.resolve(".notes.tmp-1")), "nothing else of the user's is touched");
        assertTrue(
                Files.readString(tmp.resolve("finish.log")).lines().noneMatch(l -> l.contains("another run")),
                "the checkpoint was its own");
        try (ActivationSet set = ResumeInAnotherJvm.set(Reference.path("chunks/0.npy"))) {
            Trainer.Result whole = new Trainer(set, ResumeInAnotherJvm.options())
                    .train(
                            ResumeInAnotherJvm.sweep(),
                            tmp.resolve("whole"),
                            tmp.resolve("run-whole"),
                            e -> {},
                            Cancellation.none());
            for (Trainer.Trained t : whole.dictionaries()) {
                Path resumed = out.resolve(t.dir().getFileName());
                assertArrayEquals(
                        Files.readAllBytes(t.dir().resolve("sae_weights.safetensors")),
                        Files.readAllBytes(resumed.resolve("sae_weights.safetensors")),
                        t.dir().getFileName() + ": weights and header byte for byte");
                for (String f : new String[] {"cfg.json", "sparsescope.json"}) {
                    assertEquals(
                            Files.readString(t.dir().resolve(f)),
                            Files.readString(resumed.resolve(f)),
                            t.dir().getFileName() + ": " + f + " byte for byte");
                }
            }
        }
    }
}
