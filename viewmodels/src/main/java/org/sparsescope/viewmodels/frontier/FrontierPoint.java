package org.sparsescope.viewmodels.frontier;

/**
 * A dictionary on the sparsity/variance plane; {@code live} while a running sweep is still moving it.
 *
 * @param site the model and hook it reads, "model @ hook", for the tooltip
 */
public record FrontierPoint(
        String id, String label, double l0, double fvu, int dSae, String architecture, boolean live, String site) {}
