package dev.sparklamb.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.assertj.core.api.Assertions.within;

import dev.sparklamb.optim.AdamConfig;
import dev.sparklamb.optim.AdamWConfig;
import dev.sparklamb.optim.LambConfig;
import dev.sparklamb.optim.LarsConfig;
import dev.sparklamb.optim.OptimizerConfig;
import dev.sparklamb.spark.config.ConfigLoader;
import dev.sparklamb.spark.config.ConfigurationException;
import dev.sparklamb.spark.config.DataFormat;
import dev.sparklamb.spark.config.DeviceSettings;
import dev.sparklamb.spark.config.DeviceType;
import dev.sparklamb.spark.config.LambSettings;
import dev.sparklamb.spark.config.LearningRateScaling;
import dev.sparklamb.spark.config.ModelPreset;
import dev.sparklamb.spark.config.RunConfig;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@link ConfigLoader}: the documented defaults, rejection of unknown keys and bad values (naming the key), overrides. */
class ConfigLoaderTest {

    static RunConfig load(String hocon, String... overrides) {
        return ConfigLoader.load(hocon, "test.conf", List.of(overrides));
    }

    static ConfigurationException rejected(String hocon, String... overrides) {
        Throwable e = catchThrowable(() -> load(hocon, overrides));
        assertThat(e).as("configuration %s %s", hocon, List.of(overrides)).isInstanceOf(ConfigurationException.class);
        return (ConfigurationException) e;
    }

    static LambSettings lamb(RunConfig c) {
        assertThat(c.optimizer()).isInstanceOf(LambSettings.class);
        return (LambSettings) c.optimizer();
    }

    @Test
    void defaultsFileLoadsIntoTheDocumentedValues() {
        RunConfig c = load("");
        assertThat(c.output()).isEqualTo("runs/spark-lamb");
        assertThat(c.seed()).isEqualTo(12345L);
        assertThat(c.model().preset()).isEqualTo(ModelPreset.MLP);
        assertThat(c.model().configFile()).isEmpty();
        assertThat(c.model().inputSize()).isEqualTo(784);
        assertThat(c.model().classes()).isEqualTo(10);
        assertThat(c.data().train()).isEmpty();
        assertThat(c.data().hasTest()).isFalse();
        assertThat(c.data().format()).isEqualTo(DataFormat.PARQUET);
        assertThat(c.data().featuresColumn()).isEqualTo("features");
        assertThat(c.data().labelColumn()).isEqualTo("label");
        assertThat(c.data().partitions()).isZero();
        assertThat(c.training().globalBatch()).isEqualTo(8192);
        assertThat(c.training().microBatch()).isEqualTo(512);
        assertThat(c.training().epochs()).isEqualTo(10);
        assertThat(c.training().maxSteps()).isZero();
        assertThat(c.training().evalEverySteps()).isZero();
        assertThat(c.training().progressEverySeconds()).isEqualTo(10.0);
        assertThat(c.training().allReduceFanIn()).isEqualTo(8);
        assertThat(c.optimizer().name()).isEqualTo("lamb");
        assertThat(c.optimizer().baseBatch()).isEqualTo(512L);
        assertThat(c.optimizer().scaling()).isEqualTo(LearningRateScaling.SQRT);
        assertThat(lamb(c).layerAdaptation().exclude()).isEmpty();
        assertThat(lamb(c).epsilon()).as("epsilon null -> optimizer's own default").isEmpty();
        assertThat(c.optimizer().weightDecay().rate()).as("weight-decay null -> optimizer's own default").isEmpty();
        assertThat(c.spark().master()).isEqualTo("local[*]");
        assertThat(c.spark().appName()).isEqualTo("spark-lamb");
        assertThat(c.device()).isEqualTo(DeviceSettings.DEFAULT);
        assertThat(c.device().type()).isEqualTo(DeviceType.AUTO);
        assertThat(c.device().cpuFallback()).isFalse();
        assertThat(c.device().gpuResource()).isEqualTo("gpu");
    }

