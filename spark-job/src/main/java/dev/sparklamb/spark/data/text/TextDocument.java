package dev.sparklamb.spark.data.text;

import java.io.Serializable;

/**
 * One input file: a document. {@code index} is its position among all inputs sorted by {@code path} (the row order of
 * the output), {@code name} the file name the held-out choice hashes.
 */
public record TextDocument(int index, String path, String name, long bytes, boolean heldOut) implements Serializable {
}
