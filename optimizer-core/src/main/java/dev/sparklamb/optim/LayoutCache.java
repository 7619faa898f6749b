package dev.sparklamb.optim;

import dev.sparklamb.optim.kernel.ChunkPlan;

/** Remembers the chunk plan and per-tensor facts of the last layout seen, so a training loop computes them once. */
final class LayoutCache {

    record Entry(TensorLayout layout, ChunkPlan plan, TensorFacts facts) {
    }

    private final TensorFacts.Recipe recipe;
    private volatile Entry last;

    LayoutCache(TensorFacts.Recipe recipe) {
        this.recipe = recipe;
    }

    Entry get(TensorLayout layout) {
        Entry e = last;
        if (e == null || !e.layout().equals(layout)) {
            e = new Entry(layout, new ChunkPlan(layout), recipe.resolve(layout));
            last = e;
        }
        return e;
    }
}
