import type { IncidentRow } from "../src/db/schema/index.js";
import { CARD_ACTION } from "../src/messages/ids.js";
import { loadIncident, makeIncident, setupCompleted } from "../test/helpers/factories.js";
import { type Harness, startHarness, USERS } from "../test/helpers/harness.js";
import { buttonClick, slashCommand } from "../test/helpers/slack-payloads.js";
import { formBody, payloadBody, signedPost } from "../test/helpers/slack-sign.js";
import { type LoadResult, percentiles, runLoad } from "./lib/load.js";
import { contentionLevel, measuredWindow } from "./lib/machine-load.js";
import { benchRedis, deletePrefix } from "./lib/redis.js";
import {
  conditions,
  figure,
  heading,
  loopDelay,
  machineFacts,
  ms,
  percentileLine,
  verdict,
} from "./lib/report.js";

const CLICK_TARGETS = 5;
const WARM_UP = { rate: 20, durationMs: 2_000 };
const STEADY = { rate: 100, durationMs: 30_000, p99TargetMs: 50 };
const SPIKE = { rate: 300, durationMs: 10_000, maxTargetMs: 2_000 };
const SETTLE_MS = 3_000;

interface PhaseOutcome {
  result: LoadResult;
  failed: number;
}

/** `/incident` with no text: the bot acks, then opens the Log form with a fresh trigger. */
function sendCommand(h: Harness): Promise<Response> {
  const body = formBody(
    slashCommand({
      text: "",
      user: USERS.agent,
      channel: h.channels.floor,
      triggerId: h.slack.issueTrigger({ user: USERS.agent }),
      responseUrl: h.slack.responseUrl(),
    }),
  );
  return signedPost(h.eventsUrl, body);
}

/** "Take ownership" on an incident card: the first click wins, later ones change nothing. */
function sendClick(h: Harness, incident: IncidentRow): Promise<Response> {
  const payload = buttonClick({
    user: USERS.agent,
    channel: incident.channelId ?? h.channels.floor,
    messageTs: incident.summaryTs ?? "1700000000.000100",
    actionId: CARD_ACTION.takeOwnership,
    value: incident.id,
    triggerId: h.slack.issueTrigger({ user: USERS.agent }),
    responseUrl: h.slack.responseUrl(),
  });
  return signedPost(h.eventsUrl, payloadBody(payload));
}

/** Alternates commands and clicks (50/50), the clicks spread over the target incidents. */
function mixedSender(h: Harness, targets: IncidentRow[]): () => Promise<Response> {
  let n = 0;
  return () => {
    n += 1;
    return n % 2 === 0 ? sendCommand(h) : sendClick(h, targets[(n >> 1) % targets.length]!);
  };
}

async function clickTargets(h: Harness): Promise<IncidentRow[]> {
  const deps = h.system.deps;
  const made = await Promise.all(
    Array.from({ length: CLICK_TARGETS }, (_, i) => makeIncident(deps, { title: `Bench click target ${i}` })),
  );
  await Promise.all(made.map((m) => setupCompleted(deps, m.incident.id)));
  return Promise.all(made.map((m) => loadIncident(deps, m.incident.id)));
}

/** views.open outcomes since `from` (the follow-up of each command). */
function viewsOpened(h: Harness, from: number): string {
  const counts = new Map<string, number>();
  for (const call of h.slack.callsTo("views.open").slice(from)) {
    const key = call.ok ? "ok" : (call.error ?? `HTTP ${call.status}`);
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts].map(([k, v]) => `${k} ${v}`).join(", ") || "none";
}

