import { appendLog, listLog } from "../../db/queries/incident-log.js";
import { getCallerReferenceState } from "../../db/queries/incidents.js";
import type { IncidentRow } from "../../db/schema/index.js";
import { slackErrorCode } from "../../delivery/slack-errors.js";
import type { DescribeContext } from "../../domain/log-describe.js";
import { formatReference } from "../../domain/reference.js";
import { workPlaceOf } from "../../domain/work-place.js";
import { channelMention, workPlaceMention } from "../../messages/text.js";
import { timelineMessage } from "../../messages/timeline.js";
import type { Deps } from "../../services/deps.js";
import { namesForLog } from "../../services/directory.js";
import { logToCsv, logToMarkdown } from "../../services/export-log.js";

type Reply = { text: string; blocks?: Record<string, unknown>[] };
type Entries = Awaited<ReturnType<typeof listLog>>;

/** How the log names people, channels, types and times for this workspace's policy. */
async function describeContext(deps: Deps, entries: Entries): Promise<DescribeContext> {
  const typeLabels = Object.fromEntries(
    Object.entries(deps.policy.incidentTypes).map(([key, type]) => [key, type.label]),
  );
  return { names: await namesForLog(deps, entries), timezone: deps.policy.timezone, typeLabels };
}

/**
 * `/incident timeline [all] [page]`: the incident log, a page at a time (Block Kit allows 50
 * blocks); `all` adds the delivery plumbing the default view leaves out.
 */
export async function timelineReply(
  deps: Deps,
  incident: IncidentRow,
  page: number,
  all = false,
): Promise<Reply> {
  const entries = await listLog(deps.db, incident.id);
  return timelineMessage({
    reference: formatReference(incident.number),
    entries,
    page,
    all,
    incidentId: incident.id,
    ...(await describeContext(deps, entries)),
  });
}

/** `/incident export`: the whole log as Markdown and CSV, uploaded to the incident channel. */
export async function exportLog(deps: Deps, incident: IncidentRow, userId: string): Promise<Reply> {
  const reference = formatReference(incident.number);
  const place = workPlaceOf(incident);
  if (!place) return { text: `${reference} has no channel yet; try again in a moment.` };
  const [entries, callerReference] = await Promise.all([
    listLog(deps.db, incident.id),
    getCallerReferenceState(deps.db, incident.id),
  ]);
  const ctx = await describeContext(deps, entries);
  const stem = `${reference.toLowerCase()}-log`;
  const markdown = logToMarkdown({
    reference,
    title: incident.title,
    entries,
    exportedAt: deps.clock.now(),
    callerReference: callerReference.value ? "recorded" : callerReference.erased ? "erased" : "none",
    ...ctx,
  });
  try {
    await deps.slack.filesUploadV2({
      channel_id: place.channel,
      ...(place.threadTs ? { thread_ts: place.threadTs } : {}),
      initial_comment: `Incident log of ${reference}, exported by <@${userId}> (${entries.length} entries).`,
      file_uploads: [
        { file: Buffer.from(markdown, "utf8"), filename: `${stem}.md`, title: `${reference} log (Markdown)` },
        {
          file: Buffer.from(logToCsv(entries, ctx), "utf8"),
          filename: `${stem}.csv`,
          title: `${reference} log (CSV)`,
        },
      ],
    });
  } catch (err) {
    deps.logger.warn({ incidentId: incident.id, code: slackErrorCode(err) }, "export upload failed");
    return {
      text: `I couldn't upload the log of ${reference} just now (${slackErrorCode(err) ?? "Slack did not answer"}). Please try again.`,
    };
  }
  await appendLog(deps.db, {
    incidentId: incident.id,
    actor: userId,
    kind: "exported",
    details: { formats: ["markdown", "csv"], entries: entries.length, channel: place.channel },
  });
  return {
    text: `Exported the log of ${reference} to ${place.threadTs ? workPlaceMention(incident) : channelMention(place.channel)} as Markdown and CSV.`,
  };
}
