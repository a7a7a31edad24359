package org.sparsescope.compute.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bombs, the billion-laughs pickle and the 2 GiB lengths, read in a child JVM with a 64 MiB heap: each must
 * end in a typed error (or, for the shared structure, a result) within 2 s, where before they took gigabytes or
 * exponential time. The child prints one line per file: its name, the outcome, the milliseconds it took.
 */
class SmallHeapHostileFilesTest {
    @TempDir
    Path tmp;

    /** In the child: read each file named on the command line as a torch file; print name, outcome, time. */
    public static void main(String[] args) {
        for (String a : args) {
            Path f = Path.of(a);
            long t0 = System.nanoTime();
            String outcome;
            try {
                TorchFile.read(f);
                outcome = "accepted";
            } catch (TensorFileException e) {
                outcome = e.getMessage().contains(f.toString()) ? "typed" : "typed-without-file";
            } catch (Throwable e) {
                outcome = "other:" + e;
            }
            System.out.println(f.getFileName() + "\t" + outcome + "\t" + (System.nanoTime() - t0) / 1_000_000);
        }
    }

    @Test
    void bombsAndHugeLengthsFailFastInA64MiBHeap() throws Exception {
        Map<String, Path> hostile = HostileFiles.torchFiles(tmp);
        List<String> cmd = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx64m",
                "-cp",
                System.getProperty("java.class.path"),
                SmallHeapHostileFilesTest.class.getName()));
        // a storage declared as 4 floats that inflates to 1 GiB; the pickle-level bombs and lengths
        Path bomb = HostileFiles.torchZipWithBomb(
                tmp.resolve("bomb1g.pt"), HostileFiles.fourFloatsPickle(), "archive/data/0", 1L << 30);
        cmd.add(bomb.toString());
        // the same bomb with its directory lying that it holds 16 bytes: stopped while inflating, one byte past them
        Path lying = Files.copy(bomb, tmp.resolve("bomb1g-lying.pt"));
        HostileFiles.claimSize(lying, "archive/data/0", 16);
        cmd.add(lying.toString());
        for (String name : List.of(
                "billion laughs",
                "BINUNICODE of 2 GiB",
                "LONG4 of 2 GiB",
                "BINBYTES8 of 2^63",
                "zero stride",
                "shape [2^62] over 0 bytes",
                "lists nested 100000 deep",
                "list that holds itself")) {
            cmd.add(hostile.get(name).toString());
        }
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the child finished");
        List<String> lines = new String(p.getInputStream().readAllBytes())
                .lines()
                .filter(l -> l.contains("\t"))
                .toList();
        assertEquals(cmd.size() - 5, lines.size(), String.join("\n", lines));
        for (String line : lines) {
            String[] f = line.split("\t");
            boolean laughs = f[0].equals("laughs.pt");
            assertEquals(laughs ? "accepted" : "typed", f[1], line);
            assertTrue(Long.parseLong(f[2]) < 2000, "within 2 s: " + line);
        }
        assertEquals(0, p.exitValue());
    }
}
