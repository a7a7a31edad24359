package org.sparsescope.compute;

import com.sun.jna.NativeLibrary;
import com.sun.jna.Platform;

/**
 * Asks libtorch's CPU allocator for transparent huge pages (2 MiB) for its large arrays. A fresh [4096, 16384] float
 * array otherwise takes 65,536 page faults as it is first written: measured on this project's machines, the ReLU over
 * one took 0.084 s with 4 KiB pages and 0.028 s with huge ones, and every step and statistics batch makes several.
 * PyTorch does this (madvise for allocations of 2 MiB and more) only when THP_MEM_ALLOC_ENABLE is set in the
 * environment, which it reads once, at its first allocation; a JVM cannot set its own environment, so libc's setenv
 * is called through JNA (DJL's own dependency). Where the kernel's THP mode is "never" the advice is ignored.
 */
public final class HugePages {
    static final String VARIABLE = "THP_MEM_ALLOC_ENABLE";

    private HugePages() {
    }

    /**
     * Sets THP_MEM_ALLOC_ENABLE=1 for this process unless the environment already says otherwise; call before the
     * engine loads. Linux only (other systems' allocators have no such switch). Returns whether libtorch will ask.
     */
    public static boolean requestForLibtorch() {
        if (!Platform.isLinux()) {
            return false;
        }
        String own = System.getenv(VARIABLE);
        if (own != null) {
            return !own.equals("0");
        }
        try {
            int rc = NativeLibrary.getInstance(Platform.C_LIBRARY_NAME).getFunction("setenv").invokeInt(new Object[] {VARIABLE, "1", 0});
            return rc == 0;
        } catch (UnsatisfiedLinkError | RuntimeException e) {
            System.getLogger(HugePages.class.getName()).log(System.Logger.Level.WARNING, "cannot set " + VARIABLE + ": libtorch keeps 4 KiB pages", e);
            return false;
        }
    }

    /** THP_MEM_ALLOC_ENABLE as libc sees it now (not Java's snapshot of the environment at start), or null. */
    static String current() {
        return NativeLibrary.getInstance(Platform.C_LIBRARY_NAME).getFunction("getenv").invokeString(new Object[] {VARIABLE}, false);
    }
}
