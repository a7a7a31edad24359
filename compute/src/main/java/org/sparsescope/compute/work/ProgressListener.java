package org.sparsescope.compute.work;

/** Receives progress from a long job, on the job's thread; must return quickly. */
@FunctionalInterface
public interface ProgressListener {
    ProgressListener NONE = p -> {};

    void onProgress(Progress progress);
}
