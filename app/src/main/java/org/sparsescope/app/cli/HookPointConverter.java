package org.sparsescope.app.cli;

import org.sparsescope.compute.model.HookPoint;
import picocli.CommandLine;

/**
 * A hook named on the command line, read where no model is at hand to read it in (a model's command reads its
 * {@code --hook} with {@code LanguageModel.hook}, which also knows the family's module paths).
 */
public final class HookPointConverter implements CommandLine.ITypeConverter<HookPoint> {
    @Override
    public HookPoint convert(String value) {
        try {
            return HookPoint.parse(value);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.TypeConversionException(e.getMessage());
        }
    }
}
