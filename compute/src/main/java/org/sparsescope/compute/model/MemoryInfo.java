package org.sparsescope.compute.model;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The memory the machine has free for a model's weights, as Linux reports it. */
final class MemoryInfo {
    private MemoryInfo() {}

    /** MemAvailable from /proc/meminfo in bytes; 0 where it cannot be read (then nothing is refused on its account). */
    static long availableBytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemAvailable:")) {
                    String[] parts = line.trim().split("\\s+");
                    return Long.parseLong(parts[1]) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            org.slf4j.LoggerFactory.getLogger(MemoryInfo.class)
                    .warn("free memory unknown (/proc/meminfo unreadable): {}", e.toString());
        }
        return 0;
    }
}
