import { appendLogOnce } from "../db/queries/incident-log.js";
import {
  bumpChannelNameAttempt,
  getIncidentByChannel,
  getIncidentById,
  markSetupCompleted,
  setIncidentChannel,
  setWorkingChannel,
} from "../db/queries/incidents.js";
import { upsertOutboxRows } from "../db/queries/outbox.js";
import type { IncidentRow } from "../db/schema/index.js";
import { outboxKey } from "../delivery/purposes.js";
import { queueRowDeliveries } from "../delivery/queue.js";
import { RetryLater } from "../delivery/retry-later.js";
import { deliverOutbox } from "../delivery/row.js";
import { slackErrorCode } from "../delivery/slack-errors.js";
import { incidentChannelName, practiceChannelName } from "../domain/channel-name.js";
import { SYSTEM_ACTOR } from "../domain/log.js";
import { typeLabel, workingChannelOf } from "../domain/policy-types.js";
import { formatReference } from "../domain/reference.js";
import { getsOwnChannel } from "../domain/work-place.js";
import { jobIds } from "../jobs/catalog.js";
import { ensureJob } from "../jobs/ensure-job.js";
import { incidentAnnouncement, reporterNotice } from "../messages/incident-card.js";
import { inviteOwner } from "./channel-members.js";
import { stakeholderChannelsFor } from "./communicate.js";
import type { Deps } from "./deps.js";
import { queueExternal, writeExternalDeliveries } from "./external-comms.js";
import { postPlaybookChecklist } from "./playbook.js";
import { schedulePracticeInjects } from "./practice-injects.js";
import { equipPracticeChannel } from "./practice-setup.js";
import { queuePromotion } from "./promotion-queue.js";

export type WithChannel = IncidentRow & { channelId: string };

/** Past this many `name_taken` answers something is wrong; stop and let the retry back off. */
const MAX_NAME_ATTEMPTS = 50;

/**
 * The intake follow-up for a committed incident, as two jobs. This first one opens the channel
 * and queues the stakeholder announcements, the part people outside the channel wait for; it
 * then queues `finishSetUp` on a queue of its own, so that in a flood of incidents the slower
 * rest of the set-up (invite, card, pin, playbook) never holds up the next incident's
 * announcements. Every step checks PostgreSQL (or treats Slack's "already" answers as success)
 * before acting, so running either job again after a crash at any point finishes the work
 * without a second channel or a second post; until the set-up is complete, the sweep queues
 * this job again, and this job the next.
 */
export async function setUpIncident(deps: Deps, incidentId: string): Promise<void> {
  const logged = await getIncidentById(deps.db, incidentId);
  if (!logged || logged.setupCompletedAt) return;
  const incident = setsUpChannel(deps, logged)
    ? await ensureChannel(deps, logged)
    : await toThread(deps, logged);
  await queueAnnouncements(deps, incident);
  // A drill's script starts once its channel exists (a retry finds the injects written).
  if (incident.practiceRunId) await schedulePracticeInjects(deps, incident);
  await ensureJob(
    deps,
    "incident.finish-setup",
    { incidentId },
    {
      jobId: jobIds.finishSetup(incidentId),
      stillDue: async () => !(await getIncidentById(deps.db, incidentId))?.setupCompletedAt,
    },
  );
}

/** The rest of a new incident's set-up, once its channel exists (see setUpIncident). */
export async function finishSetUp(deps: Deps, incidentId: string): Promise<void> {
  const logged = await getIncidentById(deps.db, incidentId);
  if (!logged || logged.setupCompletedAt) return;
  if (!setsUpChannel(deps, logged)) return finishInThread(deps, logged);
  const incident = await ensureChannel(deps, logged);
  const card = await equipChannel(deps, incident);
  if (!card) return markSetupCompleted(deps.db, incident.id);
  await markSetupCompleted(deps.db, incident.id, {
    actor: SYSTEM_ACTOR,
    kind: "summary_pinned",
    details: { channel: card.channel, ts: card.ts },
  });
}

/**
 * A channel of its own, as set-up and promotion give it: the reporter and owner invited, the
 * card posted (an incident promoted from a thread gets a card of its own in the channel) with
 * the checklist under it, and the card pinned. Returns the pinned card, or null when it could
 * not be posted (the failure is on record).
 */
