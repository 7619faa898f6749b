package dev.sparklamb.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.sparklamb.optim.TensorLayout;
import dev.sparklamb.optim.TensorMask;
import dev.sparklamb.spark.config.ConfigLoader;
import dev.sparklamb.spark.config.RunConfig;
import dev.sparklamb.spark.model.ModelFactory;
import dev.sparklamb.spark.model.ModelSpec;
import dev.sparklamb.spark.model.NetworkCheck;
import dev.sparklamb.spark.model.ParameterRoles;
import dev.sparklamb.spark.model.Replica;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The {@code resnet-mini} preset: selected through the configuration, builds a graph with BatchNormalization,
 * residual additions and global average pooling that maps flattened 28x28 images to 10 class probabilities, which the
 * trainer's network check accepts, and {@code conf/fashion-resnet-lamb.conf}'s weight-decay exclusions cover exactly
 * its optimized tensors other than weights.
 */
class ResnetMiniPresetTest {

    static RunConfig fashionConf(String... overrides) throws Exception {
        String hocon = Files.readString(Path.of("..", "conf", "fashion-resnet-lamb.conf"));
        return ConfigLoader.load(hocon, "fashion-resnet-lamb.conf", List.of(overrides));
    }

    @Test
    void configSelectsThePresetWhichMapsFlatImagesToClassProbabilities() throws Exception {
        RunConfig c = ConfigLoader.load("spark-lamb.model.preset = \"resnet-mini\"", "test.conf", List.of());
        assertThat(c.model().preset()).isEqualTo(dev.sparklamb.spark.config.ModelPreset.RESNET_MINI);
        ModelSpec spec = ModelFactory.spec(c.model(), c.seed(), new Configuration());
        assertThat(spec.graph()).isTrue();
        assertThat(spec.name()).isEqualTo("resnet-mini");
        Replica replica = spec.build();
        ModelFactory.requireFits(replica, c.model(), spec.name());
        var out = replica.output(Nd4j.rand(DataType.FLOAT, 2, 784));
        assertThat(out.shape()).containsExactly(2, 10);
        assertThat(out.sum(1).toDoubleVector()).containsExactly(new double[] {1, 1}, within(1e-4));
    }

    @Test
    void graphHasBatchNormalizationResidualAdditionsAndGlobalAveragePooling() throws Exception {
        ComputationGraphConfiguration conf = ModelFactory.resnetMini(fashionConf().model(), 1);
        long bn = 0;
        long adds = 0;
        long pools = 0;
        for (var vertex : conf.getVertices().values()) {
            if (vertex instanceof ElementWiseVertex e && e.getOp() == ElementWiseVertex.Op.Add) {
                adds++;
            } else if (vertex instanceof LayerVertex lv) {
                bn += lv.getLayerConf().getLayer() instanceof BatchNormalization ? 1 : 0;
                pools += lv.getLayerConf().getLayer() instanceof GlobalPoolingLayer ? 1 : 0;
            }
        }
        int stages = ModelFactory.RESNET_MINI_CHANNELS.size();
        int blocks = stages * ModelFactory.RESNET_MINI_BLOCKS;
        assertThat(adds).isEqualTo(blocks);
        // stem + two per block + one per projection shortcut (every stage after the first starts with one)
        assertThat(bn).isEqualTo(1 + 2L * blocks + (stages - 1));
        assertThat(pools).isOne();
        assertThat(conf.getNetworkInputs()).hasSize(1);
        assertThat(conf.getNetworkOutputs()).containsExactly("out");
    }

    @Test
    void fashionConfExcludesBiasesAndBatchNormalizationTensorsFromWeightDecayButNoWeights() throws Exception {
        RunConfig c = fashionConf();
        assertThat(c.model().preset()).isEqualTo(dev.sparklamb.spark.config.ModelPreset.RESNET_MINI);
        assertThat(c.training().globalBatch()).isEqualTo(4096);
        assertThat(c.training().microBatch()).isEqualTo(256);
        assertThat(c.training().epochs()).isEqualTo(20);
        assertThat(c.optimizer().name()).isEqualTo("lamb");
        Replica replica = ModelFactory.spec(c.model(), c.seed(), new Configuration()).build();
        ParameterRoles roles = NetworkCheck.check(replica.network(), "resnet-mini", List.of());
        assertThat(roles.statisticsNames()).contains("stem_bn_mean", "stem_bn_log10stdev", "s1b0_proj_bn_mean", "s2b0_bn2_log10stdev");
        TensorLayout layout = roles.optimized();
        assertThat(layout.tensors().stream().map(t -> t.name()))
                .contains("stem_conv_W", "stem_bn_gamma", "stem_bn_beta", "s1b0_proj_W", "s1b0_proj_bn_gamma", "out_b")
                .doesNotContain("stem_bn_mean", "stem_bn_log10stdev");
        TensorMask mask = TensorMask.excluding(layout, c.optimizer().excludeFromWeightDecay(), "excludeFromWeightDecay");
        List<String> decayed = new ArrayList<>();
        for (int i = 0; i < layout.size(); i++) {
            if (!mask.excluded(i)) {
                decayed.add(layout.name(i));
            }
        }
        assertThat(decayed).isNotEmpty().allSatisfy(name -> assertThat(name).endsWith("_W"));
        assertThat(layout.tensors().stream().map(t -> t.name()).filter(n -> n.endsWith("_W")).toList()).isEqualTo(decayed);
    }
}