    @Test
    void deviceKeysLoadAndBadValuesAreRejectedNamingTheKey() {
        RunConfig c = load("spark-lamb.device { type = gpu, cpu-fallback = true, gpu-resource = \"nvidia\" }");
        assertThat(c.device()).isEqualTo(new DeviceSettings("gpu", true, "nvidia"));
        assertThat(rejected("spark-lamb.device.type = tpu").getMessage()).contains("spark-lamb.device.type").contains("tpu")
                .contains("[auto, gpu, cpu]");
        assertThat(rejected("spark-lamb.device.gpu-resource = \" \"").getMessage()).contains("spark-lamb.device.gpu-resource");
        assertThat(rejected("", "spark-lamb.device.cpu-fallback=maybe").getMessage()).contains("spark-lamb.device.cpu-fallback");
        assertThat(rejected("spark-lamb.device.gpus = 2").getMessage()).contains("spark-lamb.device.gpus");
    }

    @Test
    void defaultsResourceIsTheDocumentedFile() throws Exception {
        String onClasspath;
        try (var in = ConfigLoader.class.getClassLoader().getResourceAsStream(ConfigLoader.DEFAULTS_RESOURCE)) {
            assertThat(in).isNotNull();
            onClasspath = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        }
        java.nio.file.Path conf = java.nio.file.Path.of(System.getProperty("sparklamb.project.dir", ".."), "conf", "spark-lamb-defaults.conf");
        if (java.nio.file.Files.exists(conf)) {
            assertThat(onClasspath).isEqualTo(java.nio.file.Files.readString(conf));
        }
    }

    @Test
    void unknownKeyIsRejectedNamingItsPath() {
        ConfigurationException e = rejected("spark-lamb.training.globl-batch = 100");
        assertThat(e.getMessage()).contains("spark-lamb.training.globl-batch").contains("global-batch");
    }

    @Test
    void unknownKeyInAnOverrideIsRejected() {
        ConfigurationException e = rejected("", "spark-lamb.optimizer.bta1=0.8");
        assertThat(e.getMessage()).contains("spark-lamb.optimizer.bta1");
    }

    @Test
    void unknownKeySetToNullIsRejected() {
        // A misspelt key is a mistake whatever its value; null is a legal value for some keys (epsilon), so a user may
        // well write it.
        assertThat(rejected("spark-lamb.optimizer.epsilom = null").getMessage()).contains("spark-lamb.optimizer.epsilom");
    }

    @Test
    void unknownTopLevelKeyIsRejected() {
        assertThat(rejected("foo = 1").getMessage()).contains("foo");
    }

    @Test
    void keyBelowALeafIsRejected() {
        assertThat(rejected("spark-lamb.seed.x = 1").getMessage()).contains("spark-lamb.seed");
    }

    @Test
    void leafReplacingASectionIsRejected() {
        assertThat(rejected("spark-lamb.model = 5").getMessage()).contains("spark-lamb.model");
    }

    @Test
    void wrongTypeIsRejectedNamingTheKey() {
        ConfigurationException e = rejected("spark-lamb.training.epochs = \"ten\"");
        assertThat(e.getMessage()).contains("spark-lamb.training.epochs");
    }

    @Test
    void wrongTypeForABooleanIsRejectedNamingTheKey() {
        assertThat(rejected("spark-lamb.optimizer.bias-correction = maybe").getMessage()).contains("spark-lamb.optimizer.bias-correction");
    }

    @Test
    void microBatchLargerThanGlobalBatchIsRejected() {
        ConfigurationException e = rejected("spark-lamb.training { global-batch = 64, micro-batch = 128 }");
        assertThat(e.getMessage()).contains("spark-lamb.training.micro-batch").contains("spark-lamb.training.global-batch")
                .contains("128").contains("64");
    }

