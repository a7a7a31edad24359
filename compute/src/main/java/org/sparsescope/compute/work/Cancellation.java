package org.sparsescope.compute.work;

import java.util.concurrent.atomic.AtomicBoolean;

/** A flag a caller sets to stop a long job at its next safe point; the job then throws {@link CancelledException}. */
public final class Cancellation {
    private final AtomicBoolean cancelled = new AtomicBoolean();

    public static Cancellation none() {
        return new Cancellation();
    }

    public void cancel() {
        cancelled.set(true);
    }

    public boolean isCancelled() {
        return cancelled.get();
    }

    /** Throws if cancelled; called by jobs between units of work, after what is done is safely on disk. */
    public void check() throws CancelledException {
        if (cancelled.get()) {
            throw new CancelledException();
        }
    }
}
