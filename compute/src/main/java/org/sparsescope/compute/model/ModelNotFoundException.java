package org.sparsescope.compute.model;

import java.nio.file.Path;
import java.util.List;
import org.sparsescope.compute.InvalidInputException;

/** A dictionary names a model that is nowhere on this machine; the message lists where the app looked. */
public final class ModelNotFoundException extends InvalidInputException {
    private static final long serialVersionUID = 1L;
    private final String model;
    private final transient List<String> searched;

    public ModelNotFoundException(Path wantedBy, String model, List<String> searched) {
        super(
                wantedBy,
                "needs the model '" + model + "', which is not on this machine (nothing is downloaded). Searched: "
                        + String.join("; ", searched)
                        + ". Pass its folder with --model FOLDER (in the window: choose the folder when asked)");
        this.model = model;
        this.searched = List.copyOf(searched);
    }

    public String model() {
        return model;
    }

    public List<String> searched() {
        return searched;
    }
}
