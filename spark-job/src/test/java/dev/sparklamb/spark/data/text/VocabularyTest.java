package dev.sparklamb.spark.data.text;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sparklamb.spark.data.DataException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class VocabularyTest {

    static Vocabulary parse(String text) {
        return Vocabulary.parse(text.getBytes(StandardCharsets.UTF_8), "vocab.txt");
    }

    @Test
    void idsAreLineNumbersAndSpecialsAreLookedUp() {
        // BERT's own layout: [PAD] first, [UNK] [CLS] [SEP] [MASK] later
        Vocabulary v = parse("[PAD]\nthe\n[UNK]\n[CLS]\n[SEP]\n[MASK]\n##s\r\nrun\n");
        assertThat(v.size()).isEqualTo(8);
        assertThat(v.pad()).isZero();
        assertThat(v.unk()).isEqualTo(2);
        assertThat(v.cls()).isEqualTo(3);
        assertThat(v.sep()).isEqualTo(4);
        assertThat(v.mask()).isEqualTo(5);
        assertThat(v.id("##s")).isEqualTo(6);
        assertThat(v.id("run")).isEqualTo(7);
        assertThat(v.id("missing")).isEqualTo(-1);
        assertThat(v.toText()).isEqualTo("[PAD]\nthe\n[UNK]\n[CLS]\n[SEP]\n[MASK]\n##s\nrun\n");
    }

    /**
     * Spark broadcasts the vocabulary and ships documents with Kryo (the CLI's serializer); local mode never deserializes
     * a broadcast, so the round trip is checked here, as an executor JVM would do it.
     */
    @Test
    void kryoRoundTripAsOnAnExecutor() {
        var kryo = new org.apache.spark.serializer.KryoSerializer(new org.apache.spark.SparkConf()).newInstance();
        scala.reflect.ClassTag<Object> any = scala.reflect.ClassTag$.MODULE$.Any();
        Vocabulary v = parse("[PAD]\nthe\n[UNK]\n[CLS]\n[SEP]\n[MASK]\n##s\n");
        Vocabulary back = (Vocabulary) kryo.deserialize(kryo.serialize(v, any), any);
        assertThat(back.tokens()).isEqualTo(v.tokens());
        assertThat(back.id("##s")).isEqualTo(6);
        assertThat(back.specialIds()).isEqualTo(v.specialIds());
        TextDocument d = (TextDocument) kryo.deserialize(kryo.serialize(new TextDocument(3, "file:/a/b.txt", "b.txt", 42, true), any), any);
        assertThat(List.of(d.index(), d.path(), d.name(), d.bytes(), d.heldOut())).isEqualTo(List.of(3, "file:/a/b.txt", "b.txt", 42L, true));
        DocumentTokens t = (DocumentTokens) kryo.deserialize(kryo.serialize(new DocumentTokens(5, new int[] {7, 8}), any), any);
        assertThat(t.index).isEqualTo(5);
        assertThat(t.ids).containsExactly(7, 8);
    }

    @Test
    void duplicateNamesBothLines() {
        assertThatThrownBy(() -> parse("[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nthe\nrun\nthe\n"))
                .isInstanceOf(DataException.class).hasMessageContaining("vocab.txt").hasMessageContaining("line 8")
                .hasMessageContaining("'the'").hasMessageContaining("line 6");
    }

    @Test
    void missingSpecialTokenIsNamed() {
        assertThatThrownBy(() -> parse("[PAD]\n[UNK]\n[CLS]\n[SEP]\nthe\n"))
                .isInstanceOf(DataException.class).hasMessageContaining("vocab.txt").hasMessageContaining("[MASK]");
    }

    @Test
    void emptyOrPaddedTokenIsRefused() {
        assertThatThrownBy(() -> parse("[PAD]\n[UNK]\n\n[CLS]\n[SEP]\n[MASK]\n"))
                .isInstanceOf(DataException.class).hasMessageContaining("line 3").hasMessageContaining("empty");
        assertThatThrownBy(() -> parse("[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nthe \n"))
                .isInstanceOf(DataException.class).hasMessageContaining("line 6").hasMessageContaining("whitespace");
    }

    @Test
    void notUtf8IsRefusedWithTheLine() {
        byte[] bytes = "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nab\n".getBytes(StandardCharsets.UTF_8);
        bytes[bytes.length - 2] = (byte) 0xff;
        assertThatThrownBy(() -> Vocabulary.parse(bytes, "vocab.txt"))
                .isInstanceOf(DataException.class).hasMessageContaining("vocab.txt").hasMessageContaining("line 6").hasMessageContaining("UTF-8");
    }
}
