package org.sparsescope.viewmodels.workspace;

import java.util.List;

/**
 * A question for the user: which model and hook a dictionary (or a foreign activation set) reads, when its files
 * do not say, or where the model it names is on this machine. The view shows it as a dialog; the answer goes to
 * {@link WorkspaceViewModel#answer}.
 *
 * @param target      the dictionary id or the activation set's path
 * @param wantedModel the model the files name (then only its folder is asked), or null
 * @param knownHook   the hook the files name, or null
 * @param knownModels names of the models the workspace knows, to choose from
 * @param question    the question in words
 */
public record ProvenanceRequest(
        Kind kind,
        String target,
        String name,
        String wantedModel,
        String knownHook,
        List<String> knownModels,
        String question) {
    public enum Kind {
        DICTIONARY,
        ACTIVATIONS
    }
}
