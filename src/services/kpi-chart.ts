import { createCanvas, type SKRSContext2D } from "@napi-rs/canvas";
import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  type ChartConfiguration,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Title,
} from "chart.js";
import { PRIORITIES, type Priority } from "../domain/incident.js";
import { compliancePercent, type DayFigures } from "../domain/kpi.js";
import { bucketFor, chartBuckets, type ReportPeriod } from "../domain/report-period.js";

/**
 * The report's chart as one PNG: incidents per day (or week) stacked by priority on top, the
 * respond and resolve SLA compliance trend below. Rendered with Chart.js on a Skia canvas
 * (@napi-rs/canvas), in-process and without a browser; text uses the host's fonts.
 */

Chart.register(
  BarController,
  BarElement,
  CategoryScale,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Legend,
  Title,
);

// Chart.js asks for Helvetica/Arial, which a server seldom has; DejaVu Sans ships with Debian
// (the Docker image installs fonts-dejavu-core) and falls back to any sans-serif.
Chart.defaults.font.family = "'DejaVu Sans', 'Liberation Sans', sans-serif";

export const CHART_WIDTH = 1200;
const PANEL_HEIGHT = 450;
export const CHART_HEIGHT = PANEL_HEIGHT * 2;

const PRIORITY_COLOURS: Record<Priority, string> = {
  P1: "#c0392b",
  P2: "#e67e22",
  P3: "#f1c40f",
  P4: "#2e86c1",
  P5: "#7f8c8d",
};

export interface ChartSeries {
  labels: string[];
  perPriority: Record<Priority, number[]>;
  /** % per bucket; null where nothing was decided (a gap in the line). */
  respond: (number | null)[];
  resolve: (number | null)[];
  bucket: "day" | "week";
}

/** Buckets the daily figures into the chart's series (pure). */
export function chartSeries(period: Pick<ReportPeriod, "days">, daily: DayFigures[]): ChartSeries {
  const bucket = bucketFor(period);
  const buckets = chartBuckets(period.days, bucket);
  const bucketOf = new Map<string, number>();
  buckets.forEach((b, i) => {
    for (const day of b.days) bucketOf.set(day, i);
  });
  const zeros = () => buckets.map(() => 0);
  const perPriority = Object.fromEntries(PRIORITIES.map((p) => [p, zeros()])) as Record<Priority, number[]>;
  const respond = buckets.map(() => ({ met: 0, missed: 0 }));
  const resolve = buckets.map(() => ({ met: 0, missed: 0 }));
  for (const d of daily) {
    const i = bucketOf.get(d.day);
    if (i === undefined) continue;
    perPriority[d.priority][i]! += d.incidents;
    respond[i]!.met += d.respond.met;
    respond[i]!.missed += d.respond.missed;
    resolve[i]!.met += d.resolve.met;
    resolve[i]!.missed += d.resolve.missed;
  }
  return {
    labels: buckets.map((b) => (bucket === "week" ? `w/c ${b.label.slice(5)}` : b.label.slice(5))),
    perPriority,
    respond: respond.map(compliancePercent),
    resolve: resolve.map(compliancePercent),
    bucket,
  };
}

const whiteBackground = {
  id: "white-background",
  beforeDraw(chart: Chart) {
    const { ctx } = chart;
    ctx.save();
    ctx.fillStyle = "#ffffff";
    ctx.fillRect(0, 0, chart.width, chart.height);
    ctx.restore();
  },
};

const common = { responsive: false, animation: false, devicePixelRatio: 1 } as const;

function barsConfig(s: ChartSeries, title: string): ChartConfiguration<"bar"> {
  return {
    type: "bar",
    data: {
      labels: s.labels,
      datasets: PRIORITIES.map((p) => ({
        label: p,
        data: s.perPriority[p],
        backgroundColor: PRIORITY_COLOURS[p],
      })),
    },
    options: {
      ...common,
      plugins: { title: { display: true, text: title } },
      scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } },
    },
    plugins: [whiteBackground],
  };
}

function trendConfig(s: ChartSeries, title: string): ChartConfiguration<"line"> {
  const line = (label: string, data: (number | null)[], colour: string) => ({
    label,
    data,
    borderColor: colour,
    backgroundColor: colour,
    spanGaps: true,
    tension: 0,
  });
  return {
    type: "line",
    data: {
      labels: s.labels,
      datasets: [
        line("Respond SLA met %", s.respond, "#1e8449"),
        line("Resolve SLA met %", s.resolve, "#6c3483"),
      ],
    },
    options: {
      ...common,
      plugins: { title: { display: true, text: title } },
      scales: { y: { min: 0, max: 100, ticks: { callback: (v) => `${v}%` } } },
    },
    plugins: [whiteBackground],
  };
}

/** Draws one chart on its own canvas and copies it onto `target` at `y` (destroy() clears it). */
function drawPanel(
  target: SKRSContext2D,
  y: number,
  config: ChartConfiguration<"bar"> | ChartConfiguration<"line">,
): void {
  const canvas = createCanvas(CHART_WIDTH, PANEL_HEIGHT);
  // Chart.js takes any object with a 2D context; off the DOM it uses its basic platform.
  const chart = new Chart(
    canvas.getContext("2d") as unknown as ConstructorParameters<typeof Chart>[0],
    config as ChartConfiguration,
  );
  target.drawImage(canvas, 0, y);
  chart.destroy();
}

/** The PNG bytes of the two panels, one above the other (CHART_WIDTH × CHART_HEIGHT). */
export async function renderKpiChart(series: ChartSeries, periodLabel: string): Promise<Buffer> {
  const per = series.bucket === "week" ? "week" : "day";
  const canvas = createCanvas(CHART_WIDTH, CHART_HEIGHT);
  const ctx = canvas.getContext("2d");
  drawPanel(ctx, 0, barsConfig(series, `Incidents per ${per} by priority — ${periodLabel}`));
  drawPanel(
    ctx,
    PANEL_HEIGHT,
    trendConfig(series, `SLA compliance per ${per} (incidents logged that ${per})`),
  );
  return canvas.encode("png");
}
