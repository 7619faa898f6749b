package dev.sparklamb.spark.bench.sweep;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.ToDoubleFunction;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** The PNG plots of {@code docs/results.md}, drawn with XChart. */
final class SweepPlots {

    private SweepPlots() {
    }

    /** Final test accuracy (%) against global batch, one line per optimizer, log-x. */
    static void accuracyVsBatch(Path file, String title, List<String> optimizers, List<RunResult> runs) throws IOException {
        XYChart chart = new XYChartBuilder().width(900).height(560).title(title)
                .xAxisTitle("global batch (log scale)").yAxisTitle("final test accuracy (%)").build();
        chart.getStyler().setXAxisLogarithmic(true);
        chart.getStyler().setLegendPosition(org.knowm.xchart.style.Styler.LegendPosition.InsideSW);
        for (String opt : optimizers) {
            List<RunResult> line = runs.stream().filter(r -> r.run().optimizer().equals(opt))
                    .sorted(java.util.Comparator.comparingInt(r -> r.run().globalBatch())).toList();
            if (line.isEmpty()) {
                continue;
            }
            chart.addSeries(opt.toUpperCase(java.util.Locale.ROOT),
                    line.stream().mapToDouble(r -> r.run().globalBatch()).toArray(),
                    line.stream().mapToDouble(r -> 100 * r.finalAccuracy()).toArray()).setMarker(SeriesMarkers.CIRCLE);
        }
        save(chart, file);
    }

    /**
     * One value of the evaluation curve against epochs (passes over the data: step / floor(n / B)), one line per run.
     * The curve's own {@code epochs} counts examples used, which at 32K is 0.55 per pass.
     */
    static void curves(Path file, String title, String yTitle, List<RunResult> runs, int trainingExamples, ToDoubleFunction<CurvePoint> y)
            throws IOException {
        XYChart chart = new XYChartBuilder().width(900).height(560).title(title)
                .xAxisTitle("epoch (pass over the training set; the n mod B remainder of each pass is not used)").yAxisTitle(yTitle).build();
        chart.getStyler().setXAxisDecimalPattern("0.#");
        for (RunResult r : runs) {
            if (r.curve().isEmpty()) {
                continue;
            }
            chart.addSeries(r.run().optimizer().toUpperCase(java.util.Locale.ROOT) + " (batch " + r.run().globalBatch() + ")",
                    r.curve().stream().mapToDouble(p -> p.step() / (double) (trainingExamples / r.run().globalBatch())).toArray(),
                    r.curve().stream().mapToDouble(y).toArray()).setMarker(SeriesMarkers.CIRCLE);
        }
        save(chart, file);
    }

    private static void save(XYChart chart, Path file) throws IOException {
        Files.createDirectories(file.getParent());
        if (chart.getSeriesMap().isEmpty()) {
            Files.deleteIfExists(file);
            return;
        }
        BitmapEncoder.saveBitmap(chart, file.toString(), BitmapEncoder.BitmapFormat.PNG);
    }
}
