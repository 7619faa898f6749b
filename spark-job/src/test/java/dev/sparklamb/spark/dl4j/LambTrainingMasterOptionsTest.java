package dev.sparklamb.spark.dl4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sparklamb.spark.config.ConfigLoader;
import dev.sparklamb.spark.config.ConfigurationException;
import dev.sparklamb.spark.config.RunConfig;
import java.util.List;
import org.apache.spark.SparkConf;
import org.deeplearning4j.optimize.listeners.ScoreIterationListener;
import org.deeplearning4j.spark.api.TrainingHook;
import org.junit.jupiter.api.Test;

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
        assertThat(c.optimizer().baseLearningRate()).isEqualTo(0.02);
        assertThat(c.optimizer().baseBatch()).isEqualTo(256);
        assertThat(c.optimizer().scaling()).isEqualTo("none");
        assertThat(c.optimizer().warmupFraction()).isEqualTo(0.25);
        assertThat(c.optimizer().weightDecay()).isEqualTo(0.01);
        assertThat(c.optimizer().excludeFromWeightDecay()).containsExactly("_b$");
        assertThat(c.optimizer().excludeFromLayerAdaptation()).contains(List.of("_b$", "^0_"));
        assertThat(c.optimizer().beta1()).isEqualTo(0.8);
        assertThat(c.optimizer().beta2()).isEqualTo(0.99);
        assertThat(c.optimizer().epsilon()).isEqualTo(1e-7);
        assertThat(c.optimizer().maxGradientNorm()).isEqualTo(1.0);
        assertThat(c.optimizer().trustRatioMin()).isEqualTo(0.01);
        assertThat(c.optimizer().trustRatioMax()).isEqualTo(10.0);
    }

    @Test
    void microBatchDefaultsToAtMostTheGlobalBatch() {
        assertThat(LambTrainingMaster.builder().globalBatch(100).build().configuration().training().microBatch()).isEqualTo(100);
    }

    @Test
    void badOptionsNameTheOptionAndWhatItAccepts() {
        assertThatThrownBy(() -> LambTrainingMaster.builder().globalBatch(0))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("LambTrainingMaster.Builder.globalBatch: expected >= 1, got 0");
        assertThatThrownBy(() -> LambTrainingMaster.builder().globalBatch(64).microBatch(128).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("LambTrainingMaster.Builder.microBatch: 128 must not exceed globalBatch (64)");
        assertThatThrownBy(() -> LambTrainingMaster.builder().optimizer("sgd"))
                .hasMessage("LambTrainingMaster.Builder.optimizer: expected one of [lamb, lars, adamw, adam], got sgd");
        assertThatThrownBy(() -> LambTrainingMaster.builder().learningRate(Double.NaN))
                .hasMessage("LambTrainingMaster.Builder.learningRate: expected a finite number > 0, got NaN");
        assertThatThrownBy(() -> LambTrainingMaster.builder().beta2(1.0))
                .hasMessage("LambTrainingMaster.Builder.beta2: expected in [0, 1), got 1.0");
        assertThatThrownBy(() -> LambTrainingMaster.builder().warmupFraction(1.5))
                .hasMessage("LambTrainingMaster.Builder.warmupFraction: expected in [0, 1], got 1.5");
        assertThatThrownBy(() -> LambTrainingMaster.builder().excludeFromWeightDecay("_b$", "(unclosed"))
                .hasMessage("LambTrainingMaster.Builder.excludeFromWeightDecay: expected valid regular expressions, got [_b$, (unclosed]");
        assertThatThrownBy(() -> LambTrainingMaster.builder().trustRatioClamp(2, 1))
                .hasMessage("LambTrainingMaster.Builder.trustRatioClamp: expected finite 0 <= min <= max, got min 2.0, max 1.0");
        assertThatThrownBy(() -> LambTrainingMaster.builder().partitions(-1))
                .hasMessage("LambTrainingMaster.Builder.partitions: expected >= 0, got -1");
        assertThatThrownBy(() -> LambTrainingMaster.builder().allReduceFanIn(1))
                .hasMessage("LambTrainingMaster.Builder.allReduceFanIn: expected >= 2, got 1");
        assertThatThrownBy(() -> LambTrainingMaster.builder().allReduce("ring"))
                .hasMessage("LambTrainingMaster.Builder.allReduce: expected one of [tree, sharded], got ring");
        assertThatThrownBy(() -> LambTrainingMaster.builder().shards(-2))
                .hasMessage("LambTrainingMaster.Builder.shards: expected >= 0, got -2");
    }

    @Test
    void jsonAndYamlDescribeEverySettingAndJsonReadsBack() {
        LambTrainingMaster tm = LambTrainingMaster.builder().globalBatch(256).seed(3).weightDecay(0.01).excludeFromWeightDecay("_b$")
                .build();
        String json = tm.toJson();
        assertThat(json).contains("\"global-batch\" : 256", "\"micro-batch\" : 256", "\"epochs\" : 1", "\"seed\" : 3",
                "\"beta2\" : 0.999", "\"partitions\" : 0");
        LambTrainingMaster back = LambTrainingMaster.fromJson(json);
        assertThat(back.configuration()).isEqualTo(tm.configuration());
        assertThat(back.toJson()).isEqualTo(json);
        assertThat(tm.toYaml()).contains("global-batch: 256", "exclude-from-weight-decay:", "- \"_b$\"");
    }

    @Test
    void fromJsonRefusesWhatIsNotATrainingMastersSetting() {
        assertThatThrownBy(() -> LambTrainingMaster.fromJson("{\"spark-lamb\":{\"output\":\"/tmp/x\"}}"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("expected one object 'spark-lamb' holding only [seed, data.partitions, training, optimizer]");
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
