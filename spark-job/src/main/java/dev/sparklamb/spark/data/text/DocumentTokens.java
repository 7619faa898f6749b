package dev.sparklamb.spark.data.text;

import java.io.Serializable;

/** One document's token stream: the WordPiece ids of its lines, concatenated (a plain class: Spark may Kryo-serialize it). */
final class DocumentTokens implements Serializable {

    private static final long serialVersionUID = 1L;

    int index;
    int[] ids;

    DocumentTokens() {
    }

    DocumentTokens(int index, int[] ids) {
        this.index = index;
        this.ids = ids;
    }
}
