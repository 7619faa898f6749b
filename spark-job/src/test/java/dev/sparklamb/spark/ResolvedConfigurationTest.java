package dev.sparklamb.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigUtil;
import com.typesafe.config.ConfigValue;
import dev.sparklamb.spark.checkpoint.RunFingerprint;
import dev.sparklamb.spark.config.ConfigLoader;
import dev.sparklamb.spark.config.ConfigurationException;
import dev.sparklamb.spark.config.ResolvedConfiguration;
import dev.sparklamb.spark.config.ResumeChanges;
import dev.sparklamb.spark.config.RunConfig;
import dev.sparklamb.spark.model.ModelFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@link ResolvedConfiguration} (the configuration a run records next to its checkpoints) and {@link ResumeChanges}
 * (which keys a resume may change): every key is recorded, the record reproduces the run, the checkpoints'
 * fingerprint ignores exactly the keys that may change, and a refused change lists each key with both values.
 */
class ResolvedConfigurationTest {

    static final List<String> BASE = List.of("spark-lamb.model.input-height=8", "spark-lamb.model.input-width=8",
            "spark-lamb.training.global-batch=96", "spark-lamb.training.micro-batch=32", "spark-lamb.training.max-steps=8",
            "spark-lamb.optimizer.exclude-from-weight-decay=[\"_b$\"]", "spark-lamb.optimizer.weight-decay=0.01");

    static RunConfig load(String... extra) {
        List<String> all = new ArrayList<>(BASE);
        all.addAll(List.of(extra));
        return ConfigLoader.load("", "test", all);
    }

    static Set<String> leafKeys(ConfigObject object, String prefix, Set<String> out) {
        for (Map.Entry<String, ConfigValue> e : object.entrySet()) {
            String path = prefix.isEmpty() ? ConfigUtil.joinPath(e.getKey()) : prefix + "." + ConfigUtil.joinPath(e.getKey());
            if (e.getValue() instanceof ConfigObject child) {
                leafKeys(child, path, out);
            } else {
                out.add(path);
            }
        }
        return out;
    }

    @Test
    void recordsEveryKeyOfTheDefaultsFileAndNothingElse() {
        Set<String> documented = leafKeys(ConfigLoader.defaults().root(), "", new TreeSet<>());
        assertThat(new TreeSet<>(ResolvedConfiguration.of(load()).values().keySet())).isEqualTo(documented);
        assertThat(documented).as("keys that may change on resume exist").containsAll(ResumeChanges.MAY_CHANGE);
    }

    @Test
    void theRecordIsAConfigurationFileThatReproducesTheRun() {
        RunConfig run = load("spark-lamb.optimizer.name=adamw", "spark-lamb.optimizer.epsilon=1e-7", "spark-lamb.seed=-5",
                "spark-lamb.data.train=\"hdfs://nn:8020/data/a \\\"b\\\".parquet\"", "spark-lamb.lease.timeout-seconds=7");
        ResolvedConfiguration recorded = ResolvedConfiguration.of(run);
        String text = recorded.render();
        assertThat(text).contains("spark-lamb.optimizer.learning-rate.base = 0.001\n")
                .contains("spark-lamb.optimizer.exclude-from-layer-adaptation = null\n")
                .contains("spark-lamb.optimizer.exclude-from-weight-decay = [\"_b$\"]\n")
                .contains("spark-lamb.training.max-steps = 8\n").contains("spark-lamb.lease.timeout-seconds = 7\n");
        assertThat(ConfigLoader.load(text, "run-config.conf", List.of())).isEqualTo(run);
        assertThat(ResolvedConfiguration.parse(text)).hasValueSatisfying(p -> assertThat(p.values()).isEqualTo(recorded.values()));
        assertThat(ResolvedConfiguration.parse("not a record")).isEmpty();
        assertThat(recorded.differences(ResolvedConfiguration.of(run))).isEmpty();
    }

