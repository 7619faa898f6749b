package dev.sparklamb.spark.model.dropout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.distribution.NormalDistribution;
import org.deeplearning4j.nn.conf.dropout.AlphaDropout;
import org.deeplearning4j.nn.conf.dropout.Dropout;
import org.deeplearning4j.nn.conf.dropout.GaussianDropout;
import org.deeplearning4j.nn.conf.dropout.GaussianNoise;
import org.deeplearning4j.nn.conf.dropout.IDropout;
import org.deeplearning4j.nn.conf.dropout.SpatialDropout;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.DropoutLayer;
import org.deeplearning4j.nn.conf.layers.LSTM;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.RnnOutputLayer;
import org.deeplearning4j.nn.conf.layers.misc.FrozenLayer;
import org.deeplearning4j.nn.conf.layers.misc.FrozenLayerWithBackprop;
import org.deeplearning4j.nn.conf.layers.recurrent.Bidirectional;
import org.deeplearning4j.nn.conf.layers.recurrent.LastTimeStep;
import org.deeplearning4j.nn.conf.layers.recurrent.TimeDistributed;
import org.deeplearning4j.nn.conf.layers.util.MaskZeroLayer;
import org.deeplearning4j.nn.conf.weightnoise.DropConnect;
import org.deeplearning4j.nn.conf.weightnoise.WeightNoise;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.nd4j.linalg.schedule.ScheduleType;
import org.nd4j.linalg.schedule.StepSchedule;

/** {@link KeyedDropouts#install}: every dropout slot (wrapped layers included) keyed, keys as documented; refusals. */
class KeyedDropoutsInstallTest {

    /** A dropout that is not one of DL4J's. */
    static final class HomeMadeDropout implements IDropout {
        @Override
        public INDArray applyDropout(INDArray in, INDArray out, int iteration, int epoch, LayerWorkspaceMgr ws) {
            return out.assign(in);
        }

        @Override
        public INDArray backprop(INDArray gradAtOutput, INDArray gradAtInput, int iteration, int epoch) {
            return gradAtInput.assign(gradAtOutput);
        }

        @Override
        public void clear() {
        }

        @Override
        public IDropout clone() {
            return new HomeMadeDropout();
        }
    }

    static DenseLayer dense(int nIn, int nOut, IDropout d) {
        return new DenseLayer.Builder().nIn(nIn).nOut(nOut).activation(Activation.TANH).dropOut(d).build();
    }

    static LSTM lstm(int nIn, int nOut, IDropout d) {
        return new LSTM.Builder().nIn(nIn).nOut(nOut).dropOut(d).build();
    }

    static MultiLayerConfiguration of(Layer... layers) {
        NeuralNetConfiguration.ListBuilder b = new NeuralNetConfiguration.Builder().seed(1).list();
        for (Layer l : layers) {
            b.layer(l);
        }
        return b.build();
    }

    @Test
    void everyDl4jDropoutIsReplacedWithTheSameSettingsAndKeyedByLayerIndex() {
        MultiLayerConfiguration conf = of(dense(4, 5, new Dropout(0.8)), dense(5, 5, new GaussianDropout(0.2)),
                dense(5, 5, new GaussianNoise(0.1)), dense(5, 5, new AlphaDropout(0.9)), dense(5, 5, null),
                new DropoutLayer.Builder(0.75).build(),
                new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(5).nOut(2).activation(Activation.SOFTMAX).build());
        assertThat(KeyedDropouts.install(conf)).isSameAs(conf);
        List<IDropout> d = conf.getConfs().stream().map(c -> c.getLayer().getIDropout()).toList();
        assertThat(d.get(0)).isInstanceOf(KeyedDropout.class).extracting(x -> ((KeyedDropout) x).getP()).isEqualTo(0.8);
        assertThat(d.get(1)).isInstanceOf(KeyedGaussianDropout.class).extracting(x -> ((KeyedGaussianDropout) x).getRate()).isEqualTo(0.2);
        assertThat(d.get(2)).isInstanceOf(KeyedGaussianNoise.class).extracting(x -> ((KeyedGaussianNoise) x).getStddev()).isEqualTo(0.1);
        assertThat(d.get(3)).isInstanceOf(KeyedAlphaDropout.class).extracting(x -> ((KeyedAlphaDropout) x).getP()).isEqualTo(0.9);
        assertThat(d.get(4)).isNull();
        assertThat(d.get(5)).as("DropoutLayer").isInstanceOf(KeyedDropout.class).extracting(x -> ((KeyedDropout) x).getP()).isEqualTo(0.75);
        assertThat(d.get(6)).isNull();
        for (int i : new int[] {0, 1, 2, 3, 5}) {
            assertThat(((KeyedNoise) d.get(i)).getLayerKey()).isEqualTo(KeyedDropouts.layerKey(i, 0));
            assertThat(((KeyedNoise) d.get(i)).getLayer()).startsWith("layer " + i);
        }
    }