    @ParameterizedTest(name = "{0} = {1}")
    @CsvSource({
        "training.global-batch, 0",
        "training.global-batch, -8",
        "training.micro-batch, 0",
        "training.micro-batch, -1",
        "training.epochs, 0",
        "training.max-steps, -1",
        "training.all-reduce-fan-in, 1",
        "data.partitions, -1",
        "model.classes, 1",
        "model.input-height, 0",
        "optimizer.learning-rate.base, NaN",
        "optimizer.learning-rate.base, -0.001",
        "optimizer.learning-rate.base, 0",
        "optimizer.learning-rate.base, Infinity",
        "optimizer.learning-rate.base-batch, 0",
        "optimizer.learning-rate.warmup-fraction, 1.5",
        "optimizer.learning-rate.end, -1",
        "optimizer.weight-decay, -0.01",
        "optimizer.weight-decay, NaN",
        "optimizer.beta1, 1",
        "optimizer.beta1, 1.5",
        "optimizer.beta1, -0.1",
        "optimizer.beta2, 1.0",
        "optimizer.epsilon, 0",
        "optimizer.epsilon, -1e-8",
        "optimizer.momentum, 1",
        "optimizer.trust-coefficient, 0",
        "optimizer.max-gradient-norm, -1",
        "training.progress-every-seconds, 0",
    })
    void outOfRangeValueIsRejectedNamingTheKey(String key, String value) {
        ConfigurationException e = rejected("spark-lamb." + key + " = " + value);
        assertThat(e.getMessage()).contains("spark-lamb." + key);
        ConfigurationException viaOverride = rejected("", "spark-lamb." + key + "=" + value);
        assertThat(viaOverride.getMessage()).contains("spark-lamb." + key);
    }

    @Test
    void unknownOptimizerIsRejected() {
        assertThat(rejected("spark-lamb.optimizer.name = sgd").getMessage()).contains("spark-lamb.optimizer.name").contains("sgd")
                .contains("lamb");
    }

    @Test
    void unknownPresetIsRejected() {
        assertThat(rejected("spark-lamb.model.preset = resnet").getMessage()).contains("spark-lamb.model.preset").contains("resnet")
                .contains("mlp");
    }

    @Test
    void unknownDataFormatIsRejected() {
        assertThat(rejected("spark-lamb.data.format = json").getMessage()).contains("spark-lamb.data.format").contains("json")
                .contains("parquet");
    }

    @Test
    void unknownScalingIsRejected() {
        assertThat(rejected("spark-lamb.optimizer.learning-rate.scaling = cubic").getMessage())
                .contains("spark-lamb.optimizer.learning-rate.scaling").contains("cubic").contains("linear");
    }

    @Test
    void peakRateFollowsTheScalingRule() {
        // base 0.01 at batch 512, global batch 16384 = 32 x 512
        String base = "spark-lamb.optimizer.learning-rate.base=0.01";
        String batch = "spark-lamb.training.global-batch=16384";
        assertThat(load("", base, batch, "spark-lamb.optimizer.learning-rate.scaling=sqrt").optimizer().peakLearningRate(16384))
                .isCloseTo(0.01 * Math.sqrt(32), within(1e-15));
        assertThat(load("", base, batch, "spark-lamb.optimizer.learning-rate.scaling=linear").optimizer().peakLearningRate(16384))
                .isCloseTo(0.32, within(1e-15));
        assertThat(load("", base, batch, "spark-lamb.optimizer.learning-rate.scaling=none").optimizer().peakLearningRate(16384))
                .isEqualTo(0.01);
    }

    @Test
    void badRegexIsRejectedNamingTheKey() {
        ConfigurationException e = rejected("spark-lamb.optimizer.exclude-from-weight-decay = [\"_b$\", \"(\"]");
        assertThat(e.getMessage()).contains("spark-lamb.optimizer.exclude-from-weight-decay").contains("'('");
        ConfigurationException la = rejected("spark-lamb.optimizer.exclude-from-layer-adaptation = [\"[\"]");
        assertThat(la.getMessage()).contains("spark-lamb.optimizer.exclude-from-layer-adaptation");
    }

