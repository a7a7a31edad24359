package org.sparsescope.compute;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The C heap as the launcher sets it up: what it does to a large array freed and made again, and handing memory back. */
class NativeHeapTest {
    /** 512 MiB of float32: far over glibc's largest mapping threshold (32 MiB). */
    private static final long FLOATS = 128L << 20;

    @Test
    void theLaunchersSettingsAreRecognisedUnlessOverriddenLater() {
        assertTrue(NativeHeap.reusesLargeBlocks(NativeHeap.TUNABLES));
        assertTrue(NativeHeap.reusesLargeBlocks(NativeHeap.TUNABLES + ":glibc.malloc.tcache_count=0"));
        assertFalse(
                NativeHeap.reusesLargeBlocks(NativeHeap.TUNABLES + ":glibc.malloc.arena_max=4"),
                "glibc takes the later value");
        assertFalse(NativeHeap.reusesLargeBlocks("glibc.malloc.arena_max=1"));
        assertFalse(NativeHeap.reusesLargeBlocks(null));
    }

    @Test
    void theLauncherTheDesktopEntryAndTheTestRunStartWithTheseSettings() throws IOException {
        Path root = Path.of(System.getProperty("sparsescope.resources")).getParent();
        assertTrue(
                Files.readString(root.resolve("sparsescope")).contains(NativeHeap.TUNABLES), "the checkout's launcher");
        assertTrue(
                Files.readString(root.resolve("installer/src/linux/postinst")).contains(NativeHeap.TUNABLES),
                "the package's /usr/bin/sparsescope");
        String entry = Files.readString(root.resolve("installer/src/linux/sparsescope.desktop"));
        assertTrue(
                entry.contains(
                        "Exec=env GLIBC_TUNABLES=" + NativeHeap.TUNABLES + " /opt/sparsescope/bin/sparsescope %F"),
                entry);
        // surefire's copy: were it to drift, the fault test below would take its default-heap branch unnoticed
        assertTrue(
                Files.readString(root.resolve("pom.xml"))
                        .contains("<GLIBC_TUNABLES>" + NativeHeap.TUNABLES + "</GLIBC_TUNABLES>"),
                "the build's test runs");
    }

    @Test
    void aStepsLargeArraysReuseFreedPagesUnderTheLaunchersSettings() throws IOException {
        int rows = 1024, d = 256, n = 16384;
        long pagesPerStep = 4L * rows * n * 4 / 4096; // four [rows, n] float arrays, 64 MiB each
        long lastFour = 0;
        try (NDManager manager = NDManager.newBaseManager(ai.djl.Device.cpu())) {
            NDArray x = manager.randomNormal(new Shape(rows, d)), w = manager.randomNormal(new Shape(d, n));
            for (int step = 0; step < 10; step++) {
                long before = minorFaults();
                try (NDManager scope =
                        manager.newSubManager()) { // the shape of a ReLU step: pre-activation, codes, mask, gradient
                    scope.tempAttachAll(x, w);
                    NDArray pre = x.matMul(w), codes = ai.djl.nn.Activation.relu(pre), mask = codes.sign();
                    mask.mul(pre).matMul(w.transpose());
                }
                if (step >= 6) {
                    lastFour += minorFaults() - before;
                }
            }
        }
        if (NativeHeap.reusesLargeBlocks()) { // as every test run has it: the build sets what the launcher sets
            assertTrue(
                    lastFour < pagesPerStep,
                    lastFour + " page faults over 4 steps of " + pagesPerStep + " pages, once the heap has grown");
        } else { // glibc's default: each array mapped afresh, each of its pages faulted in
            assertTrue(
                    lastFour > 4 * pagesPerStep * 9 / 10,
                    lastFour + " page faults over 4 steps of " + pagesPerStep + " fresh pages");
        }
    }

    @Test
    void releaseHandsAFreedLargeArraysMemoryBackToTheSystem() throws IOException {
        long held;
        try (NDManager manager = NDManager.newBaseManager(ai.djl.Device.cpu());
                NDArray a = manager.zeros(new Shape(FLOATS))) {
            held = residentBytes(); // zeros has written every page
        }
        NativeHeap.release();
        long after = residentBytes();
        assertTrue(
                held - after > FLOATS * 4 * 3 / 4,
                "resident " + (held >> 20) + " MiB with the array, " + (after >> 20) + " MiB after");
    }

    /** Minor page faults of this process so far: field 10 of /proc/self/stat (after the command name's parenthesis). */
    private static long minorFaults() throws IOException {
        String stat = Files.readString(Path.of("/proc/self/stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(f[7]);
    }

    private static long residentBytes() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        }
        throw new IOException("no VmRSS in /proc/self/status");
    }
}
