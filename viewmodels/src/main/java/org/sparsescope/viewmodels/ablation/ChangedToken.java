package org.sparsescope.viewmodels.ablation;

import org.sparsescope.compute.intervene.TokenChange;

/** A predicted token whose loss an intervention changed: its window, its position there, the change in nats, its context. */
public record ChangedToken(int window, int position, double delta, String context) {
    static ChangedToken of(TokenChange c) {
        return new ChangedToken(c.window(), c.position(), c.delta(), c.context());
    }
}
