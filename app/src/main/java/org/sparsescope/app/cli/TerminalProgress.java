package org.sparsescope.app.cli;

import java.io.PrintWriter;
import org.sparsescope.compute.work.Progress;
import org.sparsescope.compute.work.ProgressListener;

/** A one-line progress bar on the terminal (stderr), redrawn at most every 200 ms. */
final class TerminalProgress implements ProgressListener {
    private static final int WIDTH = 30;
    private final PrintWriter err;
    private long lastDraw;

    TerminalProgress(PrintWriter err) {
        this.err = err;
    }

    @Override
    public void onProgress(Progress p) {
        long now = System.nanoTime();
        if (now - lastDraw < 200_000_000L && p.fraction() < 1.0) {
            return;
        }
        lastDraw = now;
        int filled = (int) Math.round(p.fraction() * WIDTH);
        String bar = "#".repeat(filled) + "-".repeat(WIDTH - filled);
        String rate = Double.isNaN(p.perSecond()) ? "" : String.format(" %,.0f %s", p.perSecond(), p.unit());
        String eta = Double.isNaN(p.etaSeconds()) || Double.isInfinite(p.etaSeconds()) ? "" : String.format(" ETA %s", clock(p.etaSeconds()));
        err.printf("\r[%s] %5.1f%%%s%s  %s\u001b[K", bar, 100 * p.fraction(), rate, eta, p.message());
        err.flush();
    }

    void done() {
        err.println();
        err.flush();
    }

    private static String clock(double seconds) {
        long s = Math.round(seconds);
        return s >= 3600 ? String.format("%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) : String.format("%d:%02d", s / 60, s % 60);
    }
}
