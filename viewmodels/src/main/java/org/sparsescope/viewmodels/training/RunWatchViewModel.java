package org.sparsescope.viewmodels.training;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import javafx.beans.property.ReadOnlyObjectProperty;
import javafx.beans.property.ReadOnlyObjectWrapper;
import javafx.beans.property.ReadOnlyStringProperty;
import javafx.beans.property.ReadOnlyStringWrapper;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;
import org.sparsescope.compute.activations.ActivationSet;
import org.sparsescope.compute.dictionary.DictionaryMetrics;
import org.sparsescope.compute.handoff.RunFolderWatch;
import org.sparsescope.compute.workspace.Evaluation;
import org.sparsescope.compute.workspace.ModelHook;
import org.sparsescope.compute.workspace.Placement;
import org.sparsescope.compute.workspace.Workspace;
import org.sparsescope.viewmodels.Background;
import org.sparsescope.viewmodels.frontier.FrontierViewModel;
import org.sparsescope.viewmodels.workspace.WorkspaceViewModel;

/**
 * A cluster run watched from the desktop: every few seconds the folder is polled (through the job service), each
 * checkpoint that settles is measured on its own model and hook (the workspace's activation set for that pair, its
 * held-out rows, as every dictionary is) and moves on the frontier as a live point labelled with its step. Checkpoints
 * that cannot be read or measured become notes; the watch goes on.
 */
public final class RunWatchViewModel {
    /** A member's latest measured checkpoint. */
    public record WatchedPoint(
            String member,
            long step,
            String stepUnit,
            double l0,
            double fvu,
            int dSae,
            String architecture,
            ModelHook.Key pairKey) {}

