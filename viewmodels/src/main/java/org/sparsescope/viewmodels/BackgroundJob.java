package org.sparsescope.viewmodels;

import javafx.beans.property.ReadOnlyBooleanProperty;
import javafx.beans.property.ReadOnlyDoubleProperty;
import javafx.beans.property.ReadOnlyStringProperty;

/** A {@link Background.Job} over the properties of whatever runs it, and the action that cancels it. */
public record BackgroundJob(
        String title,
        ReadOnlyDoubleProperty progressProperty,
        ReadOnlyStringProperty messageProperty,
        ReadOnlyBooleanProperty runningProperty,
        Runnable canceller)
        implements Background.Job {

    @Override
    public void cancel() {
        canceller.run();
    }
}