    @Test
    void trustRatioMinAboveMaxIsRejected() {
        assertThat(rejected("spark-lamb.optimizer { trust-ratio-min = 2, trust-ratio-max = 1 }").getMessage())
                .contains("spark-lamb.optimizer.trust-ratio-min");
    }

    @Test
    void emptyOutputIsRejected() {
        assertThat(rejected("spark-lamb.output = \"\"").getMessage()).contains("spark-lamb.output");
    }

    @Test
    void invalidHoconIsRejectedNamingTheSource() {
        assertThat(rejected("spark-lamb { training {").getMessage()).contains("test.conf");
    }

    @Test
    void overrideWithoutEqualsSignIsRejected() {
        assertThat(rejected("", "spark-lamb.training.epochs").getMessage()).contains("spark-lamb.training.epochs").contains("key=value");
    }

    @Test
    void overridesWinOverTheFileAndTheLastOverrideWins() {
        String file = "spark-lamb { training { epochs = 3, global-batch = 1024 }, optimizer.name = adamw }";
        RunConfig c = load(file, "spark-lamb.training.epochs=7", "spark-lamb.optimizer.name=lars", "spark-lamb.optimizer.name=adam");
        assertThat(c.training().epochs()).isEqualTo(7);
        assertThat(c.training().globalBatch()).as("file value not overridden").isEqualTo(1024);
        assertThat(c.optimizer().name()).isEqualTo("adam");
        assertThat(c.training().microBatch()).as("default not set anywhere else").isEqualTo(512);
    }

    @Test
    void fileWinsOverTheDefaults() {
        RunConfig c = load("spark-lamb.optimizer.exclude-from-weight-decay = [\"_b$\"]\nspark-lamb.optimizer.epsilon = 1e-7");
        assertThat(c.optimizer().excludeFromWeightDecay()).containsExactly("_b$");
        assertThat(lamb(c).epsilon()).hasValue(1e-7);
        assertThat(lamb(c).layerAdaptation().exclude()).isEmpty();
    }

    @Test
    void overrideCanSetAListAndAQuotedUri() {
        RunConfig c = load("", "spark-lamb.optimizer.exclude-from-layer-adaptation=[\"_b$\", \"norm\"]",
                "spark-lamb.data.train=\"hdfs://namenode:8020/data/train\"");
        assertThat(lamb(c).layerAdaptation().exclude()).hasValue(List.of("_b$", "norm"));
        assertThat(c.data().train()).isEqualTo("hdfs://namenode:8020/data/train");
    }

    @Test
    void lambDefaultsInTheConfFileAgreeWithOptimizerCore() {
        RunConfig c = load("", "spark-lamb.optimizer.learning-rate.scaling=none");
        OptimizerConfig created = c.optimizer().create(100, c.training().globalBatch());
        assertThat(created).isInstanceOf(LambConfig.class);
        LambConfig lamb = (LambConfig) created;
        LambConfig reference = LambConfig.defaults();
        assertThat(lamb.beta1()).isEqualTo(LambConfig.DEFAULT_BETA1).isEqualTo(reference.beta1());
        assertThat(lamb.beta2()).isEqualTo(LambConfig.DEFAULT_BETA2).isEqualTo(reference.beta2());
        assertThat(lamb.epsilon()).isEqualTo(LambConfig.DEFAULT_EPSILON).isEqualTo(reference.epsilon());
        assertThat(lamb.weightDecay()).isEqualTo(LambConfig.DEFAULT_WEIGHT_DECAY).isEqualTo(reference.weightDecay());
        assertThat(lamb.biasCorrection()).isEqualTo(LambConfig.DEFAULT_BIAS_CORRECTION).isEqualTo(reference.biasCorrection());
        assertThat(lamb.excludeFromWeightDecay()).isEqualTo(reference.excludeFromWeightDecay());
        assertThat(lamb.excludeFromLayerAdaptation()).isEqualTo(reference.excludeFromLayerAdaptation());
        assertThat(lamb.trustRatioClamp()).isEqualTo(reference.trustRatioClamp());
        assertThat(lamb.maxGradientNorm()).isEqualTo(reference.maxGradientNorm());
        assertThat(c.optimizer().baseLearningRate()).isEqualTo(LambConfig.DEFAULT_LEARNING_RATE);
        assertThat(c.optimizer().peakLearningRate(c.training().globalBatch())).isEqualTo(LambConfig.DEFAULT_LEARNING_RATE);
    }