    private final Background background;
    private final WorkspaceViewModel workspace;
    private final FrontierViewModel frontier;
    private final long pollMillis;
    private final ReadOnlyObjectWrapper<Path> watching = new ReadOnlyObjectWrapper<>();
    private final ReadOnlyStringWrapper status = new ReadOnlyStringWrapper("");
    private final ObservableList<String> notes = FXCollections.observableArrayList();
    private final Map<String, WatchedPoint> latest = new LinkedHashMap<>();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "run-watch-timer");
        t.setDaemon(true);
        return t;
    });
    private RunFolderWatch watch;
    private ScheduledFuture<?> next;
    private boolean polling;

    /** {@code pollMillis} ≤ 0: poll only when {@link #pollNow()} is called (tests). */
    public RunWatchViewModel(
            Background background, WorkspaceViewModel workspace, FrontierViewModel frontier, long pollMillis) {
        this.background = background;
        this.workspace = workspace;
        this.frontier = frontier;
        this.pollMillis = pollMillis;
    }

    public ReadOnlyObjectProperty<Path> watchingProperty() {
        return watching.getReadOnlyProperty();
    }

    /** One line for the window: what is watched, how many members, the latest step. */
    public ReadOnlyStringProperty statusProperty() {
        return status.getReadOnlyProperty();
    }

    /** Checkpoints skipped and why, newest last. */
    public ObservableList<String> notes() {
        return notes;
    }

    /** Each member's latest measured checkpoint. */
    public List<WatchedPoint> points() {
        return List.copyOf(latest.values());
    }

    /** Starts watching {@code dir} (stopping any other watch); its first poll runs at once. */
    public void watch(Path dir) {
        stop();
        watch = new RunFolderWatch(dir);
        watching.set(dir);
        notes.clear();
        status.set("watching " + dir + ": nothing settled yet");
        pollNow();
    }

    /** Stops polling; the watched points leave the frontier. */
    public void stop() {
        if (next != null) {
            next.cancel(false);
            next = null;
        }
        watch = null;
        watching.set(null);
        latest.clear();
        frontier.clearWatched();
        status.set("");
    }

    /** One poll now, off the UI thread; the next is scheduled when it ends. */
    public void pollNow() {
        RunFolderWatch w = watch;
        if (w == null || polling) {
            return;
        }
        polling = true;
        background.submit(
                "Polling " + w.root().getFileName(),
                (p, c) -> measure(w.poll()),
                results -> {
                    polling = false;
                    if (w != watch) {
                        return; // stopped or replaced meanwhile
                    }
                    apply(results);
                    scheduleNext();
                },
                t -> {
                    polling = false;
                    if (w == watch) {
                        notes.add(t.getMessage());
                        status.set("watching " + w.root() + ": " + t.getMessage());
                        scheduleNext();
                    }
                });
    }

    private void scheduleNext() {
        if (pollMillis > 0) {
            next = timer.schedule(() -> background.onUi(this::pollNow), pollMillis, TimeUnit.MILLISECONDS);
        }
    }

    /** A poll's outcome: measured checkpoints, and notes for the rest. */
    record Results(List<WatchedPoint> measured, List<String> notes) {}

    /** Measures each arrival on its own pair's set (background thread). */
    private Results measure(List<RunFolderWatch.Event> events) {
        List<WatchedPoint> measured = new ArrayList<>();
        List<String> out = new ArrayList<>();
        Workspace ws = workspace.workspace();
        for (RunFolderWatch.Event e : events) {
            if (e instanceof RunFolderWatch.Skipped s) {
                out.add(s.dir() + ": skipped, " + s.reason() + " (read again when it changes)");
                continue;
            }
            RunFolderWatch.Arrived a = (RunFolderWatch.Arrived) e;
            try {
                Placement p = ws.place(a.dir(), a.dictionary());
                if (!p.ready()) {
                    out.add(a.dir() + ": " + p.describe() + " — its model is not found here, so it is not measured");
                    continue;
                }
                Optional<Path> set = workspace.existingSetFor(p);
                if (set.isEmpty()) {
                    out.add(a.dir() + ": no activation set at " + p.at().label()
                            + " yet; harvest one (Training) to measure this run's checkpoints");
                    continue;
                }
                try (ActivationSet s = ActivationSet.open(set.get())) {
                    DictionaryMetrics m = Evaluation.heldOut(a.dictionary(), s);
                    measured.add(new WatchedPoint(
                            a.member(),
                            a.step(),
                            a.stepUnit(),
                            m.l0(),
                            m.fvu(),
                            a.dictionary().dSae(),
                            a.dictionary().architecture(),
                            p.at().key()));
                }
            } catch (Exception ex) {
                out.add(a.dir() + ": " + (ex.getMessage() == null ? ex.toString() : ex.getMessage()));
            }
        }
        return new Results(measured, out);
    }

    private void apply(Results r) {
        notes.addAll(r.notes());
        for (WatchedPoint w : r.measured()) {
            WatchedPoint before = latest.get(w.member());
            if (before != null && w.step() >= 0 && before.step() > w.step()) {
                continue; // an older save synced late (a folder listing is not in step order)
            }
            latest.put(w.member(), w);
            String step =
                    w.step() < 0 ? "latest checkpoint" : String.format(Locale.ROOT, "%s %,d", w.stepUnit(), w.step());
            frontier.updateWatched(
                    "watch:" + w.member(),
                    w.member() + " (" + step + ")",
                    w.l0(),
                    w.fvu(),
                    w.dSae(),
                    w.architecture(),
                    w.pairKey(),
                    "cluster run, " + step);
        }
        Path dir = watching.get();
        if (dir != null) {
            WatchedPoint last = r.measured().isEmpty()
                    ? null
                    : r.measured().get(r.measured().size() - 1);
            status.set(String.format(
                    Locale.ROOT,
                    "watching %s: %d member%s%s%s",
                    dir,
                    latest.size(),
                    latest.size() == 1 ? "" : "s",
                    last == null || last.step() < 0
                            ? ""
                            : String.format(Locale.ROOT, ", last %s %,d", last.stepUnit(), last.step()),
                    notes.isEmpty() ? "" : ", " + notes.size() + " skipped"));
        }
    }
}
