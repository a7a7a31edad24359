package org.sparsescope.compute.stats;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;

/**
 * Runs the host's share of a batch (metrics, moments, examples) on a thread of its own while the caller encodes the
 * next batch on the engine: one batch at a time and in order, so every sum is taken as it would be on one thread.
 */
final class HostCollector implements AutoCloseable {
    private final PassThread worker = new PassThread("statistics-collector");
    private Future<?> pending;

    /** Waits for the batch before, then hands over this one. */
    void submit(Runnable batch) {
        awaitPending();
        pending = worker.submit(() -> {
            batch.run();
            return null;
        });
    }

    /** Waits until every batch handed over is collected; a failure in one is thrown here. */
    void awaitPending() {
        if (pending == null) {
            return;
        }
        try {
            pending.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new IllegalStateException("collecting a batch failed", e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while collecting a batch", e);
        } finally {
            pending = null;
        }
    }

    @Override
    public void close() {
        worker.close();
    }
}
