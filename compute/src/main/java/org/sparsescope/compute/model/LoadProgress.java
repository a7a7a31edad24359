package org.sparsescope.compute.model;

/** Told as a model's blocks load, so that a large model's minutes of loading show how far they have come. */
@FunctionalInterface
public interface LoadProgress {
    LoadProgress SILENT = (done, total) -> {};

    void blocksLoaded(int done, int total);
}