export async function equipChannel(
  deps: Deps,
  incident: WithChannel,
): Promise<{ channel: string; ts: string } | null> {
  await inviteReporter(deps, incident);
  await inviteOwner(deps, incident);
  // A routine incident's first card is the one in the working channel (posted, or refused).
  const routine = incident.threadTs || incident.workingChannelId;
  const key = routine ? outboxKey.channelCard(incident.id) : outboxKey.summaryCard(incident.id);
  const card = await ensureSummaryCard(deps, incident, incident.channelId, key);
  // After the card, so the checklist sits right under it in the channel.
  await postPlaybookChecklist(deps, incident);
  // A drill's lead and trainees join, and its intro says what the drill is and how to end it.
  if (incident.practiceRunId) await equipPracticeChannel(deps, incident);
  if (!card) return null;
  try {
    await deps.slack.pins.add({ channel: card.channel, timestamp: card.ts });
  } catch (err) {
    if (slackErrorCode(err) !== "already_pinned") throw err;
  }
  return card;
}

/**
 * Whether set-up gives the incident a channel of its own. Once it has one, or a thread, that
 * stays; until then the policy decides from its priority now (`incident_channel`).
 */
function setsUpChannel(deps: Deps, incident: IncidentRow): boolean {
  if (incident.channelId) return true;
  if (incident.threadTs) return false;
  // A drill is always worked in a practice channel of its own, never in a shared thread.
  if (incident.practiceRunId) return true;
  return getsOwnChannel(deps.policy, incident);
}

/** The incident as it will be worked in a thread of its type's working channel. */
function inThread(deps: Deps, incident: IncidentRow): IncidentRow {
  return {
    ...incident,
    workingChannelId: incident.workingChannelId ?? workingChannelOf(deps.policy, incident.type),
  };
}

/** Records the working channel of an incident to be worked in a thread there (see finishInThread). */
async function toThread(deps: Deps, incident: IncidentRow): Promise<IncidentRow> {
  const placed = inThread(deps, incident);
  if (placed.workingChannelId && !incident.workingChannelId)
    await setWorkingChannel(deps.db, { id: incident.id, channelId: placed.workingChannelId });
  return placed;
}

/**
 * A routine incident's set-up: its card in the working channel (recording it makes the card's
 * ts the incident's thread), then the checklist in that thread. Nobody is invited and nothing
 * is pinned: the working channel is shared by every routine incident of its types. Should its
 * priority have risen into the `incident_channel` set meanwhile, it is promoted right away.
 */
async function finishInThread(deps: Deps, logged: IncidentRow): Promise<void> {
  const working = inThread(deps, logged).workingChannelId;
  if (!working) throw new Error("no working channel for a routine incident");
  const card = await ensureSummaryCard(deps, logged, working, outboxKey.summaryCard(logged.id));
  const placed = (await getIncidentById(deps.db, logged.id)) ?? logged;
  if (!card) {
    // The working channel refused the card for good (archived, gone): rather than leave the
    // incident with nowhere to be worked, it gets a channel of its own (the failure is on record).
    deps.logger.warn(
      { incidentId: logged.id, reference: formatReference(logged.number), channel: working },
      "card not posted in the working channel; opening a channel instead",
    );
    const incident = await ensureChannel(deps, placed);
    const pinned = await equipChannel(deps, incident);
    return markSetupCompleted(
      deps.db,
      incident.id,
      pinned
        ? { actor: SYSTEM_ACTOR, kind: "summary_pinned", details: { channel: pinned.channel, ts: pinned.ts } }
        : undefined,
    );
  }
  await postPlaybookChecklist(deps, placed);
  await markSetupCompleted(deps.db, logged.id);
  if (!placed.channelId && getsOwnChannel(deps.policy, placed))
    await queuePromotion(deps, { incidentId: logged.id, actor: SYSTEM_ACTOR, via: "priority" });
}

/**
 * Opens the incident's channel (set-up, or promotion with `entry` logged instead of
 * `channel_created`); a retry after a crash finds it or adopts the one created.
 */
export async function ensureChannel(
  deps: Deps,
  incident: IncidentRow,
  entry?: { actor: string; kind: "promoted_to_channel"; details: Record<string, unknown> },
): Promise<WithChannel> {
  if (incident.channelId) return incident as WithChannel;
  const reference = formatReference(incident.number);
  for (let attempt = incident.channelNameAttempt; attempt < MAX_NAME_ATTEMPTS; attempt++) {
    const name = (incident.practiceRunId ? practiceChannelName : incidentChannelName)(
      reference,
      incident.title,
      attempt,
    );
    const created = await createOrAdopt(deps, incident, name);
    if (created) {
      const won = await setIncidentChannel(
        deps.db,
        { id: incident.id, channelId: created, channelName: name },
        entry
          ? { ...entry, details: { ...entry.details, channel: created, name } }
          : { actor: SYSTEM_ACTOR, kind: "channel_created", details: { channel: created, name } },
      );
      if (won) return { ...incident, channelId: created, channelName: name };
      // Another run of this job set the channel first: carry on with the one it recorded.
      return (await getIncidentById(deps.db, incident.id)) as WithChannel;
    }
    await bumpChannelNameAttempt(deps.db, incident.id, attempt + 1);
  }
  throw new RetryLater(null, `no free channel name after ${MAX_NAME_ATTEMPTS} attempts`);
}

