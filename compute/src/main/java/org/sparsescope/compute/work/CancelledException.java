package org.sparsescope.compute.work;

/** A job stopped because its caller asked; everything it wrote before stopping is whole and resumable. */
public final class CancelledException extends Exception {
    private static final long serialVersionUID = 1L;

    public CancelledException() {
        super("cancelled");
    }
}
