import { upsertOutboxRows } from "../db/queries/outbox.js";
import { drillOfRun } from "../db/queries/practice-runs.js";
import type { IncidentRow } from "../db/schema/index.js";
import { outboxKey } from "../delivery/purposes.js";
import { queueRowDeliveries } from "../delivery/queue.js";
import { slackErrorCode } from "../delivery/slack-errors.js";
import { practiceIntro } from "../messages/practice-intro.js";
import type { Deps } from "./deps.js";

/**
 * A drill's channel, as set-up equips it (after the card): its lead and every trainee invited
 * (the reporting trainee is invited like any reporter), and the intro posted once. Retried
 * set-ups repeat nothing: Slack's "already in channel" is success and the intro has one key.
 */
export async function equipPracticeChannel(deps: Deps, incident: IncidentRow & { channelId: string }) {
  if (!incident.practiceRunId) return;
  const drill = await drillOfRun(deps.db, incident.practiceRunId);
  if (!drill) return;
  const people = [drill.leadId, ...drill.traineeIds].filter(
    (id, n, all) => all.indexOf(id) === n && id !== incident.reporterId && id !== deps.botUserId,
  );
  // One at a time: Slack refuses a whole list when one of them is in the channel already.
  for (const user of people) await invite(deps, incident, user);
  const scenario = drill.scenario as { label?: unknown; report?: { callerSays?: unknown } };
  const [row] = await upsertOutboxRows(deps.db, [
    {
      incidentId: incident.id,
      dedupeKey: outboxKey.practiceIntro(incident.practiceRunId),
      purpose: "practice_intro",
      channel: incident.channelId,
      message: practiceIntro({
        number: incident.number,
        scenarioLabel: typeof scenario.label === "string" ? scenario.label : "Practice scenario",
        callerSays: typeof scenario.report?.callerSays === "string" ? scenario.report.callerSays : null,
        drill,
      }),
    },
  ]);
  if (row?.status === "pending") await queueRowDeliveries(deps, [row]);
}

async function invite(deps: Deps, incident: { id: string; channelId: string }, user: string) {
  try {
    await deps.slack.conversations.invite({ channel: incident.channelId, users: user });
  } catch (err) {
    const code = slackErrorCode(err);
    if (code === null) throw err; // network or rate limit: the set-up job is retried
    if (code !== "already_in_channel")
      deps.logger.warn({ incidentId: incident.id, code }, "drill participant not invited");
  }
}