/**
 * Creates the channel, or, when the name is taken by a channel this bot created for this
 * incident on an earlier try whose answer was lost, adopts it. Returns null when the name
 * belongs to someone else.
 */
async function createOrAdopt(deps: Deps, incident: IncidentRow, name: string): Promise<string | null> {
  try {
    const res = await deps.slack.conversations.create({ name, is_private: isPrivate(deps) });
    return res.channel?.id ?? null;
  } catch (err) {
    if (slackErrorCode(err) !== "name_taken") throw err;
  }
  const existing = await findChannelByName(deps, name);
  const ours =
    existing &&
    existing.creator === deps.botUserId &&
    (existing.created ?? 0) * 1000 >= incident.loggedAt.getTime() - 60_000 &&
    !(await getIncidentByChannel(deps.db, existing.id));
  return ours ? existing.id : null;
}

/** Whether the policy makes incident channels private (only the people invited see them). */
function isPrivate(deps: Deps): boolean {
  return deps.policy.incidentChannels === "private";
}

async function findChannelByName(deps: Deps, name: string) {
  let cursor: string | undefined;
  do {
    // A private channel is listed to its members only; the bot created it, so it is one.
    const page = await deps.slack.conversations.list({
      types: isPrivate(deps) ? "private_channel" : "public_channel",
      exclude_archived: true,
      limit: 1000,
      cursor,
    });
    const hit = page.channels?.find((c) => c.name === name);
    if (hit?.id) return { id: hit.id, creator: hit.creator, created: hit.created };
    cursor = page.response_metadata?.next_cursor || undefined;
  } while (cursor);
  return null;
}

async function inviteReporter(deps: Deps, incident: WithChannel): Promise<void> {
  if (incident.reporterId === deps.botUserId) return;
  try {
    await deps.slack.conversations.invite({ channel: incident.channelId, users: incident.reporterId });
  } catch (err) {
    const code = slackErrorCode(err);
    if (code !== "already_in_channel") {
      if (code === null) throw err; // network or rate limit: retry the job
      deps.logger.warn({ incidentId: incident.id, code }, "reporter not invited");
      return;
    }
  }
  await appendLogOnce(deps.db, {
    incidentId: incident.id,
    actor: SYSTEM_ACTOR,
    kind: "reporter_invited",
    details: { user: incident.reporterId, channel: incident.channelId },
  });
}

/**
 * Posts the responder card (its `ts` becomes the incident's card as the post is recorded);
 * returns where it landed, or null when it could not be posted (the failure is on record).
 */
async function ensureSummaryCard(
  deps: Deps,
  incident: IncidentRow,
  channel: string,
  dedupeKey: string,
): Promise<{ channel: string; ts: string } | null> {
  const [row] = await upsertOutboxRows(deps.db, [
    {
      incidentId: incident.id,
      dedupeKey,
      purpose: "summary_card",
      channel,
      // Rendered at delivery from the current row, so the outbox never holds personal data.
      message: {},
    },
  ]);
  if (!row) throw new Error("summary outbox row missing");
  const outcome = await deliverOutbox(deps, row.id, row);
  return outcome.status === "sent" ? { channel: outcome.channel, ts: outcome.ts } : null;
}

async function queueAnnouncements(deps: Deps, incident: IncidentRow): Promise<void> {
  const ctx = { typeLabel: typeLabel(deps.policy, incident.type), timezone: deps.policy.timezone };
  const announcement = incidentAnnouncement(incident, ctx);
  const channels = stakeholderChannelsFor(deps, incident).filter((c) => c.hears("logged"));
  const rows = await upsertOutboxRows(deps.db, [
    ...channels.map(({ id: channel }) => ({
      incidentId: incident.id,
      dedupeKey: outboxKey.announcement(incident.id, channel),
      purpose: "announcement",
      channel,
      message: announcement,
    })),
    {
      incidentId: incident.id,
      dedupeKey: outboxKey.reporterNotice(incident.id),
      purpose: "reporter_notice",
      channel: incident.reporterId,
      message: reporterNotice(incident),
    },
  ]);
  await queueRowDeliveries(deps, rows);
  // The plan's audiences outside Slack hear of it too (once: keyed by the incident).
  const external = await writeExternalDeliveries(
    deps.db,
    deps,
    incident,
    { milestone: "logged", by: incident.reporterId },
    { occasion: "logged", occurredAt: incident.loggedAt },
  );
  await queueExternal(deps, external);
}
