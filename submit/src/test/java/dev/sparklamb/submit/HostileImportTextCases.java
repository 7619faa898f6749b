package dev.sparklamb.submit;

import static dev.sparklamb.submit.HostileCases.CONFIG;
import static dev.sparklamb.submit.HostileCases.DATA;
import static dev.sparklamb.submit.HostileCases.OK;
import static dev.sparklamb.submit.HostileCases.named;
import static dev.sparklamb.submit.HostileFixtures.root;

import dev.sparklamb.submit.HostileCases.Invocation;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.provider.Arguments;

/**
 * {@code import-text}: text files that are empty, blank or not UTF-8, vocabularies that are malformed, options that do
 * not fit together, and output paths that cannot be used; and two imports that succeed.
 */
final class HostileImportTextCases {

    private HostileImportTextCases() {
    }

    /**
     * import-text of {@code input} into {@code $CASE/out}: {@code --heldout-fraction 0 --sequence-length 8,16} unless
     * {@code options} (option, value, option, value, ...) set them.
     */
    static Invocation importText(Path dir, Path input, String... options) {
        Map<String, String> o = new LinkedHashMap<>(Map.of("--heldout-fraction", "0", "--sequence-length", "8,16"));
        for (int i = 0; i < options.length; i += 2) {
            o.put(options[i], options[i + 1]);
        }
        List<String> args = new ArrayList<>(List.of("import-text", "--input", input.toString(), "--output", dir.resolve("out").toString(),
                "--master", "local[2]"));
        o.forEach((k, v) -> args.addAll(List.of(k, v)));
        return new Invocation(args.toArray(new String[0]), root.relativize(dir.resolve("out")).toString(), null);
    }

    /** A BERT-style vocab.txt: [PAD] first, the other special tokens further down (ids are looked up by token). */
    static final String BERT_STYLE_VOCAB = "[PAD]\nthe\n[UNK]\n[CLS]\n[SEP]\n[MASK]\npeople\n.\n,\n##s\n";

    static List<Arguments> importTextCases() {
        return List.of(
                named("import-text: a tiny corpus", OK, List.of(), dir -> importText(dir, CliHarness.textCorpus(dir), "--vocab-size", "80")),
                named("import-text: a BERT-style vocab.txt with [PAD] first and the others later", OK, List.of(), dir -> {
                    Path vocab = dir.resolve("vocab.txt");
                    Files.writeString(vocab, BERT_STYLE_VOCAB);
                    Invocation inv = importText(dir, CliHarness.textCorpus(dir), "--vocab", vocab.toString());
                    return new Invocation(inv.args(), inv.mayChange(), (o, soft) -> soft.assertThat(
                            CliHarness.snapshot(dir).keySet()).contains("out/text-import.json", "out/seq-8/train/"));
                }),
                named("import-text: empty text file", DATA, List.of("empty.txt", "is empty"), dir -> {
                    Path docs = CliHarness.textCorpus(dir);
                    Files.writeString(docs.resolve("empty.txt"), "");
                    return importText(dir, docs);
                }),
                named("import-text: text file of whitespace only", DATA, List.of("blank.txt", "holds no text"), dir -> {
                    Path docs = CliHarness.textCorpus(dir);
                    Files.writeString(docs.resolve("blank.txt"), " \n\t\n");
                    return importText(dir, docs);
                }),
                named("import-text: text file that is not UTF-8 (Latin-1)", DATA, List.of("latin1.txt", "line 2", "UTF-8"), dir -> {
                    Path docs = CliHarness.textCorpus(dir);
                    Files.write(docs.resolve("latin1.txt"), new byte[] {'o', 'k', '\n', 'c', 'a', 'f', (byte) 0xE9, '\n'});
                    return importText(dir, docs);
                }),
                named("import-text: directory with no text files", DATA, List.of("notes", "holds no text files"), dir -> {
                    Path notes = Files.createDirectories(dir.resolve("notes"));
                    Files.writeString(notes.resolve("readme.md"), "no .txt here\n");
                    return importText(dir, notes);
                }),
                named("import-text: input does not exist", DATA, List.of("missing-docs", "does not exist"),
                        dir -> importText(dir, dir.resolve("missing-docs"))),
                named("import-text: vocab.txt with a duplicate token", DATA, List.of("vocab.txt", "line 8", "'the'", "repeats line 2"), dir -> {
                    Path vocab = dir.resolve("vocab.txt");
                    Files.writeString(vocab, "[PAD]\nthe\n[UNK]\n[CLS]\n[SEP]\n[MASK]\npeople\nthe\n");
                    return importText(dir, CliHarness.textCorpus(dir), "--vocab", vocab.toString());
                }),
                named("import-text: vocab.txt without [MASK]", DATA, List.of("vocab.txt", "[MASK]"), dir -> {
                    Path vocab = dir.resolve("vocab.txt");
                    Files.writeString(vocab, "[PAD]\n[UNK]\n[CLS]\n[SEP]\nthe\n");
                    return importText(dir, CliHarness.textCorpus(dir), "--vocab", vocab.toString());
                }),
                named("import-text: --vocab and --vocab-size together", CONFIG, List.of("--vocab", "--vocab-size"), dir -> {
                    Path vocab = dir.resolve("vocab.txt");
                    Files.writeString(vocab, BERT_STYLE_VOCAB);
                    return importText(dir, CliHarness.textCorpus(dir), "--vocab", vocab.toString(), "--vocab-size", "100");
                }),
                named("import-text: --vocab-size too small for the corpus's characters", CONFIG, List.of("--vocab-size", "too small"),
                        dir -> importText(dir, CliHarness.textCorpus(dir), "--vocab-size", "20")),
                named("import-text: sequence length 2", CONFIG, List.of("--sequence-length", "2"),
                        dir -> importText(dir, CliHarness.textCorpus(dir), "--sequence-length", "2")),
                named("import-text: sequence length above --max-sequence-length", CONFIG,
                        List.of("--sequence-length", "1024", "--max-sequence-length 512"),
                        dir -> importText(dir, CliHarness.textCorpus(dir), "--sequence-length", "64,1024")),
                named("import-text: held-out fraction 1", CONFIG, List.of("--heldout-fraction"),
                        dir -> importText(dir, CliHarness.textCorpus(dir), "--heldout-fraction", "1")),
                named("import-text: output under a regular file", CONFIG, List.of("--output", "afile"), dir -> {
                    Files.writeString(dir.resolve("afile"), "a regular file\n");
                    Invocation inv = importText(dir, CliHarness.textCorpus(dir));
                    String[] args = inv.args().clone();
                    args[List.of(args).indexOf("--output") + 1] = dir.resolve("afile").resolve("out").toString();
                    return new Invocation(args, null, null);
                }),
                named("import-text: output directory exists", CONFIG, List.of("--output", "already exists"), dir -> {
                    Files.createDirectories(dir.resolve("out"));
                    Files.writeString(dir.resolve("out").resolve("keep.txt"), "not touched\n");
                    return importText(dir, CliHarness.textCorpus(dir));
                }));
    }
}
