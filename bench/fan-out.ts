import { and, eq } from "drizzle-orm";
import { type IncidentRow, outbox } from "../src/db/schema/index.js";
import { CHANNEL_PACE } from "../src/delivery/pacing.js";
import { outboxIdsOf } from "../src/delivery/post.js";
import { postStakeholderUpdate } from "../src/services/notes-and-updates.js";
import { loadIncident, makeIncident, setupCompleted } from "../test/helpers/factories.js";
import { type Harness, startHarness, USERS } from "../test/helpers/harness.js";
import { percentiles } from "./lib/load.js";
import { benchRedis, deletePrefix } from "./lib/redis.js";
import { conditions, figure, heading, machineFacts, ms, percentileLine, verdict } from "./lib/report.js";

const CHANNELS = 20;
const TYPE = "service_failure";
/** The fake enforces Slack's chat.postMessage limit: about one a second per channel, short bursts. */
const SLACK_LIMIT = { perSecond: 1, burst: 3 };
const SINGLE_ROUNDS = 10;
const BURST_ROUNDS = 3;
const BURST_SIZE = 3;
/** Work allowance on top of the rate-limit bound: the posts, each a claim, a call and a record. */
const ALLOWANCE_MS = 1_000;
const ROUND_TIMEOUT_MS = 20_000;
/** Idle time before each round, so every channel's turn is free again (pacing and the fake's bucket). */
const QUIET_MS = 3_000;

interface Round {
  /** Start of the round (the first update's call) → last post accepted by the fake. */
  lastMs: number;
  posts: number;
  /** Channels that did not get exactly `expected` posts for this round. */
  wrong: number;
  failed: number;
}

const sleep = (msec: number) => new Promise((r) => setTimeout(r, msec));

async function updateRows(h: Harness, incidentId: string) {
  return h.system.deps.db
    .select()
    .from(outbox)
    .where(and(eq(outbox.incidentId, incidentId), eq(outbox.purpose, "stakeholder_update")));
}

/** `updates` stakeholder updates back to back; waits for every post, then checks one message per channel each. */
async function round(h: Harness, incident: IncidentRow, updates: number, seen: Set<string>): Promise<Round> {
  const deps = h.system.deps;
  const started = Date.now();
  for (let i = 0; i < updates; i++) {
    const outcome = await postStakeholderUpdate(deps, {
      incidentId: incident.id,
      actor: USERS.agent,
      happening: `Carrier rerouting, step ${i + 1}.`,
      customerImpact: "Some callers hear a busy tone.",
      nextUpdateAt: new Date(Date.now() + 3_600_000),
    });
    if (!outcome.ok) throw new Error(`update refused: ${JSON.stringify(outcome)}`);
  }
  const expected = updates * (CHANNELS + 1); // the stakeholder channels and the incident's own
  const deadline = started + ROUND_TIMEOUT_MS;
  let rows = (await updateRows(h, incident.id)).filter((r) => !seen.has(r.id));
  while ((rows.length < expected || rows.some((r) => r.status === "pending")) && Date.now() < deadline) {
    await sleep(50);
    rows = (await updateRows(h, incident.id)).filter((r) => !seen.has(r.id));
  }
  for (const r of rows) seen.add(r.id);
  const ids = new Set(rows.map((r) => r.id));
  const accepted = h.slack.callsTo("chat.postMessage").filter((c) => {
    return c.ok && outboxIdsOf(c.args.metadata).some((id) => ids.has(id));
  });
  const perChannel = new Map<string, number>();
  for (const m of h.slack.messages) {
    if (outboxIdsOf(m.metadata).some((id) => ids.has(id)))
      perChannel.set(m.channel, (perChannel.get(m.channel) ?? 0) + 1);
  }
  const channels = [...(deps.policy.incidentTypes[TYPE]?.stakeholderChannels ?? []), incident.channelId!];
  const wrong = channels.filter((c) => perChannel.get(c) !== updates).length;
  return {
    lastMs: accepted.length > 0 ? Math.max(...accepted.map((c) => c.at)) - started : Number.NaN,
    posts: accepted.length,
    wrong,
    failed: rows.filter((r) => r.status !== "sent").length + Math.max(0, expected - rows.length),
  };
}

