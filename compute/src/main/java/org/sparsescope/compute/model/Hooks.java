package org.sparsescope.compute.model;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * What one forward pass should read and patch: hooks to capture, hooks to replace, and whether the logits are
 * needed. A value passed per call, never state left on the model (TransformerLens's "hooks are global" footgun).
 * A pass that needs neither logits nor the final norm stops after the deepest hook's layer.
 */
public final class Hooks {
    private final Set<HookPoint> captures;
    private final Map<HookPoint, HookFunction> replacements;
    private final boolean logits;

    private Hooks(Set<HookPoint> captures, Map<HookPoint, HookFunction> replacements, boolean logits) {
        this.captures = Collections.unmodifiableSet(captures);
        this.replacements = Collections.unmodifiableMap(replacements);
        this.logits = logits;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Only the logits, no hooks. */
    public static Hooks logitsOnly() {
        return builder().logits().build();
    }

    public Set<HookPoint> captures() {
        return captures;
    }

    public Map<HookPoint, HookFunction> replacements() {
        return replacements;
    }

    public boolean wantsLogits() {
        return logits;
    }

    /** The deepest layer this pass must run, or -1 when it runs none; nLayers - 1 when the final norm is needed. */
    public int lastLayer(int nLayers) {
        if (logits) {
            return nLayers - 1;
        }
        int last = -1;
        for (HookPoint h : captures) {
            last = Math.max(last, h.isFinal() ? nLayers - 1 : h.layer());
        }
        for (HookPoint h : replacements.keySet()) {
            last = Math.max(last, h.isFinal() ? nLayers - 1 : h.layer());
        }
        return last;
    }

    public boolean needsFinalNorm() {
        return logits || captures.stream().anyMatch(HookPoint::isFinal);
    }

    public static final class Builder {
        private final Set<HookPoint> captures = new LinkedHashSet<>();
        private final Map<HookPoint, HookFunction> replacements = new LinkedHashMap<>();
        private boolean logits;

        public Builder capture(String... names) {
            for (String n : names) {
                captures.add(HookPoint.parse(n));
            }
            return this;
        }

        public Builder capture(HookPoint hook) {
            captures.add(hook);
            return this;
        }

        /** Replaces the activation at {@code name} by {@code fn(activation)}; a capture at the same hook sees the replaced value. */
        public Builder replace(String name, HookFunction fn) {
            replacements.put(HookPoint.parse(name), fn);
            return this;
        }

        public Builder replace(HookPoint hook, HookFunction fn) {
            replacements.put(hook, fn);
            return this;
        }

        /** Everything {@code other} captures and replaces, added to this builder. */
        public Builder copyOf(Hooks other) {
            captures.addAll(other.captures);
            replacements.putAll(other.replacements);
            logits |= other.logits;
            return this;
        }

        public Builder logits() {
            this.logits = true;
            return this;
        }

        public Hooks build() {
            return new Hooks(new LinkedHashSet<>(captures), new LinkedHashMap<>(replacements), logits);
        }
    }
}
