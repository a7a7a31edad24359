package org.sparsescope.compute.work;

/**
 * Where a long job stands: done fraction in [0, 1], a line for people, throughput in its own unit, and the
 * estimated seconds left (NaN while unknown).
 */
public record Progress(double fraction, String message, double perSecond, String unit, double etaSeconds) {

    /** A progress report computed from work done and elapsed time. */
    public static Progress of(long done, long total, double elapsedSeconds, String unit, String message) {
        double fraction = total <= 0 ? 0 : Math.min(1.0, (double) done / total);
        double rate = elapsedSeconds > 0 ? done / elapsedSeconds : Double.NaN;
        double eta = rate > 0 ? (total - done) / rate : Double.NaN;
        return new Progress(fraction, message, rate, unit, eta);
    }
}
