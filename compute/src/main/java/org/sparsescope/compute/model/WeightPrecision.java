package org.sparsescope.compute.model;

import java.util.Locale;

/**
 * How a model's weight matrices are held and multiplied. The engine computes float16 products about a hundred times
 * slower than float32 (measured: 0.4 against 131 GFLOP/s, 4096×2048 · 2048×2048 on 2 threads) and its Java binding
 * aborts on bfloat16 arrays; bf16 products run in a TorchScript kernel of our own ({@link Bf16Kernel}) instead.
 * Between products (norms, attention, activations, the residual stream, hooks) everything is float32 in every mode.
 */
public enum WeightPrecision {
    /** Every weight in float32: the reference path the tests hold to 1e-4. */
    FLOAT32,
    /**
     * The matrices of a bf16 or fp16 checkpoint held at 16 bits (as float16, widened to float32 for each product),
     * vectors in float32: half the memory for about 7% of the speed. A bf16 weight is exact in float16 from 2⁻¹⁷ to
     * 65504; smaller magnitudes round to the nearest multiple of 2⁻²⁴ (an error of at most 3·10⁻⁸), and a matrix
     * with any value above 65504 stays in float32.
     */
    COMPACT,
    /**
     * The matrices of a bf16 or fp16 checkpoint held in bf16 (2 bytes, the checkpoint's bf16 values exactly) and
     * multiplied in bf16 as PyTorch multiplies a bf16 model's linear layers: the float32 input rounded to bf16, float32
     * accumulation, the product rounded to bf16 and widened back. About four times the float32 product rate on CPUs
     * with AVX-512 BF16, at the cost of bf16 rounding at every product (the README gives the measured differences).
     */
    BF16,
    /**
     * FLOAT32 where the float32 weights fit in the memory free; otherwise BF16 where bf16 products measure faster
     * than float32 ones on this CPU, COMPACT where they do not (no bf16 instructions) or the bf16 kernel cannot load.
     */
    AUTO;

    /** The precision of the products a model held this way computes: "bf16" or "float32" (as a set's manifest says). */
    public String products() {
        return this == BF16 ? "bf16" : "float32";
    }

    /**
     * What a model held this way computes, as the window's status bar says it: "float32", "16-bit weights, float32
     * products" or "bf16 products" (numbers differ from the float32 reference by bf16 rounding only in the last).
     */
    public String heldAs() {
        return switch (this) {
            case FLOAT32 -> "float32";
            case COMPACT -> "16-bit weights, float32 products";
            case BF16 -> "bf16 products";
            case AUTO -> throw new IllegalStateException("auto is a setting; a loaded model is held one definite way");
        };
    }

    /** The setting: {@code -Dsparsescope.weights} or {@code SPARSESCOPE_WEIGHTS} (float32, compact, bf16, auto); auto if unset. */
    public static WeightPrecision fromSettings() {
        String s = System.getProperty("sparsescope.weights", System.getenv("SPARSESCOPE_WEIGHTS"));
        if (s == null || s.isBlank()) {
            return AUTO;
        }
        try {
            return valueOf(s.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "sparsescope.weights is '" + s + "'; it should be float32, compact, bf16 or auto", e);
        }
    }
}
