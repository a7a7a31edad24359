package org.sparsescope.compute.fuzz;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.sparsescope.compute.InvalidInputException;

/**
 * The outcome of each fuzzed input, per reader: accepted, or a typed error naming the file. Anything else (an
 * unchecked exception, an error naming no file, a stack overflow, running out of memory) is rethrown for the fuzzer
 * to report as a finding. Counts are written to {@code target/fuzz-outcomes/READER.txt} as the run goes, for the
 * long run's report.
 */
final class Outcomes {
    /** One read of the input: returns normally (accepted) or throws. */
    @FunctionalInterface
    interface Read {
        void run() throws Exception;
    }

    private record Counts(AtomicLong accepted, AtomicLong typed, long[] lastWrite) {}

    private static final Map<String, Counts> COUNTS = new ConcurrentHashMap<>();
    private static final Path OUT = Path.of(System.getProperty("sparsescope.fuzzOutcomes", "target/fuzz-outcomes"));

    private Outcomes() {}

    static void of(String reader, Path file, Read read) throws Exception {
        Counts c = COUNTS.computeIfAbsent(
                reader, k -> new Counts(new AtomicLong(), new AtomicLong(), new long[] {System.nanoTime()}));
        try {
            read.run();
            c.accepted().incrementAndGet();
        } catch (InvalidInputException e) {
            if (e.file() == null
                    || !e.getMessage().contains(e.file().toString())
                    || !e.file().startsWith(file.getParent().getParent())) {
                throw new AssertionError(
                        "a typed error that does not name the input file " + file + ": " + e.getMessage(), e);
            }
            c.typed().incrementAndGet();
        }
        long now = System.nanoTime();
        synchronized (c) {
            if (now - c.lastWrite()[0] > 2_000_000_000L) {
                c.lastWrite()[0] = now;
                write(reader, c);
            }
        }
    }

    private static void write(String reader, Counts c) {
        try {
            Files.createDirectories(OUT);
            Files.writeString(
                    OUT.resolve(reader + ".txt"),
                    "reader=" + reader + "\naccepted=" + c.accepted().get() + "\ntyped="
                            + c.typed().get() + "\nother=0\n");
        } catch (IOException e) {
            System.err.println("fuzz outcomes not written: " + e);
        }
    }

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> COUNTS.forEach(Outcomes::write)));
    }
}