    @Test
    void installedConfigurationsSurviveJsonAndClone() {
        MultiLayerConfiguration conf = KeyedDropouts.install(of(dense(4, 5, new Dropout(0.8)), dense(5, 5, new AlphaDropout(0.9)),
                new LSTM.Builder().nIn(5).nOut(3).dropOut(new SpatialDropout(0.5)).build(),
                new RnnOutputLayer.Builder().nIn(3).nOut(2).dropOut(new GaussianNoise(0.3)).build()));
        MultiLayerConfiguration back = MultiLayerConfiguration.fromJson(conf.toJson());
        assertThat(back).isEqualTo(conf);
        for (MultiLayerConfiguration c : List.of(back, conf.clone())) {
            for (int i = 0; i < 4; i++) {
                IDropout d = c.getConf(i).getLayer().getIDropout();
                assertThat(d).isInstanceOf(KeyedNoise.class).isEqualTo(conf.getConf(i).getLayer().getIDropout());
                assertThat(((KeyedNoise) d).getLayerKey()).isEqualTo(KeyedDropouts.layerKey(i, 0));
            }
        }
    }

    @Test
    void layersInsideWrappersAreKeyedEachWithItsOwnKey() {
        MultiLayerConfiguration conf = of(
                new FrozenLayerWithBackprop(dense(3, 3, new Dropout(0.9))),
                new FrozenLayer(dense(3, 3, new Dropout(0.8))),
                new Bidirectional(lstm(3, 3, new Dropout(0.7))),
                new LastTimeStep(lstm(6, 3, new GaussianDropout(0.1))),
                new TimeDistributed(dense(3, 3, new Dropout(0.6))),
                new MaskZeroLayer(new Bidirectional(lstm(3, 3, new AlphaDropout(0.5))), 0.0));
        KeyedDropouts.install(conf);
        Set<Long> keys = new HashSet<>();
        int keyed = 0;
        for (int i = 0; i < conf.getConfs().size(); i++) {
            List<Layer> tree = KeyedDropouts.layersOf(conf.getConf(i).getLayer());
            for (int ordinal = 0; ordinal < tree.size(); ordinal++) {
                IDropout d = tree.get(ordinal).getIDropout();
                if (d == null) {
                    continue;
                }
                assertThat(d).as("layer %d ordinal %d", i, ordinal).isInstanceOf(KeyedNoise.class);
                assertThat(((KeyedNoise) d).getLayerKey()).isEqualTo(KeyedDropouts.layerKey(i, ordinal));
                assertThat(keys.add(((KeyedNoise) d).getLayerKey())).isTrue();
                keyed++;
            }
        }
        // 1 + 1 + 2 (both directions) + 1 + 1 + 2
        assertThat(keyed).isEqualTo(8);
        Bidirectional bi = (Bidirectional) conf.getConf(2).getLayer();
        assertThat(((KeyedNoise) bi.getFwd().getIDropout()).getLayerKey()).isEqualTo(KeyedDropouts.layerKey(2, 1));
        assertThat(((KeyedNoise) bi.getBwd().getIDropout()).getLayerKey()).isEqualTo(KeyedDropouts.layerKey(2, 2));
        assertThat(((KeyedNoise) bi.getBwd().getIDropout()).getLayer()).contains("layer 2").contains("backward direction of Bidirectional");
    }

