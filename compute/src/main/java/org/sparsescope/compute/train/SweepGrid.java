package org.sparsescope.compute.train;

import java.util.ArrayList;
import java.util.List;
import org.sparsescope.compute.dictionary.Dictionary;

/**
 * Which members a sweep has: every size (a multiple of the activations' width d) × (each untied L1 coefficient,
 * each TopK k, each tied L1 coefficient, each BatchTopK k). The one definition the command line and the training panel share, so that
 * the same numbers give the same members, names and order (and a run started in one resumes in the other).
 *
 * @param ratios  dictionary sizes as multiples of d (n = round(ratio × d))
 * @param l1s     L1 coefficients of untied ReLU members
 * @param ks      k of TopK members
 * @param tiedL1s L1 coefficients of tied members
 * @param batchKs k of BatchTopK members (k·B kept over each batch of B)
 */
public record SweepGrid(
        List<Double> ratios, List<Double> l1s, List<Integer> ks, List<Double> tiedL1s, List<Integer> batchKs) {

    public SweepGrid(List<Double> ratios, List<Double> l1s, List<Integer> ks, List<Double> tiedL1s) {
        this(ratios, l1s, ks, tiedL1s, List.of());
    }

    public SweepGrid {
        ratios = List.copyOf(ratios);
        l1s = List.copyOf(l1s);
        ks = List.copyOf(ks);
        tiedL1s = List.copyOf(tiedL1s);
        batchKs = List.copyOf(batchKs);
        for (double r : ratios) {
            if (!(r > 0)) {
                throw new IllegalArgumentException("sizes are positive multiples of d, got " + r);
            }
        }
        if (l1s.isEmpty() && ks.isEmpty() && tiedL1s.isEmpty() && batchKs.isEmpty()) {
            throw new IllegalArgumentException("give at least one l1, k, tied l1 or BatchTopK k value");
        }
    }

    /** The members for activations of width d, trained from scratch: per size, untied, then TopK, then tied, then BatchTopK. */
    public List<SweepMember> members(int d) {
        if (ratios.isEmpty()) {
            throw new IllegalArgumentException("give at least one size");
        }
        List<SweepMember> out = new ArrayList<>();
        for (double ratio : ratios) {
            out.addAll(atSize((int) Math.round(ratio * d)));
        }
        return out;
    }

    /**
     * Fine-tuning: untied and TopK members of the starting dictionary's size, each starting from it and named
     * "finetune_…"; the sizes are the dictionary's, and tied members (which train from scratch) are refused.
     */
    public List<SweepMember> fineTuning(Dictionary start) {
        if (!tiedL1s.isEmpty()) {
            throw new IllegalArgumentException(
                    "tied dictionaries train from scratch; drop the tied l1 values to fine-tune");
        }
        List<SweepMember> out = new ArrayList<>();
        for (SweepMember m : atSize(start.dSae())) {
            out.add(m.startingFrom(start, "finetune_" + m.name()));
        }
        return out;
    }

    private List<SweepMember> atSize(int n) {
        List<SweepMember> out = new ArrayList<>();
        l1s.forEach(c -> out.add(SweepMember.l1(n, c)));
        ks.forEach(k -> out.add(SweepMember.topK(n, k)));
        tiedL1s.forEach(c -> out.add(SweepMember.tied(n, c)));
        batchKs.forEach(k -> out.add(SweepMember.batchTopK(n, k)));
        return out;
    }
}
