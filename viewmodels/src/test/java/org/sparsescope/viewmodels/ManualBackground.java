package org.sparsescope.viewmodels;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;

/**
 * A background whose jobs run when the test says, in the order it says: so a test can finish a later job before an
 * earlier one, as threads may. Until {@link #hold()} every job runs at once, as {@link SameThreadBackground} does.
 */
final class ManualBackground implements Background {
    private final SameThreadBackground now = new SameThreadBackground();
    private final List<Queued> queued = new ArrayList<>();
    private boolean holding;

    /** A job waiting to run. */
    record Queued(String title, Runnable run) {}

    /** From now on jobs wait in {@link #queued()} until run. */
    void hold() {
        holding = true;
    }

    List<Queued> queued() {
        return List.copyOf(queued);
    }

    /** Runs the waiting job whose title starts with {@code prefix} (the first such). */
    void run(String prefix) {
        Queued q = queued.stream()
                .filter(j -> j.title().startsWith(prefix))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no job '" + prefix + "…' waits; waiting: "
                        + queued.stream().map(Queued::title).toList()));
        queued.remove(q);
        q.run().run();
    }

    @Override
    public <T> Job submit(String title, Work<T> work, Consumer<T> onSuccess, Consumer<Throwable> onFailure) {
        if (!holding) {
            return now.submit(title, work, onSuccess, onFailure);
        }
        Job[] job = new Job[1];
        queued.add(new Queued(title, () -> job[0] = now.submit(title, work, onSuccess, onFailure)));
        return new Job() {
            @Override
            public String title() {
                return title;
            }

            @Override
            public javafx.beans.property.ReadOnlyDoubleProperty progressProperty() {
                return new javafx.beans.property.SimpleDoubleProperty(0);
            }

            @Override
            public javafx.beans.property.ReadOnlyStringProperty messageProperty() {
                return new javafx.beans.property.SimpleStringProperty("");
            }

            @Override
            public javafx.beans.property.ReadOnlyBooleanProperty runningProperty() {
                return new javafx.beans.property.SimpleBooleanProperty(true);
            }

            @Override
            public void cancel() {
                // a cancelled job still runs here when asked: what it returns must then be ignored by its view-model
            }
        };
    }

    @Override
    public void onUi(Runnable update) {
        update.run();
    }

    @Override
    public ObservableList<Job> jobs() {
        return FXCollections.observableArrayList();
    }

    @Override
    public boolean stop(java.time.Duration wait) {
        return true;
    }
}