async function phase(
  h: Harness,
  name: string,
  load: { rate: number; durationMs: number },
  send: () => Promise<Response>,
): Promise<PhaseOutcome> {
  const opened = h.slack.callsTo("views.open").length;
  const delay = loopDelay();
  const from = Date.now();
  const result = await runLoad({ ...load, send });
  measuredWindow(name, from, Date.now());
  const loop = delay.stop();
  await new Promise((r) => setTimeout(r, SETTLE_MS)); // let the follow-ups of the last requests finish
  const bad = result.samples.filter((s) => s.status !== 200);
  const failed = bad.length + result.unanswered;
  const statuses = [...new Set(bad.map((s) => (s.status === 0 ? (s.error ?? "error") : `HTTP ${s.status}`)))];
  console.log(
    `  -- ${name}: ${load.rate} req/s for ${load.durationMs / 1000} s = ${result.scheduled} requests`,
  );
  figure(
    percentileLine(
      "ack latency",
      percentiles(result.samples.filter((s) => s.status === 200).map((s) => s.latencyMs)),
    ),
  );
  figure(
    `non-200/failed ${bad.length}${statuses.length ? ` (${statuses.join("; ")})` : ""}, unanswered ${result.unanswered}`,
  );
  figure(`generator: worst send lag behind schedule ${ms(result.maxSendLagMs)}; ${loop}`);
  figure(`follow-up views.open (after the ack): ${viewsOpened(h, opened)}`);
  return { result, failed };
}

function printConditions(): void {
  conditions([
    ...machineFacts(),
    "system: startHarness() — role all (Bolt receiver + job worker), the harness's test policy, fresh database copied from switchboard_test, its own Redis queue prefix",
    "same process: the fake Slack (which validates every view against Block Kit's JSON schema), the bot's follow-up work after each ack (views.open, response_url posts, PostgreSQL transactions), the job worker and this load generator share ONE Node process and event loop on this machine's CPUs — they compete for the CPU, so the figures are pessimistic for the receiver alone",
    `mix: 50% signed \`/incident\` slash commands (empty text: ack, then views.open of the Log form with a fresh trigger) and 50% Take ownership clicks on ${CLICK_TARGETS} incidents (first click wins; later clicks change nothing)`,
    "latency: open loop (requests leave at fixed intervals whatever the answers), from each request's scheduled start to the arrival of the HTTP status (fetch over keep-alive to 127.0.0.1)",
    `warm-up: ${WARM_UP.rate} req/s for ${WARM_UP.durationMs / 1000} s, not measured`,
  ]);
}

/** Beside BENCH_CONTENTION's burners: no request answered later than Slack's deadline allows. */
const CONTENTION_MAX_MS = 2_500;

function judge(steady: PhaseOutcome, spike: PhaseOutcome): boolean {
  const ok200 = (p: PhaseOutcome) => p.result.samples.filter((s) => s.status === 200).map((s) => s.latencyMs);
  const sp = percentiles(ok200(steady));
  const mx = percentiles(ok200(spike));
  if (contentionLevel() > 0) {
    const worst = Math.max(sp.max, mx.max);
    return verdict(
      `contention target: every request (steady ${STEADY.rate}/s and spike ${SPIKE.rate}/s) answered 200 within ${CONTENTION_MAX_MS} ms`,
      worst <= CONTENTION_MAX_MS && steady.failed + spike.failed === 0,
      `max ${ms(worst)} (steady p99 ${ms(sp.p99)}, spike p99 ${ms(mx.p99)}), failed ${steady.failed + spike.failed}`,
    );
  }
  const a = verdict(
    `steady ${STEADY.rate} req/s: p99 ack ≤ ${STEADY.p99TargetMs} ms, every request answered 200`,
    sp.p99 <= STEADY.p99TargetMs && steady.failed === 0,
    `p99 ${ms(sp.p99)}, failed ${steady.failed}`,
  );
  const b = verdict(
    `spike ${SPIKE.rate} req/s: max ack ≤ ${SPIKE.maxTargetMs} ms, every request answered 200`,
    mx.max <= SPIKE.maxTargetMs && spike.failed === 0,
    `max ${ms(mx.max)}, failed ${spike.failed}`,
  );
  return a && b;
}

/** Benchmark 1: how fast the receiver acknowledges Slack, at a steady rate and in a spike. */
export async function ackLatency(): Promise<boolean> {
  heading("Ack latency (slash commands + button clicks)");
  printConditions();
  const h = await startHarness();
  const redis = benchRedis();
  try {
    const send = mixedSender(h, await clickTargets(h));
    await runLoad({ ...WARM_UP, send });
    await new Promise((r) => setTimeout(r, SETTLE_MS));
    const steady = await phase(h, "steady", STEADY, send);
    const spike = await phase(h, "spike", SPIKE, send);
    return judge(steady, spike);
  } finally {
    await h.stop();
    await deletePrefix(redis, h.config.queuePrefix);
    await redis.quit();
  }
}
