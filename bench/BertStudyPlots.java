import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * The plots of the BERT batch-size study (bench/bert-batch-study.sh collect), drawn with XChart like the image sweep's
 * (SweepPlots): run as a single source file, {@code java -cp xchart.jar bench/BertStudyPlots.java RESULTS PLOTS}.
 * Reads RESULTS/runs.csv and RESULTS/curves.csv (bench/bert_study_collect.py); writes PLOTS/bert-study-*.png.
 */
public final class BertStudyPlots {

    private BertStudyPlots() {
    }

    public static void main(String[] args) throws IOException {
        Path results = Path.of(args[0]);
        Path plots = Path.of(args[1]);
        List<Map<String, String>> runs = csv(results.resolve("runs.csv"));
        List<Map<String, String>> curves = csv(results.resolve("curves.csv"));

        // 1. final held-out MLM loss against global batch, one line per optimizer (the full-budget runs)
        XYChart byBatch = chart("BERT study: final held-out MLM loss at the same token budget (~3.06 epochs)",
                "log2(global batch in sequences): 8 = 256, 10 = 1,024, 12 = 4,096", "held-out MLM loss per masked token");
        byBatch.getStyler().setLegendPosition(Styler.LegendPosition.InsideNW);
        byBatch.getStyler().setXAxisDecimalPattern("0");
        for (String opt : List.of("lamb", "adamw")) {
            List<Map<String, String>> line = runs.stream()
                    .filter(r -> r.get("name").matches(opt + "-b\\d+") && !r.get("heldout_loss").isEmpty())
                    .sorted(Comparator.comparingInt(r -> Integer.parseInt(r.get("global_batch")))).toList();
            if (!line.isEmpty()) {
                double[] log2 = line.stream().mapToDouble(r -> Math.log(Double.parseDouble(r.get("global_batch"))) / Math.log(2)).toArray();
                byBatch.addSeries(opt.toUpperCase(Locale.ROOT), log2, col(line, "heldout_loss"))
                        .setMarker(SeriesMarkers.CIRCLE);
            }
        }
        save(byBatch, plots.resolve("bert-study-loss-vs-batch.png"));

        // 2. held-out MLM loss during training (every evaluation on the length-16 held-out data)
        XYChart curve = chart("BERT study: held-out MLM loss during training",
                "epochs (token positions over those of the length-16 training set)", "held-out MLM loss per masked token");
        curve.getStyler().setLegendPosition(Styler.LegendPosition.InsideSW);
        Map<String, List<Map<String, String>>> byRun = new LinkedHashMap<>();
        for (Map<String, String> c : curves) {
            if (!c.get("name").contains("grid-") && "0".equals(c.get("stage"))) {
                byRun.computeIfAbsent(c.get("name"), k -> new ArrayList<>()).add(c);
            }
        }
        byRun.forEach((name, pts) -> curve.addSeries(name, col(pts, "epochs"), col(pts, "heldout_loss"))
                .setMarker(SeriesMarkers.CIRCLE));
        save(curve, plots.resolve("bert-study-curves.png"));

        // 3. the learning-rate grid at 256 (a reduced budget: 400 steps)
        XYChart grid = chart("BERT study: learning-rate grid at batch 256 (400 steps, 1/8 of the budget)",
                "base learning rate (log scale)", "held-out MLM loss per masked token");
        grid.getStyler().setXAxisLogarithmic(true);
        grid.getStyler().setLegendPosition(Styler.LegendPosition.InsideSW);
        for (String opt : List.of("lamb", "adamw")) {
            List<Map<String, String>> line = runs.stream()
                    .filter(r -> r.get("name").matches("(try-)?grid-" + opt + "-.*") && !r.get("heldout_loss").isEmpty())
                    .sorted(Comparator.comparingDouble(r -> Double.parseDouble(r.get("base_lr_at_256")))).toList();
            if (!line.isEmpty()) {
                grid.addSeries(opt.toUpperCase(Locale.ROOT), col(line, "base_lr_at_256"), col(line, "heldout_loss"))
                        .setMarker(SeriesMarkers.CIRCLE);
            }
        }
        save(grid, plots.resolve("bert-study-grid.png"));
    }

    private static XYChart chart(String title, String x, String y) {
        XYChart c = new XYChartBuilder().width(900).height(560).title(title).xAxisTitle(x).yAxisTitle(y).build();
        c.getStyler().setLegendPosition(Styler.LegendPosition.InsideNE);
        return c;
    }

    private static double[] col(List<Map<String, String>> rows, String key) {
        return rows.stream().mapToDouble(r -> Double.parseDouble(r.get(key))).toArray();
    }

    /** A CSV without quoted fields (what bert_study_collect.py writes); empty list when the file is missing. */
    private static List<Map<String, String>> csv(Path file) throws IOException {
        List<Map<String, String>> out = new ArrayList<>();
        if (!Files.exists(file)) {
            return out;
        }
        List<String> lines = Files.readAllLines(file);
        String[] header = lines.get(0).split(",", -1);
        for (String line : lines.subList(1, lines.size())) {
            String[] f = line.split(",", -1);
            Map<String, String> row = new HashMap<>();
            for (int i = 0; i < header.length; i++) {
                row.put(header[i].trim(), i < f.length ? f[i].trim() : "");
            }
            out.add(row);
        }
        return out;
    }

    /** Writes the PNG; a chart without data (no run of that kind finished yet) writes nothing. */
    private static void save(XYChart chart, Path file) throws IOException {
        if (!chart.getSeriesMap().isEmpty()) {
            Files.createDirectories(file.getParent());
            BitmapEncoder.saveBitmap(chart, file.toString(), BitmapEncoder.BitmapFormat.PNG);
            System.out.println("wrote " + file);
        }
    }
}
