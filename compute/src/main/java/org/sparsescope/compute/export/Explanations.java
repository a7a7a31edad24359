package org.sparsescope.compute.export;

import java.util.Locale;
import org.sparsescope.compute.autointerp.AutointerpRun;
import org.sparsescope.compute.autointerp.FeatureInterpreter;

/** A feature's stored autointerp result as the exports write it (empty where the dictionary has none). */
final class Explanations {
    private Explanations() {}

    static FeatureInterpreter.Interpretation of(AutointerpRun.Stored explained, int feature) {
        return explained == null ? null : explained.byFeature().get(feature);
    }

    /** The explanation, or "" when the feature was not explained (or the explainer gave none). */
    static String text(AutointerpRun.Stored explained, int feature) {
        var r = of(explained, feature);
        return r == null || r.explanation() == null ? "" : r.explanation();
    }

    /** A balanced accuracy, or "" when not scored. */
    static String score(AutointerpRun.Stored explained, int feature, boolean detection) {
        var r = of(explained, feature);
        double v = r == null ? Double.NaN : detection ? r.detectionAccuracy() : r.fuzzingAccuracy();
        return Double.isNaN(v) ? "" : String.format(Locale.ROOT, "%.4f", v);
    }

    static String explainer(AutointerpRun.Stored explained, int feature) {
        var r = of(explained, feature);
        return r == null ? "" : r.explainer();
    }

    /** How the explanations were made, as an export names its method: prompt version, sampling and seed. */
    static String method(AutointerpRun.Stored explained) {
        return explained.setting();
    }
}
