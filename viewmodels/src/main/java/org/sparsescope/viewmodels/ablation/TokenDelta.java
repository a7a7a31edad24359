package org.sparsescope.viewmodels.ablation;

/** A predicted token and how much harder (positive) or easier the intervention made it, in nats. */
public record TokenDelta(String text, float delta) {}