    @Test
    void sqrtScalingOfTheDefaultsGivesTheDocumentedPeak() {
        RunConfig c = load("");
        // base 0.001 at 512 examples, global batch 8192: 0.001 * sqrt(16) = 0.004
        assertThat(c.optimizer().peakLearningRate(8192)).isCloseTo(0.004, org.assertj.core.data.Offset.offset(1e-15));
        var schedule = c.optimizer().create(100, 8192).learningRate();
        assertThat(schedule.rate(9)).as("end of 10%% warmup reaches the peak").isCloseTo(0.004, org.assertj.core.data.Offset.offset(1e-15));
        assertThat(schedule.rate(99)).isLessThan(0.004);
    }

    @Test
    void larsDefaultsInTheConfFileAgreeWithOptimizerCore() {
        RunConfig c = load("", "spark-lamb.optimizer.name=lars");
        LarsConfig lars = (LarsConfig) c.optimizer().create(100, c.training().globalBatch());
        LarsConfig reference = LarsConfig.defaults();
        assertThat(lars.momentum()).isEqualTo(LarsConfig.DEFAULT_MOMENTUM).isEqualTo(reference.momentum());
        assertThat(lars.trustCoefficient()).isEqualTo(LarsConfig.DEFAULT_TRUST_COEFFICIENT).isEqualTo(reference.trustCoefficient());
        assertThat(lars.weightDecay()).isEqualTo(LarsConfig.DEFAULT_WEIGHT_DECAY);
        assertThat(lars.excludeFromLayerAdaptation()).isEqualTo(reference.excludeFromLayerAdaptation());
        assertThat(lars.trustRatioClamp()).isEqualTo(reference.trustRatioClamp());
        assertThat(lars.maxGradientNorm()).isEqualTo(reference.maxGradientNorm());
    }

    @Test
    void everyKeyTheOptimizerUsesReachesOptimizerCore() {
        LambConfig lamb = (LambConfig) load("", "spark-lamb.optimizer.bias-correction=false", "spark-lamb.optimizer.trust-ratio-min=0.1",
                "spark-lamb.optimizer.trust-ratio-max=5", "spark-lamb.optimizer.max-gradient-norm=1").optimizer().create(100, 8192);
        assertThat(lamb.biasCorrection()).isFalse();
        assertThat(lamb.trustRatioClamp()).hasValue(new dev.sparklamb.optim.TrustRatioClamp(0.1, 5));
        assertThat(lamb.maxGradientNorm()).hasValue(1.0);
        LarsConfig lars = (LarsConfig) load("spark-lamb.optimizer { name = lars, momentum = 0.8, trust-coefficient = 0.02, "
                + "exclude-from-layer-adaptation = [\"_b$\"], weight-decay = 0.001 }").optimizer().create(100, 8192);
        assertThat(lars.momentum()).isEqualTo(0.8);
        assertThat(lars.trustCoefficient()).isEqualTo(0.02);
        assertThat(lars.excludeFromLayerAdaptation()).hasValue(List.of("_b$"));
        assertThat(lars.weightDecay()).isEqualTo(0.001);
        AdamWConfig adamw = (AdamWConfig) load("spark-lamb.optimizer { name = adamw, beta1 = 0.8, epsilon = 1e-7, weight-decay = 0 }")
                .optimizer().create(100, 8192);
        assertThat(adamw.beta1()).isEqualTo(0.8);
        assertThat(adamw.epsilon()).isEqualTo(1e-7);
        assertThat(adamw.weightDecay()).isZero();
    }

