package dev.sparklamb.spark.data.text;

import dev.sparklamb.spark.data.DataException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * A WordPiece vocabulary in BERT's {@code vocab.txt} form: one token per line, the line number (from 0) is the token's
 * id; {@code ##} starts a piece that continues a word. It holds every one of {@link #SPECIAL} (anywhere: ids are looked
 * up by token), no token twice, and no empty token or token with surrounding whitespace.
 */
public final class Vocabulary implements Serializable {

    private static final long serialVersionUID = 1L;

    public static final String PAD = "[PAD]";
    public static final String UNK = "[UNK]";
    public static final String CLS = "[CLS]";
    public static final String SEP = "[SEP]";
    public static final String MASK = "[MASK]";
    /** The special tokens, in the order a vocabulary built by {@link VocabularyBuilder} gives them ids 0..4. */
    public static final List<String> SPECIAL = List.of(PAD, UNK, CLS, SEP, MASK);

    /** An array, and the map rebuilt on first use: Spark broadcasts with Kryo, which handles neither JDK immutable collections nor records well. */
    private String[] tokens;
    private transient Map<String, Integer> ids;

    private Vocabulary() { // for Kryo
    }

    private Vocabulary(String[] tokens, Map<String, Integer> ids) {
        this.tokens = tokens;
        this.ids = ids;
    }

    private Map<String, Integer> ids() {
        Map<String, Integer> m = ids;
        if (m == null) {
            m = new HashMap<>(tokens.length * 2);
            for (int i = 0; i < tokens.length; i++) {
                m.put(tokens[i], i);
            }
            ids = m;
        }
        return m;
    }

    /**
     * @param source where the tokens come from, for messages (a file name)
     * @throws DataException naming the line (1-based) of a duplicate, empty or padded token, or the missing special token
     */
    public static Vocabulary of(List<String> tokens, String source) {
        Map<String, Integer> ids = new HashMap<>(tokens.size() * 2);
        for (int i = 0; i < tokens.size(); i++) {
            String t = tokens.get(i);
            if (t.isEmpty()) {
                throw new DataException("vocabulary '" + source + "', line " + (i + 1) + ": empty token; a vocab.txt holds one token per line");
            }
            if (!t.strip().equals(t)) {
                throw new DataException("vocabulary '" + source + "', line " + (i + 1) + ": token '" + t
                        + "' has leading or trailing whitespace");
            }
            Integer before = ids.putIfAbsent(t, i);
            if (before != null) {
                throw new DataException("vocabulary '" + source + "', line " + (i + 1) + ": token '" + t + "' repeats line " + (before + 1)
                        + "; every token must appear once (its line number is its id)");
            }
        }
        for (String s : SPECIAL) {
            if (!ids.containsKey(s)) {
                throw new DataException("vocabulary '" + source + "': lacks the special token " + s + "; it needs all of " + SPECIAL);
            }
        }
        return new Vocabulary(tokens.toArray(new String[0]), ids);
    }

    /** Parses a {@code vocab.txt} (UTF-8; the last line may or may not end with a line terminator). */
    public static Vocabulary parse(byte[] text, String source) {
        List<String> lines = new ArrayList<>();
        try {
            Utf8Text.forEachLine(new ByteArrayInputStream(text), "vocabulary " + source, lines::add);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return of(lines, source);
    }

    public int size() {
        return tokens.length;
    }

    public List<String> tokens() {
        return List.of(tokens);
    }

    public String token(int id) {
        return tokens[id];
    }

    /** The token's id, or -1. */
    public int id(String token) {
        Integer id = ids().get(token);
        return id == null ? -1 : id;
    }

    public int pad() {
        return ids().get(PAD);
    }

    public int unk() {
        return ids().get(UNK);
    }

    public int cls() {
        return ids().get(CLS);
    }

    public int sep() {
        return ids().get(SEP);
    }

    public int mask() {
        return ids().get(MASK);
    }

    /** The special tokens' ids, in {@link #SPECIAL}'s order. */
    public Map<String, Integer> specialIds() {
        Map<String, Integer> m = new LinkedHashMap<>();
        SPECIAL.forEach(s -> m.put(s, ids().get(s)));
        return m;
    }

    /** The map DL4J's {@code BertWordPieceTokenizerFactory} needs: token to id, in reverse string order. */
    NavigableMap<String, Integer> wordPieceMap() {
        TreeMap<String, Integer> m = new TreeMap<>(Collections.reverseOrder());
        m.putAll(ids());
        return m;
    }

    /** The {@code vocab.txt} text: one token per line, each line terminated by {@code \n}. */
    public String toText() {
        StringBuilder s = new StringBuilder(tokens.length * 8);
        for (String t : tokens) {
            s.append(t).append('\n');
        }
        return s.toString();
    }
}
