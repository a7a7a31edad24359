package org.sparsescope.compute.autointerp;

import java.util.ArrayList;
import java.util.List;

/**
 * How well an explanation sorts examples, from the scorer's judgements: delphi's definitions
 * ({@code delphi/log/result_analysis.py} {@code compute_confusion}, {@code compute_classification_metrics},
 * {@code compute_auc}, EleutherAI/delphi 3c2e139). Items the model gave no answer for are left out of every count.
 *
 * @param balancedAccuracy (TPR + TNR) / 2 — what delphi reports as "accuracy"
 * @param rocAuc           area under the ROC curve of the items' probabilities, NaN when none has one or one class is
 *                         missing (sklearn's {@code roc_auc_score}: ties count one half)
 */
public record ScoreMetrics(
        int truePositives,
        int trueNegatives,
        int falsePositives,
        int falseNegatives,
        int failed,
        double balancedAccuracy,
        double precision,
        double recall,
        double f1,
        double rocAuc) {

    /** One judged example: whether it truly activates the feature, the scorer's yes/no (null: no answer), P(yes). */
    public record Judgement(boolean activating, Boolean prediction, Double probability) {}

    /** The metrics of a feature's judgements (a prediction counts as yes at probability ≥ 0.5 only through its yes). */
    public static ScoreMetrics of(List<Judgement> judged) {
        int tp = 0, tn = 0, fp = 0, fn = 0, failed = 0;
        for (Judgement j : judged) {
            if (j.prediction() == null) {
                failed++;
            } else if (j.prediction()) {
                if (j.activating()) {
                    tp++;
                } else {
                    fp++;
                }
            } else if (j.activating()) {
                fn++;
            } else {
                tn++;
            }
        }
        int pos = tp + fn, neg = tn + fp;
        double tpr = pos > 0 ? (double) tp / pos : 0, tnr = neg > 0 ? (double) tn / neg : 0;
        double precision = tp + fp > 0 ? (double) tp / (tp + fp) : 0;
        double recall = tpr;
        double f1 = precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0;
        return new ScoreMetrics(tp, tn, fp, fn, failed, (tpr + tnr) / 2, precision, recall, f1, rocAuc(judged));
    }

    /**
     * The probability that a random activating item gets a higher P(yes) than a random non-activating one, ties
     * counting one half (the Mann–Whitney form of the ROC area, as sklearn computes it).
     */
    static double rocAuc(List<Judgement> judged) {
        List<Double> pos = new ArrayList<>(), neg = new ArrayList<>();
        for (Judgement j : judged) {
            if (j.probability() != null && !j.probability().isNaN()) {
                (j.activating() ? pos : neg).add(j.probability());
            }
        }
        if (pos.isEmpty() || neg.isEmpty()) {
            return Double.NaN;
        }
        double wins = 0;
        for (double p : pos) {
            for (double n : neg) {
                wins += p > n ? 1 : p == n ? 0.5 : 0;
            }
        }
        return wins / ((double) pos.size() * neg.size());
    }
}