    /** The rule for "set": a value equal to the defaults file's is the same as leaving the key out, wherever it is written. */
    @Test
    void aKeyTheOptimizerDoesNotUseMayBeWrittenWithItsDefault() {
        assertThat(load("spark-lamb.optimizer { name = lamb, momentum = 0.9, trust-coefficient = 1.0 }").optimizer()).isInstanceOf(LambSettings.class);
        assertThat(load("", "spark-lamb.optimizer.name=adamw", "spark-lamb.optimizer.bias-correction=true",
                "spark-lamb.optimizer.trust-ratio-max=0", "spark-lamb.optimizer.exclude-from-layer-adaptation=null").optimizer())
                .isInstanceOf(dev.sparklamb.spark.config.AdamWSettings.class);
        assertThat(rejected("", "spark-lamb.optimizer.name=adam", "spark-lamb.optimizer.exclude-from-layer-adaptation=[]").getMessage())
                .as("an empty list is not the default null").contains("spark-lamb.optimizer.exclude-from-layer-adaptation = []")
                .contains("not used by optimizer adam");
        assertThat(rejected("spark-lamb.optimizer { name = lars, beta1 = 0.8, momentum = 0.95, epsilon = 1e-9 }").getMessage())
                .as("every unused key is named; momentum is LARS's own")
                .contains("spark-lamb.optimizer.beta1 = 0.8", "spark-lamb.optimizer.epsilon = 1.0E-9", "not used by optimizer lars")
                .doesNotContain("momentum");
    }

    /**
     * checkpoint.RunFingerprint hashes the optimizer settings' text: it is the text of the untyped settings record that
     * preceded the typed ones, so checkpoints written before still resume.
     */
    @Test
    void optimizerSettingsTextIsTheOneCheckpointFingerprintsWereMadeOf() {
        assertThat(load("").optimizer().toString()).isEqualTo("OptimizerSettings[name=lamb, baseLearningRate=0.001, baseBatch=512, "
                + "scaling=sqrt, warmupFraction=0.1, decayPower=1.0, endLearningRate=0.0, weightDecay=NaN, excludeFromWeightDecay=[], "
                + "excludeFromLayerAdaptation=Optional.empty, maxGradientNorm=0.0, trustRatioMin=0.0, trustRatioMax=0.0, beta1=0.9, "
                + "beta2=0.999, epsilon=NaN, biasCorrection=true, momentum=0.9, trustCoefficient=1.0, excludeBatchNorm=true]");
        assertThat(load("spark-lamb.optimizer { name = lars, weight-decay = 0.01, exclude-from-weight-decay = [\"_b$\"], "
                + "exclude-from-layer-adaptation = [\"_b$\", norm], momentum = 0.8 }").optimizer().toString())
                .isEqualTo("OptimizerSettings[name=lars, baseLearningRate=0.001, baseBatch=512, scaling=sqrt, warmupFraction=0.1, "
                        + "decayPower=1.0, endLearningRate=0.0, weightDecay=0.01, excludeFromWeightDecay=[_b$], "
                        + "excludeFromLayerAdaptation=Optional[[_b$, norm]], maxGradientNorm=0.0, trustRatioMin=0.0, trustRatioMax=0.0, "
                        + "beta1=0.9, beta2=0.999, epsilon=NaN, biasCorrection=true, momentum=0.8, trustCoefficient=1.0, "
                        + "excludeBatchNorm=true]");
    }

