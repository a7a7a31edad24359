package org.sparsescope.app.cli;

import java.util.ArrayList;
import java.util.List;
import org.sparsescope.compute.train.SweepGrid;
import picocli.CommandLine.Option;

/** A sweep's grid as options, shared by {@code train} and {@code cluster recipe}: the same numbers, the same members. */
final class SweepGridOptions {
    @Option(names = "--l1", split = ",", description = "L1 coefficients of ReLU dictionaries, e.g. 1e-3,2e-3")
    List<Double> l1 = new ArrayList<>();

    @Option(names = "--topk", split = ",", description = "k values of TopK dictionaries, e.g. 16,32")
    List<Integer> topk = new ArrayList<>();

    @Option(
            names = "--batch-topk",
            split = ",",
            description = "k values of BatchTopK dictionaries (the k·B largest activations of each batch of B; "
                    + "saved as JumpReLU with SAELens's running threshold), e.g. 32")
    List<Integer> batchTopk = new ArrayList<>();

    @Option(
            names = "--tied-l1",
            split = ",",
            description =
                    "L1 coefficients of tied ReLU dictionaries (the research code's FunctionalTiedSAE), e.g. 1e-3,2e-3")
    List<Double> tiedL1 = new ArrayList<>();

    @Option(
            names = "--ratio",
            split = ",",
            defaultValue = "4",
            description = "dictionary sizes as multiples of d (default ${DEFAULT-VALUE})")
    List<Double> ratios;

    SweepGrid grid() {
        return new SweepGrid(ratios, l1, topk, tiedL1, batchTopk);
    }
}
