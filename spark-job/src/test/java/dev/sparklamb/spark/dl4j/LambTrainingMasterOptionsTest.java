package dev.sparklamb.spark.dl4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import dev.sparklamb.spark.config.ConfigLoader;
import dev.sparklamb.spark.config.ConfigurationException;
import dev.sparklamb.spark.config.LambSettings;
import dev.sparklamb.spark.config.LearningRateScaling;
import dev.sparklamb.spark.config.RunConfig;
import java.util.List;
import java.util.stream.Stream;
import org.apache.spark.SparkConf;
import org.deeplearning4j.optimize.listeners.ScoreIterationListener;
import org.deeplearning4j.spark.api.TrainingHook;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The training master's options, settings round trip and refusals that need no Spark job. */
class LambTrainingMasterOptionsTest {

    @Test
    void defaultsAreTheConfigurationDefaultsExceptOneEpochPerFit() {
        RunConfig defaults = ConfigLoader.load("", "defaults", List.of());
        RunConfig c = LambTrainingMaster.builder().build().configuration();
        assertThat(c.training().epochs()).isEqualTo(LambTrainingMaster.DEFAULT_EPOCHS).isEqualTo(1);
        assertThat(c.training().globalBatch()).isEqualTo(defaults.training().globalBatch());
        assertThat(c.training().microBatch()).isEqualTo(defaults.training().microBatch());
        assertThat(c.optimizer()).isEqualTo(defaults.optimizer());
        assertThat(c.seed()).isEqualTo(defaults.seed());
        assertThat(c.data().partitions()).isEqualTo(defaults.data().partitions());
    }

    @Test
    void optionsReachTheConfiguration() {
        RunConfig c = LambTrainingMaster.builder().globalBatch(256).microBatch(32).epochs(3).maxSteps(7).seed(9).partitions(4)
                .learningRate(0.02).learningRateBaseBatch(256).learningRateScaling("none").warmupFraction(0.25).weightDecay(0.01)
                .excludeFromWeightDecay("_b$").excludeFromLayerAdaptation("_b$", "^0_").beta1(0.8).beta2(0.99).epsilon(1e-7)
                .maxGradientNorm(1.0).trustRatioClamp(0.01, 10).allReduceFanIn(4).allReduce("sharded").shards(3).optimizer("lamb").build()
                .configuration();
        assertThat(c.training().globalBatch()).isEqualTo(256);
        assertThat(c.training().microBatch()).isEqualTo(32);
        assertThat(c.training().epochs()).isEqualTo(3);
        assertThat(c.training().maxSteps()).isEqualTo(7);
        assertThat(c.training().allReduceFanIn()).isEqualTo(4);
        assertThat(c.training().sharded()).isTrue();
        assertThat(c.training().shards()).isEqualTo(3);
        assertThat(c.seed()).isEqualTo(9);
        assertThat(c.data().partitions()).isEqualTo(4);
        assertThat(c.optimizer()).isInstanceOf(LambSettings.class);
        LambSettings lamb = (LambSettings) c.optimizer();
        assertThat(lamb.baseLearningRate()).isEqualTo(0.02);
        assertThat(lamb.baseBatch()).isEqualTo(256);
        assertThat(lamb.scaling()).isEqualTo(LearningRateScaling.NONE);
        assertThat(lamb.learningRate().warmupFraction()).isEqualTo(0.25);
        assertThat(lamb.weightDecay().rate()).hasValue(0.01);
        assertThat(lamb.excludeFromWeightDecay()).containsExactly("_b$");
        assertThat(lamb.layerAdaptation().exclude()).contains(List.of("_b$", "^0_"));
        assertThat(lamb.beta1()).isEqualTo(0.8);
        assertThat(lamb.beta2()).isEqualTo(0.99);
        assertThat(lamb.epsilon()).hasValue(1e-7);
        assertThat(lamb.maxGradientNorm()).isEqualTo(1.0);
        assertThat(lamb.layerAdaptation().trustRatioMin()).isEqualTo(0.01);
        assertThat(lamb.layerAdaptation().trustRatioMax()).isEqualTo(10.0);
    }

    @Test
    void microBatchDefaultsToAtMostTheGlobalBatch() {
        assertThat(LambTrainingMaster.builder().globalBatch(100).build().configuration().training().microBatch()).isEqualTo(100);
    }

