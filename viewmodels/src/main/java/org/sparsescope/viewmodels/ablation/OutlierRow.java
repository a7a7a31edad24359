package org.sparsescope.viewmodels.ablation;

/**
 * A residual dimension among the hook's largest by mean |x|: its rank, mean |x| and mean x over the windows' tokens,
 * the CE change with it ablated alone, and with the top 1 … rank ablated together (nats).
 */
public record OutlierRow(
        int rank, int dimension, double meanAbs, double mean, double deltaCeAlone, double deltaCeCumulative) {}
