package dev.sparklamb.spark.dl4j;

import dev.sparklamb.spark.data.MinibatchExamples.Minibatch;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.MultiDataSet;

/** What the trainer can take from DL4J's minibatch types: one features array, one one-hot labels array, no masks. */
final class Minibatches {

    private static final String NO_MASKS = "; masks (variable-length sequences, padded examples) are not supported by LambTrainingMaster";

    private Minibatches() {
    }

    static Minibatch of(DataSet d) {
        if (d.getFeaturesMaskArray() != null || d.getLabelsMaskArray() != null) {
            return Minibatch.unusable("has a " + (d.getFeaturesMaskArray() != null ? "features" : "labels") + " mask" + NO_MASKS);
        }
        return Minibatch.of(d.getFeatures(), d.getLabels());
    }

    static Minibatch of(MultiDataSet d) {
        if (d.numFeatureArrays() != 1 || d.numLabelsArrays() != 1) {
            return Minibatch.unusable("has " + d.numFeatureArrays() + " feature arrays and " + d.numLabelsArrays()
                    + " label arrays; expected one of each (graphs with one input and one output)");
        }
        if (d.getFeaturesMaskArrays() != null && d.getFeaturesMaskArrays()[0] != null
                || d.getLabelsMaskArrays() != null && d.getLabelsMaskArrays()[0] != null) {
            boolean features = d.getFeaturesMaskArrays() != null && d.getFeaturesMaskArrays()[0] != null;
            return Minibatch.unusable("has a " + (features ? "features" : "labels") + " mask" + NO_MASKS);
        }
        return Minibatch.of(d.getFeatures(0), d.getLabels(0));
    }
}
