package dev.sparklamb.spark.model;

import dev.sparklamb.optim.TensorLayout;
import dev.sparklamb.optim.TensorSpec;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.api.Model;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The named tensors of a DL4J network in the order they occupy its flat parameter vector ({@code params()}), each at
 * the offset where DL4J keeps it. {@code paramTable()}'s iteration order is not that order for every network: in a
 * {@code ComputationGraph} with branches (a ResNet block's projection shortcut, say) the table lists vertices in
 * another order than the flattening, so a layout built from the table alone would give the optimizer the wrong
 * slices under the right names. Offsets are therefore read from the views themselves.
 */
public final class ParameterLayout {

    private ParameterLayout() {
    }

    public static TensorLayout of(Model network) {
        INDArray flat = network.params();
        record Placed(String name, long[] shape, long offset, long length) {
        }
        List<Placed> placed = new ArrayList<>();
        for (Map.Entry<String, INDArray> e : network.paramTable().entrySet()) {
            INDArray view = e.getValue();
            if (view.data().address() != flat.data().address()) {
                throw new IllegalStateException("tensor '" + e.getKey() + "' is not a view of the network's flat parameter vector");
            }
            placed.add(new Placed(e.getKey(), view.shape(), view.offset() - flat.offset(), view.length()));
        }
        placed.sort(Comparator.comparingLong(Placed::offset));
        List<TensorSpec> specs = new ArrayList<>(placed.size());
        long next = 0;
        for (Placed p : placed) {
            if (p.offset() != next) {
                throw new IllegalStateException("tensor '" + p.name() + "' starts at " + p.offset() + " in the flat parameter vector, expected "
                        + next + " (tensors must tile the vector)");
            }
            specs.add(new TensorSpec(p.name(), p.shape()));
            next += p.length();
        }
        if (next != flat.length()) {
            throw new IllegalStateException("the network's tensors cover " + next + " of its " + flat.length() + " parameters");
        }
        return new TensorLayout(specs);
    }
}
