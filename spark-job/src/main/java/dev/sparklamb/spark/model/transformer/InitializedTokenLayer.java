package dev.sparklamb.spark.model.transformer;

import java.util.Objects;

/** A {@link TokenLayer} whose weights start normal with standard deviation {@code initStd} (biases at 0). */
public abstract class InitializedTokenLayer extends TokenLayer {

    private double initStd;

    protected InitializedTokenLayer() {
    }

    protected InitializedTokenLayer(long size, double initStd) {
        super(size);
        if (!(initStd > 0)) {
            throw new IllegalArgumentException(getClass().getSimpleName() + ": initStd must be > 0, got " + initStd);
        }
        this.initStd = initStd;
    }

    public double getInitStd() {
        return initStd;
    }

    public void setInitStd(double initStd) {
        this.initStd = initStd;
    }

    @Override
    public boolean equals(Object o) {
        return super.equals(o) && ((InitializedTokenLayer) o).initStd == initStd;
    }

    @Override
    public int hashCode() {
        return Objects.hash(super.hashCode(), initStd);
    }
}
