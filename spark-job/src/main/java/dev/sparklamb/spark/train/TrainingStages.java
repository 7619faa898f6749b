package dev.sparklamb.spark.train;

import dev.sparklamb.optim.Optimizer;
import dev.sparklamb.optim.OptimizerState;
import dev.sparklamb.optim.schedule.LearningRateSchedule;
import dev.sparklamb.spark.allreduce.StepEngine;
import dev.sparklamb.spark.config.ConfigurationException;
import dev.sparklamb.spark.config.LearningRateSettings;
import dev.sparklamb.spark.config.RunConfig;
import dev.sparklamb.spark.config.StageSettings;
import dev.sparklamb.spark.data.BatchPlan;
import dev.sparklamb.spark.data.CachedExamples;
import dev.sparklamb.spark.evaluate.EvaluationScore;
import dev.sparklamb.spark.model.ModelSpec;
import dev.sparklamb.spark.model.ParameterRoles;
import dev.sparklamb.spark.output.StepMetrics;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.api.java.JavaSparkContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The stages of a run: one for an ordinary run; the run itself followed by {@code training.next-stages} for a staged
 * one. Stage {@code i} trains on its own cached data with its own {@link TrainingLoop} (batches, micro-batches,
 * sequence length), over the run's steps {@code [offset_i, offset_i + steps_i)}; one optimizer (with the
 * {@link StagedSchedule}) and its state carry through all of them, and a resumed run continues in the stage its
 * checkpoint's step lies in.
 */
final class TrainingStages {

    private static final Logger LOG = LoggerFactory.getLogger(TrainingStages.class);

    /** One stage's data, loop and plan; {@code offset} is its first step in the run. */
    record Stage(int index, RunConfig config, TrainingLoop loop, CachedExamples train, Optional<CachedExamples> test, BatchPlan plan,
                 long offset) {

        long end() {
            return offset + plan.totalSteps();
        }
    }

    /** The loop's run over all stages, with the final parameters and optimizer state. */
    record Result(TrainingRun run, float[] parameters, OptimizerState state) {
    }

    private final List<Stage> stages;
    private final boolean staged;

    private TrainingStages(List<Stage> stages, boolean staged) {
        this.stages = stages;
        this.staged = staged;
    }

    /**
     * @param first  the run's own loop and data (stage 0)
     * @param later  each next stage's training data and held-out data (null: none), in the order of
     *               {@code training.next-stages}
     */
    static TrainingStages of(JavaSparkContext jsc, RunConfig config, ModelSpec spec, ParameterRoles roles, TrainingLoop first,
                             CachedExamples train, Optional<CachedExamples> test, List<CachedExamples[]> later) {
        List<Stage> stages = new ArrayList<>();
        BatchPlan plan = first.plan(train);
        stages.add(new Stage(0, config, first, train, test, plan, 0));
        List<StageSettings> next = config.training().nextStages();
        if (!next.isEmpty() && plan.totalSteps() != config.training().maxSteps()) {
            throw new ConfigurationException("spark-lamb.training.epochs: the first stage must run exactly training.max-steps = "
                    + config.training().maxSteps() + " steps, but " + config.training().epochs() + " epoch(s) of " + plan.stepsPerEpoch()
                    + " steps give only " + plan.totalSteps() + "; raise training.epochs");
        }
        long offset = plan.totalSteps();
        for (int i = 0; i < next.size(); i++) {
            RunConfig c = config.forStage(next.get(i));
            TrainingLoop loop = new TrainingLoop(jsc, c, spec, roles);
            CachedExamples[] data = later.get(i);
            BatchPlan p;
            try {
                p = loop.plan(data[0]);
            } catch (ConfigurationException e) {
                throw new ConfigurationException("spark-lamb.training.next-stages[" + i + "]: " + e.getMessage(), e);
            }
            stages.add(new Stage(i + 1, c, loop, data[0], Optional.ofNullable(data[1]), p, offset));
            offset += p.totalSteps();
        }
        return new TrainingStages(stages, !next.isEmpty());
    }

