package org.sparsescope.compute;

/**
 * The C heap that libtorch's CPU arrays come from, as the launcher sets it up, and handing its free memory back.
 *
 * <p>glibc maps each block over 32 MiB afresh and unmaps it when freed, and a thread other than the process's first
 * maps such blocks whatever the settings say. So every [batch, features] array of a training step (256 MiB at 4096 ×
 * 16,384) faults in page by page and is zeroed by the kernel, step after step: some 7 million faults in one
 * {@code bench topk}. With one arena for every thread and no mapping ({@link #TUNABLES}), freed blocks are reused:
 * 0.7–1.0 million, the dense ReLU step 10–19% faster and the sparse TopK step 22–32%, with the same weights bit for bit.
 * glibc reads these settings once, when the program starts, so the launcher and the desktop entry set them; the
 * program can only say whether they are in force. What they cost is memory: freed blocks stay with the process, so
 * {@link #release} hands them back when a training run or a statistics pass ends.
 */
public final class NativeHeap {
    /** What the launcher and the desktop entry put in GLIBC_TUNABLES (a test holds both to this text). */
    public static final String TUNABLES =
            "glibc.malloc.arena_max=1:glibc.malloc.mmap_max=0:glibc.malloc.trim_threshold=68719476736";

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(NativeHeap.class);

    private NativeHeap() {}

    /** Whether this process started with the launcher's heap settings. */
    public static boolean reusesLargeBlocks() {
        return reusesLargeBlocks(System.getenv("GLIBC_TUNABLES"));
    }

    /** Whether GLIBC_TUNABLES {@code set} (null: unset) includes the launcher's settings, none overridden after. */
    static boolean reusesLargeBlocks(String set) {
        if (set == null) {
            return false;
        }
        java.util.Map<String, String> given = settings(set);
        return given.entrySet().containsAll(settings(TUNABLES).entrySet());
    }

    private static java.util.Map<String, String> settings(String tunables) {
        java.util.Map<String, String> m = new java.util.HashMap<>();
        for (String s : tunables.split(":")) {
            int eq = s.indexOf('=');
            if (eq > 0) {
                m.put(s.substring(0, eq), s.substring(eq + 1));
            }
        }
        return m;
    }

    /** The heap in words, for About and every bench. */
    public static String describe() {
        return reusesLargeBlocks()
                ? "C heap: freed large arrays reused (glibc, one arena, no mmap)"
                : "C heap: glibc's default (each large array mapped afresh)";
    }

    /**
     * Returns the heap's free pages to the system (glibc's malloc_trim), where the launcher's settings keep them;
     * without them glibc has already unmapped what was large, and this does nothing. A failure is logged, not thrown:
     * only memory is at stake.
     */
    public static void release() {
        if (!reusesLargeBlocks()) {
            return;
        }
        try {
            com.sun.jna.Function.getFunction("c", "malloc_trim")
                    .invokeInt(new Object[] {new com.sun.jna.NativeLong(0)});
        } catch (RuntimeException | UnsatisfiedLinkError e) {
            LOG.warn("could not hand the C heap's free memory back (malloc_trim)", e);
        }
    }
}
