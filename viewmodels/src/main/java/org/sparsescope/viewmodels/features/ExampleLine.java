package org.sparsescope.viewmodels.features;

/** An example as token-highlighted text: each token's text and id (empty when the set records none) and the feature's activation on it. */
public record ExampleLine(long row, float value, String[] tokens, float[] activations, int position, long[] tokenIds) {}
