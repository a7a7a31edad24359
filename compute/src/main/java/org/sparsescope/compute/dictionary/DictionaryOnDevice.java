package org.sparsescope.compute.dictionary;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;

/**
 * One long-lived copy of a dictionary's weights on a device, for the views that encode again and again (the prompt
 * inspector on every edit, examples and logit effects on every feature shown): copying the weights per call would
 * cost more than the encoding. Owns its manager, which is capped once the weights are in: whatever would attach an
 * array to it afterwards (a leak: results belong to the caller's scope) fails at once instead of growing it. Close it
 * when the dictionary is no longer shown.
 */
public final class DictionaryOnDevice implements AutoCloseable {
    private final Dictionary dictionary;
    private final NDManager manager;
    private final Codec codec;

    public DictionaryOnDevice(Dictionary dictionary, Device device) {
        this.dictionary = dictionary;
        this.manager = NDManager.newBaseManager(device);
        try {
            this.codec = dictionary.codec(manager);
            if (manager instanceof ai.djl.ndarray.BaseNDManager base) {
                base.cap();
            }
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    /** On the device the model runs on: what reads it there runs with the model. */
    public static DictionaryOnDevice beside(Dictionary dictionary, org.sparsescope.compute.model.LanguageModel model) {
        return new DictionaryOnDevice(dictionary, model.device());
    }

    public Dictionary dictionary() {
        return dictionary;
    }

    /** The weights on the device; what it encodes or decodes lands with the input's manager. */
    public Codec codec() {
        return codec;
    }

    public Device device() {
        return manager.getDevice();
    }

    @Override
    public void close() {
        manager.close();
    }
}
