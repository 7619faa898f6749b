package dev.sparklamb.spark.data.text;

import java.io.Serializable;

/**
 * One input file: a document. {@code index} is its position among all inputs sorted by {@code path} (the row order of
 * the output), {@code name} the file name the held-out choice hashes. A plain class, not a record: Spark serializes
 * task data with Kryo 4, which cannot create records ("can't get field offset on a record class").
 */
public final class TextDocument implements Serializable {

    private static final long serialVersionUID = 1L;

    private int index;
    private String path;
    private String name;
    private long bytes;
    private boolean heldOut;

    TextDocument() { // for Kryo
    }

    public TextDocument(int index, String path, String name, long bytes, boolean heldOut) {
        this.index = index;
        this.path = path;
        this.name = name;
        this.bytes = bytes;
        this.heldOut = heldOut;
    }

    public int index() {
        return index;
    }

    public String path() {
        return path;
    }

    public String name() {
        return name;
    }

    public long bytes() {
        return bytes;
    }

    public boolean heldOut() {
        return heldOut;
    }

    @Override
    public String toString() {
        return path;
    }
}
