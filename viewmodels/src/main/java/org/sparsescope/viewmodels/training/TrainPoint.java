package org.sparsescope.viewmodels.training;

/** One member's numbers at one progress event, for the live charts. */
public record TrainPoint(long step, String member, double loss, double l0, double fvu, double deadFraction) {}
