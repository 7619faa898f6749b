/**
 * Dropout whose random masks are pure functions of (run seed, step, global example id, layer key, element index), so
 * that summed gradients do not depend on how a global batch is split into partitions and micro-batches.
 *
 * <p>DL4J draws dropout masks from ND4J's per-thread random generator, in the order the rows of a micro-batch happen
 * to arrive; the same example therefore gets a different mask depending on partitioning. The classes here replace each
 * layer's {@link org.deeplearning4j.nn.conf.dropout.IDropout} by a keyed equivalent with the same formula:
 * {@link dev.sparklamb.spark.model.dropout.KeyedDropouts#install} does the replacement on a configuration,
 * {@link dev.sparklamb.spark.model.dropout.DropoutContext} carries the keys of the micro-batch being trained, and
 * {@link dev.sparklamb.spark.model.dropout.CounterRandom} turns keys into uniform and normal numbers.
 */
package dev.sparklamb.spark.model.dropout;
