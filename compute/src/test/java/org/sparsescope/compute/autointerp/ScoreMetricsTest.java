package org.sparsescope.compute.autointerp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.sparsescope.compute.autointerp.ScoreMetrics.Judgement;

/** delphi's metrics against plain computations on fixed labels. */
class ScoreMetricsTest {
    static Judgement j(boolean act, Boolean pred, Double p) {
        return new Judgement(act, pred, p);
    }

    @Test
    void confusionCountsAndTheRatesFollowDelphisDefinitions() {
        // 5 activating, 5 not; the scorer says yes to 4 activating and 2 others, fails on 1 activating
        List<Judgement> js = List.of(
                j(true, true, 0.9),
                j(true, true, 0.8),
                j(true, true, 0.7),
                j(true, true, 0.4),
                j(true, null, null),
                j(false, true, 0.6),
                j(false, true, 0.5),
                j(false, false, 0.3),
                j(false, false, 0.2),
                j(false, false, 0.1));
        ScoreMetrics m = ScoreMetrics.of(js);
        assertEquals(4, m.truePositives());
        assertEquals(2, m.falsePositives());
        assertEquals(3, m.trueNegatives());
        assertEquals(0, m.falseNegatives());
        assertEquals(1, m.failed());
        // balanced accuracy = (TP/P + TN/N) / 2 over answered items: (4/4 + 3/5) / 2
        assertEquals((1.0 + 0.6) / 2, m.balancedAccuracy(), 1e-12);
        assertEquals(4.0 / 6, m.precision(), 1e-12);
        assertEquals(1.0, m.recall(), 1e-12);
        assertEquals(2 * (4.0 / 6) / (4.0 / 6 + 1), m.f1(), 1e-12);
        assertEquals(trapezoidAuc(js), m.rocAuc(), 1e-12);
    }

    @Test
    void tiesCountHalfAndOneClassGivesNoAuc() {
        List<Judgement> tied =
                List.of(j(true, true, 0.5), j(false, true, 0.5), j(true, false, 0.2), j(false, false, 0.2));
        assertEquals(0.5, ScoreMetrics.of(tied).rocAuc(), 1e-12);
        assertEquals(trapezoidAuc(tied), ScoreMetrics.of(tied).rocAuc(), 1e-12);
        assertTrue(Double.isNaN(ScoreMetrics.of(List.of(j(true, true, 0.9), j(true, false, 0.1)))
                .rocAuc()));
        ScoreMetrics none = ScoreMetrics.of(List.of(j(true, null, null)));
        assertEquals(0, none.balancedAccuracy());
        assertEquals(0, none.f1());
    }

    /** The ROC curve walked threshold by threshold (tied scores as one step) and integrated by trapezoids. */
    static double trapezoidAuc(List<Judgement> js) {
        List<Judgement> scored =
                new ArrayList<>(js.stream().filter(x -> x.probability() != null).toList());
        scored.sort(Comparator.comparingDouble((Judgement x) -> x.probability()).reversed());
        long pos = scored.stream().filter(Judgement::activating).count(), neg = scored.size() - pos;
        double tp = 0, fp = 0, area = 0, lastTpr = 0, lastFpr = 0;
        int i = 0;
        while (i < scored.size()) {
            double p = scored.get(i).probability();
            while (i < scored.size() && scored.get(i).probability() == p) {
                if (scored.get(i).activating()) {
                    tp++;
                } else {
                    fp++;
                }
                i++;
            }
            double tpr = tp / pos, fpr = fp / neg;
            area += (fpr - lastFpr) * (tpr + lastTpr) / 2;
            lastTpr = tpr;
            lastFpr = fpr;
        }
        return area;
    }
}
