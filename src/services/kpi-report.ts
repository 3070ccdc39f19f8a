import { dailyFigures, kpiFigures } from "../db/queries/kpi.js";
import { scanHistory } from "../delivery/history.js";
import { slackErrorCode } from "../delivery/slack-errors.js";
import type { KpiFigures } from "../domain/kpi.js";
import type { Policy } from "../domain/policy-types.js";
import { typeLabel } from "../domain/policy-types.js";
import type { ReportPeriod } from "../domain/report-period.js";
import { type KpiLabels, kpiReportMessage } from "../messages/kpi-report.js";
import type { Deps } from "./deps.js";
import { chartSeries, renderKpiChart } from "./kpi-chart.js";
import { kpiCsv } from "./kpi-csv.js";

/** Policy labels for the report's keys; unknown keys show as they are stored. */
function kpiLabels(policy: Policy): KpiLabels {
  return {
    typeLabel: (type) => typeLabel(policy, type),
    rootCauseLabel: (key) => policy.review.rootCauseCategories[key] ?? key.replace(/_/g, " "),
  };
}

export async function reportFigures(deps: Deps, period: ReportPeriod, asOf: Date): Promise<KpiFigures> {
  return kpiFigures(deps.db, { from: period.from, to: period.to, timezone: deps.policy.timezone, asOf });
}

/** The Block Kit summary of a period, as answered to `/incident report` and posted as the digest. */
export function reportMessage(
  deps: Deps,
  p: { title: string; period: ReportPeriod; figures: KpiFigures; footer: string },
) {
  return kpiReportMessage({
    title: p.title,
    periodLabel: p.period.label,
    timezone: deps.policy.timezone,
    figures: p.figures,
    labels: kpiLabels(deps.policy),
    footer: p.footer,
  });
}

/** The chart PNG of a period, from the daily figures (read here when not given). */
export async function reportChart(
  deps: Deps,
  period: ReportPeriod,
  asOf: Date,
  figures?: KpiFigures,
): Promise<Buffer> {
  // Only the daily series is drawn: without the figures, read just that, not the whole report.
  const query = { from: period.from, to: period.to, timezone: deps.policy.timezone, asOf };
  const daily = figures?.daily ?? (await dailyFigures(deps.db, query));
  return renderKpiChart(chartSeries(period, daily), period.label);
}

const fileStem = (period: ReportPeriod) =>
  `incident-kpis-${period.days[0]}-to-${period.days[period.days.length - 1]}`;

export const chartFilename = (period: ReportPeriod) => `${fileStem(period)}.png`;

/**
 * Uploads the chart and the CSV of the period to the requester's DM (conversations.open, then
 * filesUploadV2 into the DM, which completes both files in one call). Runs as a job after the
 * command was answered; a Slack failure throws, so the job retries. A retry first looks in the
 * DM for the CSV of this request (posted since it was made): Slack may have completed the
 * upload before its answer was lost, and the requester should not get the files twice.
 */
export async function sendReportFiles(
  deps: Deps,
  p: { userId: string; period: ReportPeriod; asOf: Date; retry?: boolean },
): Promise<{ channel: string; incidents: number } | { channel: string; alreadySent: true }> {
  const opened = await deps.slack.conversations.open({ users: p.userId });
  const channel = opened.channel?.id;
  if (!channel) throw new Error("conversations.open returned no channel");
  const stem = fileStem(p.period);
  const requested = p.asOf.getTime();
  const sentEarlier =
    p.retry &&
    (await scanHistory(
      deps.slack,
      channel,
      p.asOf,
      (m) => Number(m.ts) * 1000 >= requested && (m.files ?? []).some((f) => f.name === `${stem}.csv`),
    ));
  if (sentEarlier) return { channel, alreadySent: true };
  const [chart, csv] = await Promise.all([
    reportChart(deps, p.period, p.asOf),
    kpiCsv(deps.db, { from: p.period.from, to: p.period.to, timezone: deps.policy.timezone }),
  ]);
  try {
    await deps.slack.filesUploadV2({
      channel_id: channel,
      initial_comment: `KPI report for ${p.period.label}: the chart, and the ${csv.incidents} incident${csv.incidents === 1 ? "" : "s"} as CSV.`,
      file_uploads: [
        { file: chart, filename: `${stem}.png`, title: `Incident KPIs ${p.period.label}` },
        { file: csv.bytes, filename: `${stem}.csv`, title: `Incidents ${p.period.label} (CSV)` },
      ],
    });
  } catch (err) {
    deps.logger.warn({ user: p.userId, code: slackErrorCode(err) }, "report upload failed");
    throw err;
  }
  return { channel, incidents: csv.incidents };
}