    @Test
    void graphVerticesAreKeyedByTheirNamesSortedOrder() {
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder().seed(1).graphBuilder()
                .addInputs("in")
                .addLayer("zeta", dense(4, 5, new Dropout(0.8)), "in")
                .addLayer("alpha", dense(5, 5, new GaussianNoise(0.5)), "zeta")
                .addLayer("mid", new DropoutLayer.Builder(0.5).build(), "alpha")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(5).nOut(2)
                        .activation(Activation.SOFTMAX).dropOut(0.9).build(), "mid")
                .setOutputs("out")
                .setInputTypes(InputType.feedForward(4))
                .build();
        KeyedDropouts.install(conf);
        // sorted: alpha, mid, out, zeta
        String[] names = {"alpha", "mid", "out", "zeta"};
        assertThat(conf.getVertices().keySet()).containsExactlyInAnyOrder(names);
        for (int i = 0; i < names.length; i++) {
            IDropout d = ((LayerVertex) conf.getVertices().get(names[i])).getLayerConf().getLayer().getIDropout();
            assertThat(d).isInstanceOf(KeyedNoise.class);
            assertThat(((KeyedNoise) d).getLayerKey()).as(names[i]).isEqualTo(KeyedDropouts.layerKey(i, 0));
            assertThat(((KeyedNoise) d).getLayer()).isEqualTo("vertex '" + names[i] + "'");
        }
        assertThat(ComputationGraphConfiguration.fromJson(conf.toJson())).isEqualTo(conf);
    }

    @Test
    void refusalsNameTheClassAndSayWhy() {
        assertThat(KeyedDropouts.refusal((IDropout) null)).isNull();
        assertThat(KeyedDropouts.refusal(new Dropout(0.5))).isNull();
        assertThat(KeyedDropouts.refusal(new SpatialDropout(0.5))).isNull();
        assertThat(KeyedDropouts.refusal(new KeyedDropout(0.5, 1, "l"))).isNull();
        assertThat(KeyedDropouts.refusal((org.deeplearning4j.nn.conf.weightnoise.IWeightNoise) null)).isNull();

        assertThat(KeyedDropouts.refusal(new HomeMadeDropout())).contains(HomeMadeDropout.class.getName()).contains("not supported");
        assertThat(KeyedDropouts.refusal(new Dropout(new StepSchedule(ScheduleType.ITERATION, 0.9, 0.5, 100))))
                .contains("Dropout").contains("pSchedule").contains("StepSchedule");
        assertThat(KeyedDropouts.refusal(new GaussianDropout(new StepSchedule(ScheduleType.ITERATION, 0.3, 0.5, 100))))
                .contains("GaussianDropout").contains("rateSchedule");
        assertThat(KeyedDropouts.refusal(new AlphaDropout(new StepSchedule(ScheduleType.EPOCH, 0.9, 0.5, 2))))
                .contains("AlphaDropout").contains("pSchedule");
        assertThat(KeyedDropouts.refusal(new DropConnect(0.5))).contains("DropConnect").contains("micro-batch");
        assertThat(KeyedDropouts.refusal(new WeightNoise(new NormalDistribution(0, 0.1)))).contains("WeightNoise").contains("micro-batch");
    }

    @Test
    void installRefusesNamingTheLayerAndLeavesNothingHalfDone() {
        DenseLayer noisy = new DenseLayer.Builder().nIn(3).nOut(3).weightNoise(new DropConnect(0.5)).build();
        MultiLayerConfiguration refused = of(dense(3, 3, new Dropout(0.5)), noisy);
        assertThatThrownBy(() -> KeyedDropouts.install(refused))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("layer 1").hasMessageContaining("DropConnect");
        assertThat(refused.getConf(0).getLayer().getIDropout()).as("layer 0 left as it was").isInstanceOf(Dropout.class);

        MultiLayerConfiguration wrapped = of(new FrozenLayerWithBackprop(dense(3, 3, new HomeMadeDropout())));
        assertThatThrownBy(() -> KeyedDropouts.install(wrapped)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("layer 0").hasMessageContaining("inside FrozenLayerWithBackprop")
                .hasMessageContaining(HomeMadeDropout.class.getName());

        Bidirectional bi = new Bidirectional(lstm(3, 3, new Dropout(new StepSchedule(ScheduleType.ITERATION, 0.9, 0.5, 10))));
        assertThat(KeyedDropouts.refusal(bi)).contains("forward direction of Bidirectional").contains("pSchedule");
        assertThat(KeyedDropouts.refusal(dense(3, 3, new Dropout(0.5)))).isNull();
    }
}
