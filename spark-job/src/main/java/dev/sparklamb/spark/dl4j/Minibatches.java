package dev.sparklamb.spark.dl4j;

import dev.sparklamb.spark.data.MinibatchExamples.Minibatch;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.MultiDataSet;

/**
 * What the trainer can take from DL4J's minibatch types: one features array and one one-hot labels array, with the
 * features and labels masks when there are any (which {@link dev.sparklamb.spark.data.MinibatchExamples} accepts only
 * for sequence minibatches).
 */
final class Minibatches {

    private Minibatches() {
    }

    static Minibatch of(DataSet d) {
        return Minibatch.of(d.getFeatures(), d.getLabels(), d.getFeaturesMaskArray(), d.getLabelsMaskArray());
    }

    static Minibatch of(MultiDataSet d) {
        if (d.numFeatureArrays() != 1 || d.numLabelsArrays() != 1) {
            return Minibatch.unusable("has " + d.numFeatureArrays() + " feature arrays and " + d.numLabelsArrays()
                    + " label arrays; expected one of each (graphs with one input and one output)");
        }
        return Minibatch.of(d.getFeatures(0), d.getLabels(0), first(d.getFeaturesMaskArrays()), first(d.getLabelsMaskArrays()));
    }

    private static org.nd4j.linalg.api.ndarray.INDArray first(org.nd4j.linalg.api.ndarray.INDArray[] masks) {
        return masks == null || masks.length == 0 ? null : masks[0];
    }
}
