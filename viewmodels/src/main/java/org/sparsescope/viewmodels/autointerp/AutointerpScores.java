package org.sparsescope.viewmodels.autointerp;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import javafx.beans.property.ReadOnlyIntegerProperty;
import javafx.beans.property.ReadOnlyIntegerWrapper;
import org.sparsescope.compute.autointerp.AutointerpRun;
import org.sparsescope.compute.stats.BasisBaseline;
import org.sparsescope.compute.workspace.ModelHook;
import org.sparsescope.compute.workspace.Placement;
import org.sparsescope.compute.workspace.Workspace;
import org.sparsescope.viewmodels.Background;
import org.sparsescope.viewmodels.workspace.DictionaryEntry;

/**
 * Each workspace dictionary's stored autointerp scores (its most recent run), and per (model, hook) pair the
 * baselines' scores (the neuron basis and random directions, explained the same way), for the dictionary list and
 * the score frontier. Read from the workspace's stored results in the background; a dictionary never explained has
 * none.
 */
public final class AutointerpScores {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(AutointerpScores.class);

    /** A dictionary's scores over its explained features (means and standard deviations of balanced accuracy). */
    public record Score(
            String explainer,
            int features,
            int explained,
            double detectionMean,
            double detectionStd,
            double fuzzingMean,
            double fuzzingStd) {
        private static Score of(AutointerpRun.Scores s) {
            return new Score(
                    s.explainer(),
                    s.features(),
                    s.explained(),
                    s.detectionMean(),
                    s.detectionStd(),
                    s.fuzzingMean(),
                    s.fuzzingStd());
        }
    }

    /** The scores of one stored run. */
    private static Score scores(AutointerpRun.Stored st) {
        return Score.of(AutointerpRun.Scores.of(
                st.explainer(), st.setting(), st.byFeature().values()));
    }

    /** A baseline's scores at a pair: its kind in words, whether it is the neuron basis (else random directions). */
    public record BaselineScore(String kind, boolean neurons, Score score) {}

    private final Background background;
    private volatile Map<String, Score> byDictionary = Map.of();
    private volatile Map<ModelHook.Key, List<BaselineScore>> baselinesByPair = Map.of();
    private final ReadOnlyIntegerWrapper updates = new ReadOnlyIntegerWrapper(0);

    public AutointerpScores(Background background) {
        this.background = background;
    }

    /** Counts the times the scores changed: the list and the frontier redraw on it. */
    public ReadOnlyIntegerProperty updatesProperty() {
        return updates.getReadOnlyProperty();
    }

    /** A dictionary's scores (null when it was never explained). */
    public Score of(String dictionaryId) {
        return byDictionary.get(dictionaryId);
    }

    /** The baselines explained at a pair (the neuron basis, random directions), those that were. */
    /** The baselines explained at {@code pair}'s model and hook. */
    public List<BaselineScore> baselines(org.sparsescope.viewmodels.workspace.HookPair pair) {
        return baselines(pair.key());
    }

    public List<BaselineScore> baselines(ModelHook.Key pairKey) {
        return baselinesByPair.getOrDefault(pairKey, List.of());
    }

    private record Read(Map<String, Score> dictionaries, Map<ModelHook.Key, List<BaselineScore>> baselines) {}

    /** Whether a reading is under way, and the request that came while it ran (read after it; UI thread). */
    private boolean reading;

    private Runnable again;

    /**
     * Reads the stored scores of {@code entries} and of the baselines at their pairs, in the background; asked again
     * while reading, it reads once more when done (the list changes often while dictionaries are measured).
     */
    public void refresh(List<DictionaryEntry> entries, Function<String, Placement> placements, Workspace workspace) {
        if (reading) {
            again = () -> refresh(entries, placements, workspace);
            return;
        }
        reading = true;
        List<DictionaryEntry> measured = entries.stream()
                .filter(e -> e.measured() && e.pairKey() != null)
                .toList();
        Map<String, Placement> where = new HashMap<>();
        for (DictionaryEntry e : measured) {
            Placement p = placements.apply(e.id());
            if (p != null) {
                where.put(e.id(), p);
            }
        }
        background.submit(
                "Autointerp scores",
                (progress, cancel) -> {
                    Map<String, Score> dictionaries = new HashMap<>();
                    Map<ModelHook.Key, List<BaselineScore>> baselines = new HashMap<>();
                    for (DictionaryEntry e : measured) {
                        cancel.check();
                        try {
                            workspace
                                    .explanations(e.path())
                                    .map(AutointerpScores::scores)
                                    .ifPresent(s -> dictionaries.put(e.id(), s));
                            Placement p = where.get(e.id());
                            if (p != null && !baselines.containsKey(e.pairKey())) {
                                List<BaselineScore> kinds = new java.util.ArrayList<>();
                                for (String kind : List.of(BasisBaseline.NEURONS, BasisBaseline.RANDOM)) {
                                    AutointerpRun.latest(
                                                    workspace.dir(),
                                                    AutointerpRun.baselineHash(
                                                            kind,
                                                            p.provenance().model(),
                                                            p.provenance().hook()))
                                            .map(AutointerpScores::scores)
                                            .ifPresent(s -> kinds.add(
                                                    new BaselineScore(kind, kind.equals(BasisBaseline.NEURONS), s)));
                                }
                                baselines.put(e.pairKey(), kinds);
                            }
                        } catch (java.io.IOException ex) {
                            LOG.warn(e.path() + ": stored autointerp results unreadable: " + ex.getMessage());
                        }
                    }
                    return new Read(dictionaries, baselines);
                },
                r -> {
                    byDictionary = Map.copyOf(r.dictionaries());
                    baselinesByPair = Map.copyOf(r.baselines());
                    updates.set(updates.get() + 1);
                    done();
                },
                ex -> {
                    LOG.warn("autointerp scores could not be read: " + ex);
                    done();
                });
    }

    private void done() {
        reading = false;
        Runnable next = again;
        again = null;
        if (next != null) {
            next.run();
        }
    }
}
