package org.sparsescope.compute.train;

import java.util.Locale;
import org.sparsescope.compute.dictionary.Dictionary;

/**
 * One dictionary of a sweep: an untied ReLU dictionary with L1 coefficient {@code l1}, a tied one (the research
 * code's FunctionalTiedSAE) with L1 coefficient {@code l1}, a TopK one keeping {@code k}, or a BatchTopK one keeping k·B
 * over each batch; {@code dSae} features;
 * optionally (untied and TopK) starting from an existing dictionary (fine-tuning).
 */
public record SweepMember(String name, Kind kind, int dSae, double l1, int k, Dictionary start) {
    public enum Kind {
        RELU_L1,
        TOPK,
        TIED_L1,
        BATCH_TOPK;

        /** Whether the loss has an L1 term on the codes. */
        public boolean hasL1() {
            return this == RELU_L1 || this == TIED_L1;
        }

        /** Whether sparsity comes from keeping k (per token, or k·B over the batch). */
        public boolean keepsK() {
            return this == TOPK || this == BATCH_TOPK;
        }
    }

    public SweepMember {
        if (dSae < 1) {
            throw new IllegalArgumentException("a dictionary needs at least one feature");
        }
        if (kind.hasL1() && !(l1 >= 0)) {
            throw new IllegalArgumentException("l1 must be ≥ 0, got " + l1);
        }
        if (kind.keepsK() && (k < 1 || k > dSae)) {
            throw new IllegalArgumentException("k must be in [1, " + dSae + "], got " + k);
        }
        if (start != null && kind == Kind.TIED_L1) {
            throw new IllegalArgumentException(
                    "tied dictionaries train from scratch; fine-tuning starts untied or TopK members only");
        }
        if (start != null && start.dSae() != dSae) {
            throw new IllegalArgumentException(
                    "the starting dictionary has " + start.dSae() + " features, not " + dSae);
        }
    }

    public static SweepMember l1(int dSae, double l1) {
        return new SweepMember(String.format(Locale.ROOT, "l1_%.2e_f%d", l1, dSae), Kind.RELU_L1, dSae, l1, 0, null);
    }

    public static SweepMember tied(int dSae, double l1) {
        return new SweepMember(
                String.format(Locale.ROOT, "tied_l1_%.2e_f%d", l1, dSae), Kind.TIED_L1, dSae, l1, 0, null);
    }

    public static SweepMember topK(int dSae, int k) {
        return new SweepMember("topk_" + k + "_f" + dSae, Kind.TOPK, dSae, 0, k, null);
    }

    /** BatchTopK (SAELens, dictionary_learning): the k·B largest activations over a batch of B; saved as JumpReLU. */
    public static SweepMember batchTopK(int dSae, int k) {
        return new SweepMember("batchtopk_" + k + "_f" + dSae, Kind.BATCH_TOPK, dSae, 0, k, null);
    }

    public SweepMember startingFrom(Dictionary d, String newName) {
        return new SweepMember(newName, kind, dSae, l1, k, d);
    }

    /** Members that can share one batched ensemble: same kind, size and k. */
    String groupKey() {
        return kind + "/" + dSae + "/" + k;
    }
}
