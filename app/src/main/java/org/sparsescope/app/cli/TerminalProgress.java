package org.sparsescope.app.cli;

import java.io.PrintWriter;
import org.sparsescope.compute.work.Progress;
import org.sparsescope.compute.work.ProgressListener;

/**
 * Progress on stderr: a one-line bar redrawn at most every 200 ms on a terminal; plain lines, one per 10% and at
 * most one every 5 s, when output goes to a file or a pipe (a log should not fill with carriage returns).
 */
final class TerminalProgress implements ProgressListener {
    private static final int WIDTH = 30;
    private final PrintWriter err;
    private final boolean terminal;
    private long lastDraw;
    private int lastTenth = -1;
    private boolean reported;

    TerminalProgress(PrintWriter err) {
        this(err, System.console() != null);
    }

    TerminalProgress(PrintWriter err, boolean terminal) {
        this.err = err;
        this.terminal = terminal;
    }

    @Override
    public void onProgress(Progress p) {
        reported = true;
        long now = System.nanoTime();
        if (!terminal) {
            int tenth = (int) Math.floor(p.fraction() * 10);
            if (tenth == lastTenth
                    || (now - lastDraw < 5_000_000_000L && p.fraction() < 1.0 && lastTenth >= 0 && tenth < 10)) {
                return;
            }
            lastTenth = tenth;
            lastDraw = now;
            String rate = rate(p);
            err.printf("%5.1f%%%s  %s%n", 100 * p.fraction(), rate, p.message());
            err.flush();
            return;
        }
        if (now - lastDraw < 200_000_000L && p.fraction() < 1.0) {
            return;
        }
        lastDraw = now;
        int filled = (int) Math.round(p.fraction() * WIDTH);
        String bar = "#".repeat(filled) + "-".repeat(WIDTH - filled);
        String rate = rate(p);
        String eta = Double.isNaN(p.etaSeconds()) || Double.isInfinite(p.etaSeconds())
                ? ""
                : String.format(" ETA %s", clock(p.etaSeconds()));
        err.printf("\r[%s] %5.1f%%%s%s  %s\u001b[K", bar, 100 * p.fraction(), rate, eta, p.message());
        err.flush();
    }

    /** Whether any work reported progress: a result read from a cache reports none. */
    boolean reported() {
        return reported;
    }

    /** Ends the bar's line, where one was drawn. */
    void done() {
        if (terminal && reported) {
            err.println();
        }
        err.flush();
    }

    /** " 1,234 tokens/s", " 2.4 passes/s", " 0.31 passes/s"; nothing before the first unit of work is done. */
    static String rate(Progress p) {
        double r = p.perSecond();
        if (Double.isNaN(r) || r <= 0 || p.unit() == null || p.unit().isEmpty()) {
            return "";
        }
        return String.format(
                java.util.Locale.ROOT, r >= 100 ? " %,.0f %s" : r >= 10 ? " %.1f %s" : " %.2f %s", r, p.unit());
    }

    private static String clock(double seconds) {
        long s = Math.round(seconds);
        return s >= 3600
                ? String.format("%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
                : String.format("%d:%02d", s / 60, s % 60);
    }
}
