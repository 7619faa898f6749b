package dev.sparklamb.spark.allreduce.sharded;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.HashPartitioner;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import scala.Tuple2;

/** Phase 1 of a sharded step, the all-gather: every partition receives every shard's parameter slice (one shuffle). */
final class AllGather {

    private AllGather() {
    }

    /** Each shard's parameter slice, keyed by (and partitioned to) every one of the {@code partitions} data partitions. */
    static JavaPairRDD<Integer, ParameterSlice> toPartitions(JavaRDD<Shard> shards, int partitions) {
        return shards
                .flatMapToPair(sh -> {
                    List<Tuple2<Integer, ParameterSlice>> out = new ArrayList<>(partitions);
                    for (int p = 0; p < partitions; p++) {
                        out.add(new Tuple2<>(p, new ParameterSlice(sh.shard, sh.w)));
                    }
                    return out.iterator();
                })
                .partitionBy(new HashPartitioner(partitions));
    }
}
