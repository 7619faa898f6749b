package dev.sparklamb.optim.schedule;

/** The same learning rate at every step. */
public record ConstantSchedule(double rate) implements LearningRateSchedule {

    public ConstantSchedule {
        Rates.requireRate("learning rate", rate);
    }

    @Override
    public double rate(long step) {
        return rate;
    }
}
