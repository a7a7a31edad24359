package org.sparsescope.viewmodels.ablation;

/**
 * A token whose loss splicing the dictionary in raises: where it is, the loss clean and spliced (nats), its context
 * with the token in brackets, and the features most active where it is predicted ("12 (3.40), 7 (1.10)").
 */
public record CostlyTokenRow(
        int window, int position, double cleanLoss, double splicedLoss, String context, String features) {
    public double delta() {
        return splicedLoss - cleanLoss;
    }
}