    boolean staged() {
        return staged;
    }

    long totalSteps() {
        return stages.get(stages.size() - 1).end();
    }

    /** Whether {@code nextStep} is the first step after a stage (where a checkpoint is always written). */
    boolean endsStage(long nextStep) {
        return stages.stream().anyMatch(s -> s.end() == nextStep);
    }

    /** The learning rate of every stage (null for an ordinary run: the optimizer's own). */
    LearningRateSchedule schedule() {
        if (!staged) {
            return null;
        }
        List<StagedSchedule.Piece> pieces = new ArrayList<>();
        for (Stage s : stages) {
            LearningRateSettings lr = s.index() == 0 ? s.config().optimizer().learningRate()
                    : stages.get(0).config().training().nextStages().get(s.index() - 1).learningRate();
            pieces.add(new StagedSchedule.Piece(lr, s.offset(), s.plan().totalSteps(), s.plan().globalBatch()));
        }
        return new StagedSchedule(pieces);
    }

    /** What summary.json says about the stages (empty for an ordinary run). */
    List<Map<String, Object>> describe() {
        List<Map<String, Object>> out = new ArrayList<>();
        if (staged) {
            for (Stage s : stages) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("stage", s.index());
                m.put("trainingExamples", s.train().count());
                if (s.config().data().isTokens()) {
                    m.put("sequenceLength", s.config().data().tokens().sequenceLength());
                }
                m.put("globalBatch", s.plan().globalBatch());
                m.put("steps", s.plan().totalSteps());
                m.put("firstStep", s.offset() + 1);
                out.add(m);
            }
        }
        return out;
    }

    /** Creates the engine of one stage from the parameters and optimizer state the stage starts from. */
    @FunctionalInterface
    interface Engines {
        StepEngine create(Stage stage, float[] parameters, OptimizerState state);
    }

    /**
     * Runs the steps from {@code from.nextStep()} to the end of the last stage: each stage from where the run stands
     * (stages already done are skipped), a new engine per stage starting from the previous one's parameters and state.
     */
    Result run(TrainingProgress from, float[] parameters, OptimizerState state, Engines engines, StepListener listener) {
        List<StepMetrics> history = new ArrayList<>();
        TrainingProgress progress = from;
        Optional<EvaluationScore> lastEvaluation = Optional.empty();
        float[] p = parameters;
        OptimizerState st = state;
        for (Stage s : stages) {
            if (progress.nextStep() >= s.end()) {
                continue;
            }
            if (staged) {
                LOG.info("stage {} of {}: {} steps ({} to {}) on {} ({} examples), global batch {}", s.index() + 1, stages.size(),
                        s.plan().totalSteps(), s.offset() + 1, s.end(), s.train().description(), s.train().count(), s.plan().globalBatch());
            }
            try (StepEngine engine = engines.create(s, p, st)) {
                TrainingRun r = s.loop().runSteps(s.train(), s.test(), engine, progress, listener,
                        staged ? new StageSpan(s.index(), s.offset(), totalSteps()) : null);
                history.addAll(r.history());
                progress = r.progress();
                lastEvaluation = r.lastEvaluation().isPresent() ? r.lastEvaluation() : lastEvaluation;
                p = engine.parameters();
                st = engine.state();
            }
        }
        return new Result(new TrainingRun(history, progress, lastEvaluation), p, st);
    }

    /** Releases the cached data of the stages after the first (the caller owns the first stage's). */
    void releaseLater() {
        stages.stream().skip(1).forEach(s -> {
            s.train().release();
            s.test().ifPresent(CachedExamples::release);
        });
    }

    /** The optimizer of the run: the first stage's settings, with the staged learning rate for a staged run. */
    Optimizer optimizer() {
        Stage first = stages.get(0);
        return first.loop().optimizer(first.plan(), schedule());
    }
}
