package org.sparsescope.compute.model;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sparsescope.compute.InvalidInputException;
import org.sparsescope.compute.work.ContentHash;

/**
 * Loads a tokenizer file that is new or changed first in a short-lived child JVM. The native tokenizer library can
 * panic, and a Rust panic under JNI aborts the process outright: no exception, no cleanup, the user's window gone. A
 * child that dies instead turns into a typed error here. A file that loaded once (by its content hash) is remembered
 * in the user's cache and loads in-process from then on, so the cost (a second or two) is paid once per tokenizer.
 */
public final class TokenizerProbe {
    private static final Logger LOG = LoggerFactory.getLogger(TokenizerProbe.class);
    /** Loading a real tokenizer takes well under a second; a child still running after this is hung. */
    private static final long TIMEOUT_SECONDS = 60;

    private static final Set<String> VERIFIED = ConcurrentHashMap.newKeySet();

    private TokenizerProbe() {}

    /** In the child: load the file and encode a little text; exit 0 when that worked. */
    public static void main(String[] args) {
        try (Tokenizer t = Tokenizer.loadInProcess(Path.of(args[0]))) {
            t.encode("The probe: unbelievable, ünïcode 12345.");
            System.exit(0);
        } catch (IOException | RuntimeException e) {
            System.err.println(e.getMessage());
            System.exit(3);
        }
    }

    /** Where loaded-once hashes are kept: the program's cache folder ({@link org.sparsescope.compute.UserDirs#cache}). */
    static Path cacheDir() {
        return org.sparsescope.compute.UserDirs.cache();
    }

    /** Throws a typed error when loading {@code file} takes a process down; returns when it is safe in-process. */
    static void ensureSafe(Path file) throws IOException {
        String hash = ContentHash.sha256(file);
        Path marker = cacheDir().resolve("verified-tokenizers").resolve(hash);
        if (VERIFIED.contains(hash) || Files.isRegularFile(marker)) {
            VERIFIED.add(hash);
            return;
        }
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        if (!Files.isExecutable(java)) {
            // an installed app's trimmed runtime has no java launcher: the checks in TokenizerFileCheck are all there
            // is
            LOG.warn(
                    "{}: no java launcher in {} to test-load the tokenizer in a child process; loading it in-process",
                    file,
                    System.getProperty("java.home"));
            return;
        }
        List<String> cmd =
                new ArrayList<>(List.of(java.toString(), "-Xmx512m", "-cp", System.getProperty("java.class.path")));
        System.getProperties().stringPropertyNames().stream()
                .filter(k -> k.startsWith("ai.djl") || k.startsWith("DJL") || k.startsWith("sparsescope"))
                .forEach(k -> cmd.add("-D" + k + "=" + System.getProperty(k)));
        cmd.add(TokenizerProbe.class.getName());
        cmd.add(file.toAbsolutePath().toString());
        Path log = Files.createTempFile("sparsescope-tokenizer-probe", ".log");
        try {
            Process p = new ProcessBuilder(cmd)
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile())
                    .start();
            if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new InvalidInputException(
                        file,
                        "loading this tokenizer took over " + TIMEOUT_SECONDS + " s in a test process; not loaded");
            }
            if (p.exitValue() != 0) {
                throw new InvalidInputException(
                        file,
                        "the tokenizer library "
                                + (p.exitValue() == 3 ? "refused" : "crashed on (exit " + p.exitValue() + ")")
                                + " this file in a test process, so it is not loaded here: " + lastLines(log));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InvalidInputException(file, "interrupted while test-loading the tokenizer");
        } finally {
            Files.deleteIfExists(log);
        }
        VERIFIED.add(hash);
        try {
            Files.createDirectories(marker.getParent());
            Files.writeString(marker, file.toAbsolutePath() + "\n");
        } catch (IOException e) {
            LOG.warn("could not remember a loaded tokenizer in {}: {}", marker, e.toString());
        }
    }

    /** The child's own words: a panic's first line, or the typed error it printed. */
    private static String lastLines(Path log) throws IOException {
        List<String> lines = Files.readAllLines(log, java.nio.charset.StandardCharsets.ISO_8859_1).stream()
                .filter(l -> !l.isBlank() && !l.startsWith("SLF4J") && !l.contains(" WARN "))
                .toList();
        String panic = lines.stream()
                .filter(l -> l.contains("panicked at"))
                .findFirst()
                .orElse(null);
        if (panic != null) {
            return panic.strip();
        }
        return lines.isEmpty() ? "(no message)" : lines.get(lines.size() - 1).strip();
    }
}
