package dev.sparklamb.spark.dl4j;

import dev.sparklamb.optim.Optimizer;
import dev.sparklamb.spark.allreduce.StepEngine;
import dev.sparklamb.spark.config.ConfigurationException;
import dev.sparklamb.spark.config.DataCache;
import dev.sparklamb.spark.config.ModelPreset;
import dev.sparklamb.spark.config.ModelSettings;
import dev.sparklamb.spark.config.RunConfig;
import dev.sparklamb.spark.data.BatchPlan;
import dev.sparklamb.spark.data.CachedExamples;
import dev.sparklamb.spark.data.MinibatchExamples;
import dev.sparklamb.spark.output.StepMetrics;
import dev.sparklamb.spark.train.TrainingLoop;
import dev.sparklamb.spark.train.TrainingProgress;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One {@code fit} call of a DL4J network through the synchronous trainer: check the data's shape against the network,
 * cache the examples, run the configured steps starting from the network's current parameters, and write the trained
 * parameters back into the network. Each call is a complete run: fresh optimizer state, and a learning-rate schedule
 * over this call's steps.
 */
final class DropInTraining {

    static final String ND4J_REGISTRATOR = "org.nd4j.kryo.Nd4jRegistrator";
    private static final Logger LOG = LoggerFactory.getLogger(DropInTraining.class);

    private DropInTraining() {
    }

    static <T> List<StepMetrics> fit(JavaSparkContext jsc, RunConfig options, DropInNetwork network, JavaRDD<T> data,
                                     MinibatchExamples.Unpacker<T> unpacker, String what) {
        requireNd4jKryo(jsc.getConf());
        MinibatchExamples.Shape shape = MinibatchExamples.shapeOfFirst(data, unpacker, what);
        if (shape.isSequences()) {
            if (options.data().cache() == DataCache.DISK) {
                throw new ConfigurationException("LambTrainingMaster.Builder.dataCache: \"disk\" holds classification examples only; "
                        + what + " holds sequences ([examples, " + shape.features() + ", " + shape.length() + "] with masks): use \"memory\"");
            }
            network.requireFitsSequences(shape.features(), shape.length(), shape.classes());
        } else {
            network.requireFits(shape.features(), shape.classes());
        }
        RunConfig config = new RunConfig(options.output(), options.seed(),
                new ModelSettings(ModelPreset.MLP, "", 1, shape.features() * Math.max(1, shape.length()), 1, shape.classes()),
                options.data(), options.training(),
                options.optimizer(), options.spark(), options.checkpoint());
        SparkSession spark = SparkSession.builder().getOrCreate(); // the session over jsc's context (there is one per JVM)
        CachedExamples train = MinibatchExamples.cache(spark, data, unpacker, shape, config.data().partitions(), config.data().cache(),
                config.seed(), what);
        try {
            int globalBatch = config.training().globalBatch();
            if (train.count() < globalBatch) {
                throw new ConfigurationException("LambTrainingMaster.Builder.globalBatch: " + globalBatch + " is larger than the training "
                        + "data (" + train.count() + " examples in " + what + "): lower it or add data");
            }
            TrainingLoop loop = new TrainingLoop(jsc, config, network.spec(), network.roles());
            BatchPlan plan = loop.plan(train);
            Optimizer optimizer = loop.optimizer(plan);
            LOG.info("LambTrainingMaster: training {} with {} on {} examples in {} partitions: global batch {}, micro-batch {}, {} steps "
                            + "({} per epoch); DL4J's own updater in the configuration is not used",
                    network.description(), config.optimizer().name(), train.count(), train.partitions(), plan.globalBatch(),
                    config.training().microBatch(), plan.totalSteps(), plan.stepsPerEpoch());
            try (StepEngine engine = loop.engine(train, network.parameters(), optimizer, optimizer.init(network.roles().optimized()))) {
                List<StepMetrics> history = loop.run(train, Optional.empty(), engine, TrainingProgress.start(), (m, p, u) -> { });
                network.setTrained(engine.parameters(), history.size());
                return history;
            }
        } finally {
            train.release();
        }
    }

    /**
     * With Kryo, ND4J arrays (and so DataSets) only serialize with ND4J's registrator; without it Spark fails deep inside a
     * task with "jvmShapeInfo is null". Checked up front so the message says what to set.
     */
    static void requireNd4jKryo(SparkConf conf) {
        String serializer = conf.get("spark.serializer", "");
        if (!serializer.contains("KryoSerializer")) {
            return;
        }
        List<String> registrators = Arrays.stream(conf.get("spark.kryo.registrator", "").split(",")).map(String::trim).toList();
        if (!registrators.contains(ND4J_REGISTRATOR)) {
            throw new ConfigurationException("spark.kryo.registrator: the session uses Kryo (spark.serializer=" + serializer
                    + ") but its registrators " + registrators.stream().filter(s -> !s.isEmpty()).toList() + " do not include "
                    + ND4J_REGISTRATOR + ", which DataSets need; set spark.kryo.registrator=" + ND4J_REGISTRATOR
                    + " (nd4j-kryo) when creating the session");
        }
    }
}
