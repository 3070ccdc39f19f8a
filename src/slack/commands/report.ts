import { mayRunReport, reportRefusal } from "../../domain/kpi.js";
import {
  FIRST_REPORT_DAY,
  LAST_REPORT_DAY,
  type ReportRange,
  reportPeriod,
} from "../../domain/report-period.js";
import { jobIds } from "../../jobs/catalog.js";
import { describeError } from "../../lib/logger.js";
import type { Deps } from "../../services/deps.js";
import { reportFigures, reportMessage } from "../../services/kpi-report.js";
import type { CommandContext, Reply } from "./work.js";

/**
 * `/incident report [7d|30d|<from> <to>]` (the command was acked already): the summary is the
 * ephemeral answer, computed now in SQL; the chart and CSV take longer to make, so a job
 * renders them and uploads them to the requester's DM.
 */
export async function answerReport(deps: Deps, range: ReportRange, ctx: CommandContext): Promise<Reply> {
  if (!mayRunReport(deps.policy, ctx.userId)) return { text: reportRefusal(deps.policy) };
  const asOf = deps.clock.now();
  const period = reportPeriod(range, asOf, deps.policy.timezone);
  if (!period) {
    // The parser refuses these already; this guards the SQL against any range that gets past it.
    return {
      text: `That is not a report period I can read: reports cover days from ${FIRST_REPORT_DAY} to ${LAST_REPORT_DAY}, the first date no later than the second. Try \`/incident report 7d\` or \`/incident report 2026-10-01 2026-10-31\`.`,
    };
  }
  const figures = await reportFigures(deps, period, asOf);
  const queued = await deps.jobs
    .enqueue(
      "report.files",
      { userId: ctx.userId, first: period.days[0]!, last: period.days[period.days.length - 1]!, asOf },
      { jobId: jobIds.reportFiles(ctx.requestKey) },
    )
    .then(
      () => true,
      (err: unknown) => {
        deps.logger.warn({ err: describeError(err), user: ctx.userId }, "report files not queued");
        return false;
      },
    );
  return reportMessage(deps, {
    title: "Incident KPI report",
    period,
    figures,
    footer: queued
      ? "The chart and a CSV of these incidents are on their way to your DMs."
      : "I couldn't queue the chart and CSV just now; run the report again in a minute to get them.",
  });
}
