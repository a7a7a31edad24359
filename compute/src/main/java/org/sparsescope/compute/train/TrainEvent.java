package org.sparsescope.compute.train;

import java.util.List;

/**
 * Where a training run stands, for live charts: every member's loss, MSE, L0, FVU and dead fraction on the
 * latest batch ({@code deadFraction}: features that fired in none of the batches sampled since the previous event,
 * every fourth batch and the event's own).
 */
public record TrainEvent(
        long step, long totalSteps, double tokensPerSecond, double etaSeconds, List<MemberStats> members) {

    public record MemberStats(String name, double loss, double mse, double l0, double fvu, double deadFraction) {}

    public double fraction() {
        return totalSteps == 0 ? 1 : (double) step / totalSteps;
    }
}
