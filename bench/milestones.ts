import { and, inArray } from "drizzle-orm";
import { outbox } from "../src/db/schema/index.js";
import { CHANNEL_PACE } from "../src/delivery/pacing.js";
import { outboxIdsOf } from "../src/delivery/post.js";
import { changeStatus } from "../src/services/lifecycle.js";
import { makeIncident, setupCompleted } from "../test/helpers/factories.js";
import { startHarness, USERS } from "../test/helpers/harness.js";
import { benchRedis, deletePrefix } from "./lib/redis.js";
import { conditions, figure, heading, machineFacts, ms, verdict } from "./lib/report.js";

const INCIDENTS = 100;
const CHANNELS = 3;
const TYPE = "service_failure";
/** The resolutions are spread evenly over this window. */
const WINDOW_MS = 60_000;
/** The fake enforces Slack's chat.postMessage limit: about one a second per channel, short bursts. */
const SLACK_LIMIT = { perSecond: 1, burst: 3 };
/** Work allowance on top of the pacing bound, for the posts' claims, calls and records. */
const ALLOWANCE_MS = 1_000;
const DRAIN_TIMEOUT_MS = 120_000;

const sleep = (msec: number) => new Promise((r) => setTimeout(r, msec));

/**
 * Benchmark: a storm of milestones. 100 incidents resolved within one minute, each told to
 * three stakeholder channels: every notice once, each channel's posts within Slack's rate
 * limit (several waiting notices go out as one roundup), and how long after the last
 * resolution the last notice landed.
 */
export async function milestoneStorm(): Promise<boolean> {
  heading(
    `Milestone storm (${INCIDENTS} incidents resolved within ${WINDOW_MS / 1000} s, ${CHANNELS} channels each)`,
  );
  conditions([
    ...machineFacts(),
    "system: startHarness() — role all (Bolt receiver + job worker), one Node process shared with the fake Slack; fresh database from the bench template, its own Redis queue prefix",
    `policy: incident type ${TYPE} with ${CHANNELS} stakeholder channels, every milestone heard; ${INCIDENTS} incidents logged and set up first (their announcements are the warm-up)`,
    `storm: changeStatus(resolve) for each incident, one every ${WINDOW_MS / INCIDENTS} ms; each writes one milestone notice per stakeholder channel (${INCIDENTS * CHANNELS} in all), a line in the incident's channel and a DM to its reporter, in the resolving transaction`,
    `Slack limit: the fake enforces ${SLACK_LIMIT.perSecond} chat.postMessage/s per channel with bursts of ${SLACK_LIMIT.burst} (429 + Retry-After beyond); the bot paces itself per channel to ${CHANNEL_PACE.burst} posts at once, then one per ${CHANNEL_PACE.gapMs} ms, and posts the notices waiting for a channel's turn as one roundup`,
    `bound: a notice written after a channel's turn waits for the next one, ${CHANNEL_PACE.gapMs} ms later; target: last notice ≤ last resolution + ${CHANNEL_PACE.gapMs} ms + ${ALLOWANCE_MS} ms for the work, and no channel above ${SLACK_LIMIT.perSecond} post/s over the storm (plus its burst)`,
  ]);
  const h = await startHarness();
  const redis = benchRedis();
  try {
    const deps = h.system.deps;
    const channels = Array.from({ length: CHANNELS }, (_, i) =>
      h.slack.addChannel(`bench-milestones-${i + 1}`),
    );
    deps.policy.incidentTypes[TYPE]!.stakeholderChannels = channels;
    h.slack.setChannelRateLimit(SLACK_LIMIT);
    const ids: string[] = [];
    for (let i = 0; i < INCIDENTS; i++) {
      const { incident } = await makeIncident(deps, { title: `Bench milestone ${i + 1}`, type: TYPE });
      ids.push(incident.id);
    }
    for (const id of ids) await setupCompleted(deps, id, DRAIN_TIMEOUT_MS);
    await drained(h, ids, ["announcement"]);
    await sleep(3_000);

    const started = Date.now();
    for (const [i, id] of ids.entries()) {
      const due = started + (i * WINDOW_MS) / INCIDENTS;
      if (due > Date.now()) await sleep(due - Date.now());
      const outcome = await changeStatus(deps, {
        incidentId: id,
        actor: USERS.lead,
        action: "resolve",
        resolution: { summary: "Carrier rerouted the calls", closeCode: "fixed" },
      });
      if (!outcome.ok) throw new Error(`resolve refused: ${outcome.message}`);
    }
    const lastResolve = Date.now();
    const rows = await drained(h, ids, ["milestone"]);

    const byId = new Map(rows.map((r) => [r.id, r]));
    const seen = new Map<string, number>();
    const perChannel = new Map<string, number[]>();
    for (const call of h.slack.callsTo("chat.postMessage")) {
      if (!call.ok) continue;
      const carried = outboxIdsOf(call.args.metadata).filter((id) => byId.has(id));
      if (carried.length === 0) continue;
      for (const id of carried) seen.set(id, (seen.get(id) ?? 0) + 1);
      const channel = String(call.args.channel);
      perChannel.set(channel, [...(perChannel.get(channel) ?? []), call.at]);
    }
    const lost = rows.filter((r) => !seen.has(r.id)).length + Math.max(0, INCIDENTS * CHANNELS - rows.length);
    const doubled = [...seen.values()].filter((n) => n > 1).length;
    const lastNotice = Math.max(...[...perChannel.values()].flat());
    const overRate = [...perChannel.entries()].filter(([, at]) => {
      const spanS = (Math.max(...at) - Math.min(...at)) / 1000;
      return at.length > SLACK_LIMIT.burst + Math.ceil(spanS * SLACK_LIMIT.perSecond);
    }).length;
    const limited = h.slack
      .callsTo("chat.postMessage")
      .filter((c) => c.status === 429 && channels.includes(String(c.args.channel))).length;
    for (const [channel, at] of perChannel)
      figure(
        `${channel}: ${at.length} posts carrying ${rows.filter((r) => r.channel === channel).length} notices`,
      );
    figure(
      `resolutions took ${ms(lastResolve - started)}; last notice ${ms(lastNotice - lastResolve)} after the last resolution`,
    );
    figure(
      `notices ${rows.length}, lost ${lost}, doubled ${doubled}; 429s from the fake on these channels ${limited}`,
    );
    const bound = CHANNEL_PACE.gapMs + ALLOWANCE_MS;
    return verdict(
      `${INCIDENTS * CHANNELS} notices, each once, within the rate limit; last ≤ ${bound} ms after the last resolution`,
      lost === 0 && doubled === 0 && overRate === 0 && lastNotice - lastResolve <= bound,
      `lost ${lost}, doubled ${doubled}, channels over the rate ${overRate}, last ${ms(lastNotice - lastResolve)}`,
    );
  } finally {
    await h.stop();
    await deletePrefix(redis, h.config.queuePrefix);
    await redis.quit();
  }
}

/** Waits until no row of these purposes for these incidents is pending; returns them. */
async function drained(h: Awaited<ReturnType<typeof startHarness>>, ids: string[], purposes: string[]) {
  const deadline = Date.now() + DRAIN_TIMEOUT_MS;
  for (;;) {
    const rows = await h.system.deps.db
      .select()
      .from(outbox)
      .where(and(inArray(outbox.incidentId, ids), inArray(outbox.purpose, purposes)));
    if (rows.every((r) => r.status !== "pending") || Date.now() > deadline) return rows;
    await sleep(100);
  }
}
