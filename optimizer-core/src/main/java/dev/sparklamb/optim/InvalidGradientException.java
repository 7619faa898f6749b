package dev.sparklamb.optim;

/**
 * A gradient contained NaN or infinity. The step that saw it changed nothing: parameters and optimizer state are
 * exactly as before, so the caller may skip the step.
 */
public final class InvalidGradientException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    private final String tensorName;
    private final long elementIndex;

    public InvalidGradientException(String tensorName, long elementIndex, float value) {
        super("gradient of tensor '" + tensorName + "' contains " + value + " at element " + elementIndex
                + "; the step was not applied (parameters and optimizer state unchanged)");
        this.tensorName = tensorName;
        this.elementIndex = elementIndex;
    }

    /** Name of the first tensor (in layout order) with a non-finite gradient. */
    public String tensorName() {
        return tensorName;
    }

    /** Flat index, within that tensor, of its first non-finite element. */
    public long elementIndex() {
        return elementIndex;
    }
}
