import { and, eq, inArray, isNotNull } from "drizzle-orm";
import { isUserTarget, practiceRedirect, redirectedMessage } from "../../domain/practice-redirect.js";
import { practiceDm } from "../../messages/practice-intro.js";
import type { DbOrTx } from "../client.js";
import { incidents, practiceRuns } from "../schema/index.js";
import type { NewOutboxMessage } from "./outbox-message.js";

/**
 * Posts about practice drills, sent where a drill may post (practiceRedirect): every outbox
 * row is written through here (upsertClaimedOutboxRows), so no service can post a drill's
 * notice to a real channel or DM a non-participant, whichever one writes it. One read of the
 * drills among the rows' incidents; rows of real incidents come back as they were.
 */
export async function redirectPracticePosts(
  db: DbOrTx,
  rows: NewOutboxMessage[],
): Promise<NewOutboxMessage[]> {
  const ids = [...new Set(rows.flatMap((r) => (r.incidentId ? [r.incidentId] : [])))];
  if (ids.length === 0) return rows;
  const drills = await db
    .select({
      id: incidents.id,
      practiceRunId: incidents.practiceRunId,
      channelId: incidents.channelId,
      workingChannelId: incidents.workingChannelId,
      threadTs: incidents.threadTs,
      leadId: practiceRuns.leadId,
      traineeIds: practiceRuns.traineeIds,
    })
    .from(incidents)
    .leftJoin(practiceRuns, eq(practiceRuns.id, incidents.practiceRunId))
    .where(and(inArray(incidents.id, ids), isNotNull(incidents.practiceRunId)));
  if (drills.length === 0) return rows;
  const byId = new Map(drills.map((d) => [d.id, d]));
  return rows.map((row) => {
    const drill = row.incidentId ? byId.get(row.incidentId) : undefined;
    if (!drill) return row;
    const run = drill.leadId ? { leadId: drill.leadId, traineeIds: drill.traineeIds ?? [] } : null;
    const thread = row.message.thread_ts;
    const decision = practiceRedirect(drill, run, {
      channel: row.channel,
      threadTs: typeof thread === "string" ? thread : null,
      purpose: row.purpose,
    });
    // A DM to a participant goes as written, marked PRACTICE (practiceDm).
    if (decision.kind === "send")
      return isUserTarget(row.channel) ? { ...row, message: practiceDm(row.message) } : row;
    return { ...row, channel: decision.channel, message: redirectedMessage(row.message, decision) };
  });
}