    @Test
    void adamFamilyEpsilonDefaultsComeFromOptimizerCore() {
        AdamWConfig adamw = (AdamWConfig) load("", "spark-lamb.optimizer.name=adamw").optimizer().create(100, 8192);
        assertThat(adamw.epsilon()).isEqualTo(AdamWConfig.DEFAULT_EPSILON);
        assertThat(adamw.beta1()).isEqualTo(AdamWConfig.DEFAULT_BETA1);
        assertThat(adamw.beta2()).isEqualTo(AdamWConfig.DEFAULT_BETA2);
        AdamConfig adam = (AdamConfig) load("", "spark-lamb.optimizer.name=adam").optimizer().create(100, 8192);
        assertThat(adam.epsilon()).isEqualTo(AdamConfig.DEFAULT_EPSILON);
        assertThat(adam.beta1()).isEqualTo(AdamConfig.DEFAULT_BETA1);
        assertThat(adam.beta2()).isEqualTo(AdamConfig.DEFAULT_BETA2);
        assertThat(adam.weightDecay()).isEqualTo(AdamConfig.DEFAULT_WEIGHT_DECAY);
    }

    /** One int key, one long key and the seed (a long over its whole range), each given in a file and with --set. */
    @ParameterizedTest(name = "{0} = {1} ({3})")
    @CsvSource(delimiter = '|', value = {
            "training.epochs      | 2.5                  | not a whole number | file",
            "training.epochs      | 2.5                  | not a whole number | set",
            "training.epochs      | 3000000000           | [-2147483648, 2147483647] | file",
            "training.epochs      | 3000000000           | out of range       | set",
            "training.epochs      | 10s                  | unit suffix        | file",
            "training.epochs      | 10s                  | unit suffix        | set",
            "training.max-steps   | 0.5                  | not a whole number | file",
            "training.max-steps   | 1e-3                 | not a whole number | set",
            "training.max-steps   | 99999999999999999999 | out of range       | file",
            "training.max-steps   | 99999999999999999999 | out of range       | set",
            "training.max-steps   | 100k                 | unit suffix        | file",
            "training.max-steps   | 100 steps            | unit suffix        | set",
            "seed                 | 12345.5              | not a whole number | set",
            "seed                 | 9223372036854775808  | out of range       | file",
            "checkpoint.every-steps | 5m                 | unit suffix        | file",
            "data.partitions      | \"4.5\"                | not a whole number | file",
    })
    void integerKeysRejectFractionsOutOfRangeValuesAndUnitsNamingTheKey(String key, String value, String problem, String where) {
        String path = "spark-lamb." + key;
        ConfigurationException e = where.equals("file") ? rejected(path + " = " + value) : rejected("", path + "=" + value);
        assertThat(e.getMessage()).contains(path).contains(problem)
                .contains(where.equals("file") ? "test.conf" : "override " + path);
    }

    @Test
    void integerKeysAcceptWholeNumbersWrittenAsNumbersOrStrings() {
        assertThat(load("spark-lamb.training.epochs = 4").training().epochs()).isEqualTo(4);
        assertThat(load("spark-lamb.training.epochs = \"4\"").training().epochs()).isEqualTo(4);
        assertThat(load("", "spark-lamb.training.epochs=4.0").training().epochs()).isEqualTo(4);
        assertThat(load("spark-lamb.training.max-steps = 5000000000").training().maxSteps()).isEqualTo(5_000_000_000L);
        assertThat(load("spark-lamb.seed = -9223372036854775808").seed()).isEqualTo(Long.MIN_VALUE);
        assertThat(rejected("spark-lamb.training.epochs = 0").getMessage()).contains("spark-lamb.training.epochs must be >= 1, got 0");
        assertThat(rejected("spark-lamb.training.epochs = many").getMessage()).contains("spark-lamb.training.epochs").contains("STRING");
    }
}
