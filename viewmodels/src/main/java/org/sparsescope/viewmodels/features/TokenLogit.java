package org.sparsescope.viewmodels.features;

import org.sparsescope.compute.stats.LogitEffects;

/** A vocabulary token and the logit a feature adds to it directly. */
public record TokenLogit(String text, float logit) {
    static TokenLogit of(LogitEffects.TokenEffect e) {
        return new TokenLogit(e.text(), e.logit());
    }
}
