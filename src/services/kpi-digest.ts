import { upsertOutbox } from "../db/queries/outbox.js";
import { outboxKey } from "../delivery/purposes.js";
import { deliverOutbox } from "../delivery/row.js";
import { slackErrorCode } from "../delivery/slack-errors.js";
import { previousWeek } from "../domain/report-period.js";
import type { Deps } from "./deps.js";
import { chartFilename, reportChart, reportFigures, reportMessage } from "./kpi-report.js";

export type DigestOutcome =
  | { status: "skipped"; reason: string }
  | { status: "posted"; channel: string; ts: string; chartUploaded: boolean };

/**
 * The weekly digest: last week's KPI summary posted to the policy's digest channel through the
 * outbox (deduplicated per week, so a double run posts once), then the chart uploaded in the
 * message's thread. The chart is uploaded unless the thread already holds it, so a run that
 * died between the post and the upload gets it there on the retry, and a double run does not
 * upload it twice.
 */
export async function postWeeklyDigest(deps: Deps): Promise<DigestOutcome> {
  const channel = deps.policy.digestChannel;
  if (!channel) return { status: "skipped", reason: "no digest channel in the policy" };
  const asOf = deps.clock.now();
  const period = previousWeek(asOf, deps.policy.timezone);
  if (!period) return { status: "skipped", reason: "invalid time zone" };
  const figures = await reportFigures(deps, period, asOf);
  const message = reportMessage(deps, {
    title: "Weekly incident KPIs",
    period,
    figures,
    footer: "Chart in the thread. Team leads can run `/incident report` for any period.",
  });
  const [outboxId] = await upsertOutbox(deps.db, [
    {
      incidentId: null,
      dedupeKey: outboxKey.digest(channel, period.days[0]!),
      purpose: "kpi_digest",
      channel,
      message,
    },
  ]);
  if (!outboxId) throw new Error("digest outbox row not found after insert");
  const outcome = await deliverOutbox(deps, outboxId);
  if (outcome.status === "failed")
    return { status: "skipped", reason: `digest not delivered: ${outcome.error}` };
  const filename = chartFilename(period);
  if (await threadHasFile(deps, outcome.channel, outcome.ts, filename)) {
    return { status: "posted", channel: outcome.channel, ts: outcome.ts, chartUploaded: false };
  }
  try {
    await deps.slack.filesUploadV2({
      channel_id: outcome.channel,
      thread_ts: outcome.ts,
      file_uploads: [
        {
          file: await reportChart(deps, period, asOf, figures),
          filename,
          title: `Incident KPIs ${period.label}`,
        },
      ],
    });
  } catch (err) {
    deps.logger.warn({ channel: outcome.channel, code: slackErrorCode(err) }, "digest chart upload failed");
    throw err;
  }
  return { status: "posted", channel: outcome.channel, ts: outcome.ts, chartUploaded: true };
}

async function threadHasFile(deps: Deps, channel: string, ts: string, filename: string): Promise<boolean> {
  const replies = await deps.slack.conversations.replies({ channel, ts, limit: 200 });
  return (replies.messages ?? []).some((m) =>
    (m.files ?? []).some((f) => f.name === filename || f.title?.includes(filename)),
  );
}