function printConditions(): void {
  conditions([
    ...machineFacts(),
    "system: startHarness() — role all (Bolt receiver + job worker), one Node process shared with the fake Slack; fresh database from the bench template, its own Redis queue prefix",
    `policy: incident type ${TYPE} with ${CHANNELS} stakeholder channels (new channels of the fake workspace, set as the type's stakeholder_channels before the incident); one incident, set up and announced first (its ${CHANNELS} announcements are the warm-up)`,
    `update: postStakeholderUpdate() (what the Post-update form calls after parsing): one transaction writes the update and one outbox row per channel (${CHANNELS} stakeholder channels + the incident channel = ${CHANNELS + 1} posts), then queues one slack.deliver job each (the slack queue runs 10 at a time)`,
    `Slack limit: the fake enforces ${SLACK_LIMIT.perSecond} chat.postMessage/s per channel with bursts of ${SLACK_LIMIT.burst} (429 + Retry-After beyond); the bot paces itself per channel to ${CHANNEL_PACE.burst} posts at once, then one per ${CHANNEL_PACE.gapMs} ms`,
    `time to last post: from the round's first update call to the last of its posts accepted by the fake (the fake's call time); ${QUIET_MS / 1000} s of quiet before each round so every channel's turn is free`,
    `single: ${SINGLE_ROUNDS} rounds of one update → one post per channel; the rate limit allows them all at once (bound 0 s); target p99 ≤ bound + ${ALLOWANCE_MS} ms for the work`,
    `burst: ${BURST_ROUNDS} rounds of ${BURST_SIZE} updates back to back → ${BURST_SIZE} posts per channel; Slack's limit would allow ${SLACK_LIMIT.burst} at once (bound ${Math.max(0, BURST_SIZE - SLACK_LIMIT.burst) / SLACK_LIMIT.perSecond} s), the bot's pacing allows ${CHANNEL_PACE.burst} at once, then one per ${CHANNEL_PACE.gapMs} ms (bound ${pacingBound() / 1000} s); target p99 ≤ pacing bound + ${ALLOWANCE_MS} ms`,
    "every round checks exactly one message per update per channel (by the outbox id each post carries)",
  ]);
}

function report(label: string, rounds: Round[]): { p99: number; wrong: number; failed: number } {
  const p = percentiles(rounds.map((r) => r.lastMs).filter((v) => Number.isFinite(v)));
  const wrong = rounds.reduce((n, r) => n + r.wrong, 0);
  const failed = rounds.reduce((n, r) => n + r.failed, 0);
  figure(percentileLine(`${label}: time to last post`, p));
  figure(
    `${label}: posts accepted ${rounds.reduce((n, r) => n + r.posts, 0)}, channels without exactly one message per update ${wrong}, posts not sent ${failed}; per round ${rounds.map((r) => ms(r.lastMs)).join(", ")}`,
  );
  return { p99: p.p99, wrong, failed };
}

/** Benchmark: one stakeholder update fanned out to 20 channels under Slack's per-channel limit. */
export async function fanOut(): Promise<boolean> {
  heading(`Fan-out (one update to ${CHANNELS} stakeholder channels)`);
  printConditions();
  const h = await startHarness();
  const redis = benchRedis();
  try {
    const deps = h.system.deps;
    const channels = Array.from({ length: CHANNELS }, (_, i) =>
      h.slack.addChannel(`bench-fanout-${String(i + 1).padStart(2, "0")}`),
    );
    deps.policy.incidentTypes[TYPE]!.stakeholderChannels = channels;
    h.slack.setChannelRateLimit(SLACK_LIMIT);
    const { incident: logged } = await makeIncident(deps, { title: "Bench fan-out" });
    await setupCompleted(deps, logged.id);
    const incident = await loadIncident(deps, logged.id);
    await h.slack.waitFor(() => channels.every((c) => h.slack.messagesIn(c).length > 0), {
      timeoutMs: ROUND_TIMEOUT_MS,
    });

    const seen = new Set<string>();
    const single: Round[] = [];
    for (let i = 0; i < SINGLE_ROUNDS; i++) {
      await sleep(QUIET_MS);
      single.push(await round(h, incident, 1, seen));
    }
    const burst: Round[] = [];
    for (let i = 0; i < BURST_ROUNDS; i++) {
      await sleep(QUIET_MS);
      burst.push(await round(h, incident, BURST_SIZE, seen));
    }
    const s = report("single", single);
    const b = report(`burst of ${BURST_SIZE}`, burst);
    const limited = h.slack
      .callsTo("chat.postMessage")
      .filter((c) => c.status === 429 && channels.includes(String(c.args.channel))).length;
    figure(`429s from the fake on the stakeholder channels: ${limited}`);

    const burstBound = pacingBound();
    const a = verdict(
      `single update: p99 time to last of ${CHANNELS + 1} posts ≤ ${ALLOWANCE_MS} ms (bound 0 s + allowance), exactly one message per channel`,
      s.p99 <= ALLOWANCE_MS && s.wrong === 0 && s.failed === 0,
      `p99 ${ms(s.p99)}, wrong channels ${s.wrong}, not sent ${s.failed}`,
    );
    const c = verdict(
      `${BURST_SIZE} updates back to back: p99 time to last post ≤ ${burstBound + ALLOWANCE_MS} ms (pacing bound ${burstBound / 1000} s + allowance), exactly one message per update per channel`,
      b.p99 <= burstBound + ALLOWANCE_MS && b.wrong === 0 && b.failed === 0,
      `p99 ${ms(b.p99)}, wrong channels ${b.wrong}, not sent ${b.failed}`,
    );
    return a && c;
  } finally {
    await h.stop();
    await deletePrefix(redis, h.config.queuePrefix);
    await redis.quit();
  }
}

/** When the last of BURST_SIZE posts to one channel may go, by the bot's own pacing. */
function pacingBound(): number {
  return Math.max(0, BURST_SIZE - CHANNEL_PACE.burst) * CHANNEL_PACE.gapMs;
}
