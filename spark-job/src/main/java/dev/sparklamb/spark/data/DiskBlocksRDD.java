package dev.sparklamb.spark.data;

import java.util.List;
import org.apache.spark.Dependency;
import org.apache.spark.OneToOneDependency;
import org.apache.spark.Partition;
import org.apache.spark.TaskContext;
import org.apache.spark.rdd.RDD;
import org.apache.spark.util.TaskCompletionListener;
import scala.collection.Iterator;
import scala.collection.JavaConverters;
import scala.reflect.ClassTag;
import scala.reflect.ClassTag$;

/**
 * The blocks of {@code spark-lamb.data.cache = disk}: each partition's cached {@link ExampleBlock} (a handle on a file
 * written by the executor that computed it), or, when a task runs on another executor and Spark fetched the handle from
 * there ({@link ExampleBlock#isLocal()} false), a block written afresh on this executor from the sorted rows (Spark's
 * shuffle output, fetched like any shuffle read), used by this task only and deleted when it ends. A remote fetch of
 * a cached block therefore never moves the file's content through Spark's block transfer (which would hold it in
 * memory), and never reads another machine's path.
 *
 * <p>Tasks prefer the executors that hold the cached handles: the scheduler finds them through the narrow dependency
 * on {@code cached} (its first dependency).
 */
final class DiskBlocksRDD extends RDD<ExampleBlock> {

    private static final long serialVersionUID = 1L;
    private static final ClassTag<ExampleBlock> TAG = ClassTag$.MODULE$.apply(ExampleBlock.class);

    private final RDD<ExampleBlock> cached;
    private final RDD<ExampleBlock> rewritten;

    /**
     * @param cached    the persisted blocks (one per partition)
     * @param rewritten the same blocks computed again, not persisted (same partitions)
     */
    DiskBlocksRDD(RDD<ExampleBlock> cached, RDD<ExampleBlock> rewritten) {
        super(cached.context(), JavaConverters.asScalaBuffer(List.<Dependency<?>>of(new OneToOneDependency<>(cached),
                new OneToOneDependency<>(rewritten))).toSeq(), TAG);
        this.cached = cached;
        this.rewritten = rewritten;
    }

    @Override
    public Partition[] getPartitions() {
        return cached.partitions();
    }

    @Override
    public Iterator<ExampleBlock> compute(Partition split, TaskContext context) {
        ExampleBlock block = cached.iterator(split, context).next();
        if (!block.isLocal()) {
            ExampleBlock local = rewritten.iterator(split, context).next();
            context.addTaskCompletionListener((TaskCompletionListener) c -> local.close());
            block = local;
        }
        return JavaConverters.asScalaIterator(List.of(block).iterator());
    }
}
