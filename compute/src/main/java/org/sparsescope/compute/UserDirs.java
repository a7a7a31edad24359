package org.sparsescope.compute;

import java.nio.file.Path;

/**
 * Where the program keeps what is not the user's work, in two places that do not move with the workspace (a
 * workspace is the user's and may be anywhere; the engine is 445 MB and belongs to the program):
 * <ul>
 * <li>the engine: libtorch, unpacked once by DJL: {@code $DJL_CACHE_DIR}, else {@code $XDG_DATA_HOME/sparsescope/djl}
 * (~/.local/share/sparsescope/djl);</li>
 * <li>caches: tokenizer checks, error reports: {@code -Dsparsescope.cacheDir}, else {@code $SPARSESCOPE_CACHE_DIR}, else
 * {@code $XDG_CACHE_HOME/sparsescope} (~/.cache/sparsescope).</li>
 * </ul>
 * The workspace ({@code $SPARSESCOPE_WORKSPACE}) holds only the user's sets, dictionaries and their statistics.
 */
public final class UserDirs {
    private UserDirs() {}

    public static Path engine() {
        String env = System.getenv("DJL_CACHE_DIR");
        if (env != null && !env.isBlank()) {
            return Path.of(env);
        }
        return xdg("XDG_DATA_HOME", ".local/share").resolve("sparsescope").resolve("djl");
    }

    public static Path cache() {
        String prop = System.getProperty("sparsescope.cacheDir");
        if (prop != null && !prop.isBlank()) {
            return Path.of(prop);
        }
        String env = System.getenv("SPARSESCOPE_CACHE_DIR");
        if (env != null && !env.isBlank()) {
            return Path.of(env);
        }
        return xdg("XDG_CACHE_HOME", ".cache").resolve("sparsescope");
    }

    private static Path xdg(String variable, String underHome) {
        String v = System.getenv(variable);
        return v != null && !v.isBlank()
                ? Path.of(v)
                : Path.of(System.getProperty("user.home")).resolve(underHome);
    }
}
