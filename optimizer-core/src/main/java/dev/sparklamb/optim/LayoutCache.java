package dev.sparklamb.optim;

import dev.sparklamb.optim.kernel.ChunkPlan;
import java.util.List;

/** Remembers the chunk plan and masks of the last layout seen, so a training loop computes them once. */
final class LayoutCache {

    record Entry(TensorLayout layout, ChunkPlan plan, TensorMask weightDecay, TensorMask layerAdaptation) {
    }

    private volatile Entry last;

    Entry get(TensorLayout layout, List<String> weightDecayExclusions, List<String> adaptationExclusions) {
        Entry e = last;
        if (e == null || !e.layout().equals(layout)) {
            e = new Entry(layout, new ChunkPlan(layout),
                    TensorMask.excluding(layout, weightDecayExclusions, "excludeFromWeightDecay"),
                    TensorMask.excluding(layout, adaptationExclusions, "excludeFromLayerAdaptation"));
            last = e;
        }
        return e;
    }
}
