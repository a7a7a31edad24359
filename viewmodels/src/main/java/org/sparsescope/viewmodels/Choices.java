package org.sparsescope.viewmodels;

import org.sparsescope.compute.circuits.FeatureGraph;
import org.sparsescope.compute.intervene.Intervention;
import org.sparsescope.compute.intervene.OutlierDimensions;
import org.sparsescope.compute.stats.FeatureReport;

/**
 * The choices the views offer, each with the words a researcher reads, and the compute value it stands for: the
 * views choose among these and never name a compute type (LayeringTest holds them to it).
 */
public final class Choices {
    private Choices() {}

    /** Where a removed feature's contribution is taken from. */
    public enum AblationMode {
        KEEP_ERROR("keep the SAE error", Intervention.AblationMode.KEEP_ERROR),
        RECONSTRUCTION("inside the reconstruction", Intervention.AblationMode.RECONSTRUCTION);

        private final String label;
        private final Intervention.AblationMode compute;

        AblationMode(String label, Intervention.AblationMode compute) {
            this.label = label;
            this.compute = compute;
        }

        public String label() {
            return label;
        }

        public Intervention.AblationMode compute() {
            return compute;
        }
    }

    /** What a steering coefficient multiplies. */
    public enum SteerUnits {
        ABSOLUTE("α × W_dec[j] (SAELens)", Intervention.SteerUnits.ABSOLUTE),
        NORM_RELATIVE("α × ‖x‖ × unit direction", Intervention.SteerUnits.NORM_RELATIVE);

        private final String label;
        private final Intervention.SteerUnits compute;

        SteerUnits(String label, Intervention.SteerUnits compute) {
            this.label = label;
            this.compute = compute;
        }

        public String label() {
            return label;
        }

        public Intervention.SteerUnits compute() {
            return compute;
        }
    }

    /** What an ablated basis dimension is set to in the outlier-dimension experiment. */
    public enum OutlierFill {
        ZERO("set to zero", OutlierDimensions.Fill.ZERO),
        MEAN("set to its mean", OutlierDimensions.Fill.MEAN);

        private final String label;
        private final OutlierDimensions.Fill compute;

        OutlierFill(String label, OutlierDimensions.Fill compute) {
            this.label = label;
            this.compute = compute;
        }

        public String label() {
            return label;
        }

        public OutlierDimensions.Fill compute() {
            return compute;
        }
    }

    /** How a feature graph's edges are measured. */
    public enum GraphMethod {
        ABLATE("ablate each feature", FeatureGraph.Method.ABLATE),
        RESTORE("remove all, restore each", FeatureGraph.Method.RESTORE);

        private final String label;
        private final FeatureGraph.Method compute;

        GraphMethod(String label, FeatureGraph.Method compute) {
            this.label = label;
            this.compute = compute;
        }

        public String label() {
            return label;
        }

        public FeatureGraph.Method compute() {
            return compute;
        }
    }

    /** A per-feature statistic features can be ranked by. */
    public enum FeatureColumn {
        KURTOSIS(FeatureReport.Column.KURTOSIS),
        DENSITY(FeatureReport.Column.DENSITY),
        MAX(FeatureReport.Column.MAX),
        MEAN(FeatureReport.Column.MEAN),
        STD(FeatureReport.Column.STD),
        SKEW(FeatureReport.Column.SKEW),
        CAPACITY(FeatureReport.Column.CAPACITY);

        private final FeatureReport.Column compute;

        FeatureColumn(FeatureReport.Column compute) {
            this.compute = compute;
        }

        public String label() {
            return compute.label();
        }

        public FeatureReport.Column compute() {
            return compute;
        }
    }
}