    /** Changing a key that may change on resume leaves the fingerprint as it is; changing any other key changes it or is refused. */
    @ParameterizedTest(name = "{0}={1}")
    @CsvSource(delimiter = '|', value = {
            "spark-lamb.output                             | \"elsewhere\"",
            "spark-lamb.data.test                          | \"file:///test.parquet\"",
            "spark-lamb.model.init-from                    | \"file:///pretrained.zip\"",
            "spark-lamb.data.partitions                    | 3",
            "spark-lamb.training.micro-batch               | 16",
            "spark-lamb.training.eval-every-steps          | 2",
            "spark-lamb.training.progress-every-seconds    | 1",
            "spark-lamb.training.all-reduce                | sharded",
            "spark-lamb.training.shards                    | 2",
            "spark-lamb.training.all-reduce-fan-in         | 2",
            "spark-lamb.training.max-consecutive-bad-steps | 0",
            "spark-lamb.checkpoint.every-steps             | 1",
            "spark-lamb.checkpoint.keep                    | 9",
            "spark-lamb.checkpoint.dir                     | \"file:///ck\"",
            "spark-lamb.spark.master                       | \"local[1]\"",
            "spark-lamb.spark.app-name                     | other",
            "spark-lamb.device.type                        | cpu",
            "spark-lamb.device.cpu-fallback                | true",
            "spark-lamb.device.gpu-resource                | nvidia",
            "spark-lamb.lease.timeout-seconds              | 5",
    })
    void keysThatMayChangeOnResumeAreAcceptedAndLeaveTheFingerprint(String key, String value) {
        RunConfig base = load();
        RunConfig changed = load(key + "=" + value);
        assertThat(fingerprint(changed)).isEqualTo(fingerprint(base));
        List<String> diff = ResolvedConfiguration.of(base).differences(ResolvedConfiguration.of(changed));
        assertThat(diff).singleElement().asString().startsWith(key + ": ");
        ResumeChanges.requireAllowed(ResolvedConfiguration.of(base), ResolvedConfiguration.of(changed), "step-1.ckpt", "run-config.conf");
    }

    @ParameterizedTest(name = "{0}={1} -> {2}")
    @CsvSource(delimiter = '|', value = {
            "spark-lamb.seed                           | 7         | spark-lamb.seed: 12345 -> 7",
            "spark-lamb.training.max-steps             | 6         | spark-lamb.training.max-steps: 8 -> 6",
            "spark-lamb.training.epochs                | 3         | spark-lamb.training.epochs: 10 -> 3",
            "spark-lamb.training.global-batch          | 64        | spark-lamb.training.global-batch: 96 -> 64",
            "spark-lamb.optimizer.beta1                | 0.8       | spark-lamb.optimizer.beta1: 0.9 -> 0.8",
            "spark-lamb.optimizer.learning-rate.base   | 0.02      | spark-lamb.optimizer.learning-rate.base: 0.001 -> 0.02",
            "spark-lamb.optimizer.epsilon              | 1e-7      | spark-lamb.optimizer.epsilon: null -> 1.0E-7",
            "spark-lamb.model.classes                  | 12        | spark-lamb.model.classes: 10 -> 12",
            "spark-lamb.model.freeze                   | [\"^0_\"] | spark-lamb.model.freeze: [] -> [\"^0_\"]",
            "spark-lamb.optimizer.exclude-batch-norm   | false     | spark-lamb.optimizer.exclude-batch-norm: true -> false",
            "spark-lamb.data.train                     | \"b.csv\" | spark-lamb.data.train: \"\" -> \"b.csv\"",
            "spark-lamb.data.label-column              | y         | spark-lamb.data.label-column: \"label\" -> \"y\"",
    })
    void otherKeysAreRefusedNamingTheKeyAndBothValues(String key, String value, String listed) {
        RunConfig base = load();
        RunConfig changed = load(key + "=" + value, "spark-lamb.checkpoint.keep=5");
        Throwable e = catchThrowable(() -> ResumeChanges.requireAllowed(ResolvedConfiguration.of(base), ResolvedConfiguration.of(changed),
                "file:/run/checkpoints/step-000000000004.ckpt", "file:/run/checkpoints/run-config.conf"));
        assertThat(e).isInstanceOf(ConfigurationException.class);
        assertThat(e.getMessage()).contains("step-000000000004.ckpt").contains("another model or configuration")
                .contains("1 key(s) differ").contains(listed).contains("allowed: spark-lamb.checkpoint.keep: 2 -> 5")
                .contains("Only these keys may change on resume: [spark-lamb.output, ").contains("nothing was changed");
        if (!key.startsWith("spark-lamb.data.")) { // the data's location and columns are checked by the record only
            assertThat(fingerprint(load(key + "=" + value))).isNotEqualTo(fingerprint(base));
        }
    }

    static String fingerprint(RunConfig c) {
        return RunFingerprint.of(ModelFactory.spec(c.model(), c.seed(), new Configuration()), c, 500);
    }
}
