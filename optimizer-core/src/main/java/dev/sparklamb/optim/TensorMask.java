package dev.sparklamb.optim;

import java.util.List;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Which tensors of a layout an option applies to, as data: {@code excluded(i)} is true when any of the regexes is
 * found (searched, not matched whole, as in TF Addons) in tensor {@code i}'s name.
 */
public final class TensorMask {

    private final boolean[] excluded;

    private TensorMask(boolean[] excluded) {
        this.excluded = excluded;
    }

    /**
     * @param option the option's name, for error messages (e.g. "excludeFromWeightDecay")
     */
    public static TensorMask excluding(TensorLayout layout, List<String> regexes, String option) {
        boolean[] excluded = new boolean[layout.size()];
        for (String regex : regexes) {
            Pattern p = compile(regex, option);
            for (int i = 0; i < layout.size(); i++) {
                excluded[i] |= p.matcher(layout.name(i)).find();
            }
        }
        return new TensorMask(excluded);
    }

    /** Validates a regex eagerly with a message that names the option. */
    public static Pattern compile(String regex, String option) {
        try {
            return Pattern.compile(regex);
        } catch (PatternSyntaxException e) {
            throw new IllegalArgumentException(option + ": '" + regex + "' is not a valid regular expression: " + e.getDescription(), e);
        }
    }

    public boolean excluded(int tensorIndex) {
        return excluded[tensorIndex];
    }

    public boolean included(int tensorIndex) {
        return !excluded[tensorIndex];
    }
}