    @Test
    void badChoicesAreRefusedWhenSetNamingTheOptionAndWhatItAccepts() {
        assertThatThrownBy(() -> LambTrainingMaster.builder().optimizer("sgd"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("LambTrainingMaster.Builder.optimizer: expected one of [lamb, lars, adamw, adam], got sgd");
        assertThatThrownBy(() -> LambTrainingMaster.builder().allReduce("ring"))
                .hasMessage("LambTrainingMaster.Builder.allReduce: expected one of [tree, sharded], got ring");
        assertThatThrownBy(() -> LambTrainingMaster.builder().dataCache("ssd"))
                .hasMessage("LambTrainingMaster.Builder.dataCache: expected one of [memory, disk], got ssd");
        assertThatThrownBy(() -> LambTrainingMaster.builder().learningRateScaling("log"))
                .hasMessage("LambTrainingMaster.Builder.learningRateScaling: expected one of [sqrt, linear, none], got log");
        assertThatThrownBy(() -> LambTrainingMaster.builder().excludeFromWeightDecay((String[]) null))
                .hasMessage("LambTrainingMaster.Builder.excludeFromWeightDecay: expected regular expressions, got null");
    }

    /** Ranges are the settings records' (the same checks and messages as a configuration file), applied by build(). */
    @ParameterizedTest(name = "{1}")
    @MethodSource("badValues")
    void badValuesAreRefusedByBuildNamingTheKey(LambTrainingMaster.Builder builder, String message) {
        assertThatThrownBy(builder::build).isInstanceOf(ConfigurationException.class).hasMessage("LambTrainingMaster: " + message);
    }

    static Stream<Arguments> badValues() {
        return Stream.of(
                arguments(LambTrainingMaster.builder().globalBatch(0), "spark-lamb.training.global-batch must be >= 1, got 0"),
                arguments(LambTrainingMaster.builder().globalBatch(64).microBatch(128),
                        "spark-lamb.training.micro-batch (128) must not exceed spark-lamb.training.global-batch (64)"),
                arguments(LambTrainingMaster.builder().learningRate(Double.NaN),
                        "spark-lamb.optimizer.learning-rate.base must be a finite number > 0, got NaN"),
                arguments(LambTrainingMaster.builder().beta2(1.0), "spark-lamb.optimizer.beta2 must be in [0.0, 1.0), got 1.0"),
                arguments(LambTrainingMaster.builder().warmupFraction(1.5),
                        "spark-lamb.optimizer.learning-rate.warmup-fraction must be in [0.0, 1.0], got 1.5"),
                arguments(LambTrainingMaster.builder().excludeFromWeightDecay("_b$", "(unclosed"),
                        "spark-lamb.optimizer.exclude-from-weight-decay: '(unclosed' is not a valid regular expression: Unclosed group"),
                arguments(LambTrainingMaster.builder().trustRatioClamp(2, 1),
                        "spark-lamb.optimizer.trust-ratio-min (2.0) must not exceed spark-lamb.optimizer.trust-ratio-max (1.0)"),
                arguments(LambTrainingMaster.builder().partitions(-1), "spark-lamb.data.partitions must be >= 0, got -1"),
                arguments(LambTrainingMaster.builder().allReduceFanIn(1), "spark-lamb.training.all-reduce-fan-in must be >= 2, got 1"),
                arguments(LambTrainingMaster.builder().shards(-2), "spark-lamb.training.shards must be >= 0, got -2"),
                arguments(LambTrainingMaster.builder().optimizer("lars").momentum(1.0), "spark-lamb.optimizer.momentum must be in [0.0, 1.0), got 1.0"));
    }

    /** An option the chosen optimizer would ignore is refused by build(), naming the key and the optimizer. */
    @ParameterizedTest(name = "{1} with {2}")
    @MethodSource("inapplicableOptions")
    void optionsTheOptimizerDoesNotUseAreRefused(LambTrainingMaster.Builder builder, String key, String optimizer) {
        assertThatThrownBy(builder::build).isInstanceOf(ConfigurationException.class)
                .hasMessageStartingWith("LambTrainingMaster: spark-lamb.optimizer." + key + " = ")
                .hasMessageContaining("not used by optimizer " + optimizer + " (spark-lamb.optimizer.name = " + optimizer + ")");
    }

    static Stream<Arguments> inapplicableOptions() {
        return Stream.of(
                arguments(LambTrainingMaster.builder().momentum(0.95), "momentum", "lamb"),
                arguments(LambTrainingMaster.builder().trustCoefficient(0.001), "trust-coefficient", "lamb"),
                arguments(LambTrainingMaster.builder().optimizer("lars").beta1(0.8), "beta1", "lars"),
                arguments(LambTrainingMaster.builder().optimizer("lars").epsilon(1e-8), "epsilon", "lars"),
                arguments(LambTrainingMaster.builder().optimizer("lars").biasCorrection(false), "bias-correction", "lars"),
                arguments(LambTrainingMaster.builder().optimizer("adamw").trustRatioClamp(0.01, 10), "trust-ratio-min", "adamw"),
                arguments(LambTrainingMaster.builder().optimizer("adamw").excludeFromLayerAdaptation("_b$"), "exclude-from-layer-adaptation",
                        "adamw"),
                arguments(LambTrainingMaster.builder().optimizer("adam").biasCorrection(false), "bias-correction", "adam"),
                arguments(LambTrainingMaster.builder().optimizer("adam").momentum(0.5), "momentum", "adam"));
    }

    @Test
    void optionsAtTheirDefaultCountAsUnsetAndTheOptimizerThatUsesThemGetsThem() {
        assertThat(LambTrainingMaster.builder().momentum(0.9).trustCoefficient(1.0).build().configuration().optimizer())
                .as("LAMB with momentum and trust coefficient at their defaults").isInstanceOf(LambSettings.class);
        var lars = (dev.sparklamb.optim.LarsConfig) LambTrainingMaster.builder().optimizer("lars").momentum(0.8).trustCoefficient(0.02)
                .trustRatioClamp(0.1, 5).build().configuration().optimizer().create(10, 8192);
        assertThat(lars.momentum()).isEqualTo(0.8);
        assertThat(lars.trustCoefficient()).isEqualTo(0.02);
        assertThat(lars.trustRatioClamp()).hasValue(new dev.sparklamb.optim.TrustRatioClamp(0.1, 5));
        var lamb = (dev.sparklamb.optim.LambConfig) LambTrainingMaster.builder().biasCorrection(false).build().configuration().optimizer()
                .create(10, 8192);
        assertThat(lamb.biasCorrection()).isFalse();
    }

    @Test
    void jsonAndYamlDescribeEverySettingAndJsonReadsBack() {
        LambTrainingMaster tm = LambTrainingMaster.builder().globalBatch(256).seed(3).weightDecay(0.01).excludeFromWeightDecay("_b$")
                .dataCache("disk").build();
        String json = tm.toJson();
        assertThat(json).contains("\"global-batch\" : 256", "\"micro-batch\" : 256", "\"epochs\" : 1", "\"seed\" : 3",
                "\"beta2\" : 0.999", "\"partitions\" : 0", "\"cache\" : \"disk\"");
        LambTrainingMaster back = LambTrainingMaster.fromJson(json);
        assertThat(back.configuration()).isEqualTo(tm.configuration());
        assertThat(back.toJson()).isEqualTo(json);
        assertThat(tm.toYaml()).contains("global-batch: 256", "exclude-from-weight-decay:", "- \"_b$\"");
    }

    @Test
    void fromJsonRefusesWhatIsNotATrainingMastersSetting() {
        assertThatThrownBy(() -> LambTrainingMaster.fromJson("{\"spark-lamb\":{\"output\":\"/tmp/x\"}}"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("expected one object 'spark-lamb' holding only [seed, data.partitions, data.cache, training, optimizer]");
        assertThatThrownBy(() -> LambTrainingMaster.fromJson("{\"spark-lamb\":{\"data\":4}}"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("expected one object 'spark-lamb'");
        assertThatThrownBy(() -> LambTrainingMaster.fromJson("{\"spark-lamb\":{\"training\":{\"global-batch\":0}}}"))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("spark-lamb.training.global-batch must be >= 1, got 0");
    }

    @Test
    void perWorkerFeaturesAreRefusedSayingWhatToUseInstead() {
        LambTrainingMaster tm = LambTrainingMaster.builder().build();
        assertThatThrownBy(() -> tm.executeTrainingPaths(null, null, null, null, null))
                .isInstanceOf(UnsupportedOperationException.class)
                .hasMessageContaining("does not train from paths").hasMessageContaining("fit(JavaRDD<DataSet>)");
        assertThatThrownBy(() -> tm.getWorkerInstance((org.deeplearning4j.spark.impl.multilayer.SparkDl4jMultiLayer) null))
                .isInstanceOf(UnsupportedOperationException.class).hasMessageContaining("has no TrainingWorker");
        assertThatThrownBy(() -> tm.addHook((TrainingHook) null))
                .isInstanceOf(UnsupportedOperationException.class).hasMessageContaining("does not run TrainingHooks");
        assertThatThrownBy(() -> tm.setListeners(List.of(new ScoreIterationListener(1))))
                .isInstanceOf(UnsupportedOperationException.class)
                .hasMessageContaining("does not call DL4J TrainingListeners (got [ScoreIterationListener])")
                .hasMessageContaining("history()");
        assertThatThrownBy(() -> tm.setCollectTrainingStats(true))
                .isInstanceOf(UnsupportedOperationException.class).hasMessageContaining("does not collect SparkTrainingStats");
        tm.setCollectTrainingStats(false);
        tm.setListeners(List.of());
        assertThat(tm.getIsCollectTrainingStats()).isFalse();
        assertThat(tm.getTrainingStats()).isNull();
    }

    @Test
    void kryoWithoutNd4jRegistratorIsRefusedNamingTheSetting() {
        SparkConf kryo = new SparkConf(false).set("spark.serializer", "org.apache.spark.serializer.KryoSerializer");
        assertThatThrownBy(() -> DropInTraining.requireNd4jKryo(kryo))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("spark.kryo.registrator").hasMessageContaining("org.nd4j.kryo.Nd4jRegistrator");
        DropInTraining.requireNd4jKryo(kryo.clone().set("spark.kryo.registrator", "a.B, org.nd4j.kryo.Nd4jRegistrator"));
        DropInTraining.requireNd4jKryo(new SparkConf(false));
    }
}
