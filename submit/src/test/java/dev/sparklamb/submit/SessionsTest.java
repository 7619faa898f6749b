package dev.sparklamb.submit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sparklamb.spark.config.SparkSettings;
import org.apache.spark.SparkConf;
import org.junit.jupiter.api.Test;

/** The settings the CLI's session gets on the user's behalf, and that a value the user set always wins. */
class SessionsTest {

    static final SparkSettings SETTINGS = new SparkSettings("local[2]", "spark-lamb");

    @Test
    void setsTheStepSettingsWhenTheUserDidNot() {
        SparkConf conf = Sessions.configure(new SparkConf(false), SETTINGS);
        assertThat(conf.get("spark.kryo.unsafe")).isEqualTo("true");
        assertThat(conf.get("spark.broadcast.compress")).isEqualTo("false");
        assertThat(conf.get("spark.task.maxDirectResultSize")).isEqualTo("64m");
        assertThat(conf.get("spark.kryoserializer.buffer.max")).isEqualTo("1g");
    }

    @Test
    void neverOverridesAValueTheUserSet() {
        SparkConf user = new SparkConf(false).set("spark.kryo.unsafe", "false").set("spark.broadcast.compress", "true")
                .set("spark.task.maxDirectResultSize", "1m").set("spark.kryoserializer.buffer.max", "64m")
                .set("spark.serializer", "org.apache.spark.serializer.JavaSerializer").setMaster("local[3]");
        SparkConf conf = Sessions.configure(user, SETTINGS);
        assertThat(conf.get("spark.kryo.unsafe")).isEqualTo("false");
        assertThat(conf.get("spark.broadcast.compress")).isEqualTo("true");
        assertThat(conf.get("spark.task.maxDirectResultSize")).isEqualTo("1m");
        assertThat(conf.get("spark.kryoserializer.buffer.max")).isEqualTo("64m");
        assertThat(conf.get("spark.serializer")).isEqualTo("org.apache.spark.serializer.JavaSerializer");
        assertThat(conf.get("spark.master")).isEqualTo("local[3]");
    }
}
