import { eq, inArray, sql } from "drizzle-orm";
import YAML from "yaml";
import { incidents, outbox } from "../src/db/schema/index.js";
import { CHANNEL_PACE } from "../src/delivery/pacing.js";
import { outboxIdsOf } from "../src/delivery/post.js";
import { formatReference } from "../src/domain/reference.js";
import type { FakeView } from "../src/emulator/types.js";
import { VIEW } from "../src/messages/ids.js";
import { MAX_ROUNDUP } from "../src/messages/incident-card.js";
import { LATE_SAVE_LIMIT_MS } from "../src/slack/answer-by-deadline.js";
import { REQUEST_DEADLINE_MS } from "../src/slack/deadline.js";
import { type Harness, startHarness, USERS } from "../test/helpers/harness.js";
import { logFormState, validLogForm, viewSubmission } from "../test/helpers/slack-payloads.js";
import { payloadBody, signedPost } from "../test/helpers/slack-sign.js";
import { type LoadResult, percentiles, runLoad, worstPerStep } from "./lib/load.js";
import { contentionLevel, measuredWindow } from "./lib/machine-load.js";
import { benchRedis, deletePrefix } from "./lib/redis.js";
import {
  conditions,
  cpuSampler,
  figure,
  heading,
  loopDelay,
  machineFacts,
  ms,
  percentileLine,
  verdict,
} from "./lib/report.js";
import { type BotProcess, processCpuSeconds, startBotProcess } from "./lib/workers.js";

const STAKEHOLDER_CHANNELS = 3;
/** Below one incident per channel-second: what the pipeline itself takes when Slack's limit is not the bound. */
const PACED = { rate: 2 / 3, durationMs: 15_000 };
/**
 * Before anything is measured: a short flood, waited out. Run cold, every slow ack of the flood
 * fell in its first second and a half (code not yet compiled, caches and connections cold);
 * a deployed bot meets a flood with all of that warm from the traffic before it.
 */
const WARM_UP = { rate: 50, durationMs: 3_000 };
const WARM_UP_COLLECT_MS = 15_000;
const FLOOD = { rate: 50, durationMs: 20_000 };
const ACK_P99_TARGET_MS = 100;
const ANNOUNCE_P99_TARGET_MS = 2_000;
const PACED_COLLECT_MS = 10_000;
const FLOOD_COLLECT_MS = 15_000;
/** How long after that the run waits for every incident's set-up (card, pin) to finish. */
const SETUP_WAIT_MS = 90_000;
/** The fake enforces Slack's chat.postMessage limit: about one a second per channel, short bursts. */
const SLACK_LIMIT = { perSecond: 1, burst: 3 };
const TYPE = "service_failure";
/** Worker processes (`npm start` with SWITCHBOARD_ROLE=worker). */
const WORKERS = 1;
/**
 * Receiver processes (SWITCHBOARD_ROLE=web), the submissions spread over them in turn as a load
 * balancer would. One on a quiet machine; beside BENCH_CONTENTION's burners two, the deployment
 * docs/operations.md recommends for a shared host (each gets its own share of the CPU).
 */
const webProcesses = () => (contentionLevel() > 0 ? 2 : 1);

/**
 * The type's own two stakeholder channels plus the security team's: three channels of the
 * harness's workspace, empty when the run starts, every incident of the type announced in all.
 */
function threeStakeholderChannels(yaml: string): string {
  const policy = YAML.parse(yaml) as {
    incident_types: Record<string, { stakeholder_channels: string[] }>;
  };
  const types = policy.incident_types;
  types[TYPE]!.stakeholder_channels.push(...types.security_breach!.stakeholder_channels);
  return YAML.stringify(policy);
}

/** Each incident's submission: its reference (from the ack) and when its request left (epoch ms). */
type Submitted = Map<string, number>;

interface Phase {
  load: LoadResult;
  submitted: Submitted;
  /** Neither logged nor told to press again: lost. */
  failed: number;
  loop: string;
  late: number;
  notSaved: number;
  toldRetry: number;
  told: Told;
}

/** Opens the Log form once, for a view whose shape the submissions reuse (each with its own view id). */
async function openedForm(h: Harness): Promise<FakeView> {
  const before = h.slack.views.length;
  const res = await h.command("");
  if (res.status !== 200) throw new Error(`/incident answered ${res.status}`);
  return h.slack.waitFor(() => h.slack.views.slice(before).find((v) => v.type === "modal"));
}

/** Submissions answered with the "saving" view (their commit outlived the deadline): view id → sent at. */
type Late = Map<string, number>;

/** Submissions answered in time with "press Log incident again" (the commit failed). */
interface Told {
  retry: number;
  /** Every view id sent, and those answered in time with "press again" or "not saved". */
  sent: string[];
  toldIds: Set<string>;
}

/**
 * A signed view_submission of a valid Log form per call; records the reference the ack names,
 * or, when the ack is the "saving" view, the view id (its incident is looked up after).
 */
function submitter(
  eventsUrls: string[],
  form: FakeView,
  tag: string,
  submitted: Submitted,
  late: Late,
  told: Told,
) {
  let n = 0;
  return async (): Promise<Response> => {
    n += 1;
    const state = logFormState(validLogForm({ title: `Bench intake ${tag} ${n}`, type: TYPE }));
    const viewId = `VBENCH${tag}${n}`;
    told.sent.push(viewId);
    const body = payloadBody(
      viewSubmission({ user: USERS.agent, opened: { id: viewId, view: form.view }, state }),
    );
    const sentAt = Date.now();
    const res = await signedPost(eventsUrls[n % eventsUrls.length]!, body);
    const text = await res.text();
    const reference = /INC-\d{6}/.exec(text)?.[0];
    if (res.status === 200 && reference && text.includes('"update"')) submitted.set(reference, sentAt);
    else if (res.status === 200 && text.includes(VIEW.saving)) late.set(viewId, sentAt);
    else if (res.status === 200 && text.includes("press Log incident again")) {
      told.retry++;
      told.toldIds.add(viewId);
    }
    return new Response(text, { status: res.status });
  };
}

/**
 * Each late submission's outcome, from PostgreSQL (the bench's view ids are not views the fake
 * Slack knows, so the views.update that tells the agent cannot land): logged (added to
 * `submitted`), or not saved once the late-save limit has passed (the agent would be shown the
 * form again, "Not saved").
 */
async function settleLate(h: Harness, late: Late, submitted: Submitted, told: Told): Promise<number> {
  const until = Date.now() + LATE_SAVE_LIMIT_MS + 5_000;
  const ids = [...late.keys()];
  for (;;) {
    const rows =
      ids.length === 0
        ? []
        : await h.system.deps.db
            .select({ key: incidents.submissionKey, number: incidents.number })
            .from(incidents)
            .where(inArray(incidents.submissionKey, ids));
    if (rows.length === ids.length || Date.now() >= until) {
      for (const r of rows) submitted.set(formatReference(r.number), late.get(r.key ?? "") ?? 0);
      const saved = new Set(rows.map((r) => r.key));
      for (const id of ids) if (!saved.has(id)) told.toldIds.add(id);
      return ids.length - rows.length;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}

async function runPhase(
  h: Harness,
  eventsUrls: string[],
  form: FakeView,
  tag: string,
  load: { rate: number; durationMs: number },
  measured = true,
): Promise<Phase> {
  const submitted: Submitted = new Map();
  const late: Late = new Map();
  const told: Told = { retry: 0, sent: [], toldIds: new Set() };
  const delay = loopDelay();
  const from = Date.now();
  const result = await runLoad({ ...load, send: submitter(eventsUrls, form, tag, submitted, late, told) });
  if (measured) measuredWindow(`${tag} ${load.rate.toFixed(2)}/s`, from, Date.now());
  const loop = delay.stop();
  const notSaved = await settleLate(h, late, submitted, told);
  const failed = result.scheduled - submitted.size - notSaved - told.retry;
  if (!measured) {
    console.log(
      `  -- ${tag} (not measured): ${load.rate.toFixed(2)} submissions/s for ${load.durationMs / 1000} s = ${result.scheduled} incidents, not logged ${failed}`,
    );
    return { load: result, submitted, failed, loop, late: late.size, notSaved, toldRetry: told.retry, told };
  }
  console.log(
    `  -- ${tag}: ${load.rate.toFixed(2)} submissions/s for ${load.durationMs / 1000} s = ${result.scheduled} incidents`,
  );
  figure(
    percentileLine(
      "submission ack (incident committed)",
      percentiles(result.samples.filter((s) => s.status === 200).map((s) => s.latencyMs)),
    ),
  );
  figure(
    `answered "saving" (commit past the ${REQUEST_DEADLINE_MS} ms deadline) ${late.size}, of which logged after ${late.size - notSaved} and not saved ${notSaved}; told in time to press again ${told.retry}`,
  );
  figure(
    `lost (non-200, unanswered, or neither logged nor told) ${failed}, unanswered ${result.unanswered}; generator worst send lag ${ms(result.maxSendLagMs)}; ${loop}`,
  );
  if (load.durationMs >= 10_000)
    figure(`worst ack per second of due times (ms): ${worstPerStep(result.samples, 1_000)}`);
  return { load: result, submitted, failed, loop, late: late.size, notSaved, toldRetry: told.retry, told };
}

interface Announced {
  /** Submission → last stakeholder announcement reaching the fake, per fully announced incident. */
  latencies: number[];
  /** Incidents not yet announced in every channel, each with how long it has waited so far. */
  waiting: number[];
  posts: number;
}

/** When each incident's announcements reached the fake Slack (accepted calls only). */
async function announced(h: Harness, submitted: Submitted, now: number): Promise<Announced> {
  const db = h.system.deps.db;
  const numbers = [...submitted.keys()].map((r) => Number(r.slice(4)));
  const rows =
    numbers.length === 0
      ? []
      : await db
          .select({ id: outbox.id, number: incidents.number })
          .from(outbox)
          .innerJoin(incidents, eq(outbox.incidentId, incidents.id))
          .where(inArray(incidents.number, numbers));
  const acceptedAt = new Map<string, number>();
  for (const call of h.slack.callsTo("chat.postMessage")) {
    if (!call.ok) continue;
    for (const id of outboxIdsOf(call.args.metadata)) acceptedAt.set(id, call.at);
  }
  const announcementIds = new Set(
    (await db.select({ id: outbox.id }).from(outbox).where(eq(outbox.purpose, "announcement"))).map(
      (r) => r.id,
    ),
  );
  const byIncident = new Map<string, number[]>();
  for (const row of rows) {
    if (!announcementIds.has(row.id)) continue;
    const at = acceptedAt.get(row.id);
    if (at === undefined) continue;
    const ref = formatReference(row.number);
    byIncident.set(ref, [...(byIncident.get(ref) ?? []), at]);
  }
  const latencies: number[] = [];
  const waiting: number[] = [];
  let posts = 0;
  for (const [ref, sentAt] of submitted) {
    const times = byIncident.get(ref) ?? [];
    posts += times.length;
    if (times.length >= STAKEHOLDER_CHANNELS) latencies.push(Math.max(...times) - sentAt);
    else waiting.push(now - sentAt);
  }
  return { latencies, waiting, posts };
}

async function collect(h: Harness, submitted: Submitted, windowMs: number): Promise<Announced> {
  const until = Date.now() + windowMs;
  for (;;) {
    const now = Date.now();
    const a = await announced(h, submitted, now);
    if (a.waiting.length === 0 || now >= until) return a;
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** Submissions sent that have no incident and whose agent was not told to press again. */
async function lostSubmissions(h: Harness, told: Told): Promise<number> {
  const ids = told.sent.filter((id) => !told.toldIds.has(id));
  let found = 0;
  for (let i = 0; i < ids.length; i += 500) {
    const rows = await h.system.deps.db
      .select({ key: incidents.submissionKey })
      .from(incidents)
      .where(inArray(incidents.submissionKey, ids.slice(i, i + 500)));
    found += rows.length;
  }
  return ids.length - found;
}

/** Submissions of this bench (view ids VBENCH…) that made more than one incident. */
async function doubledSubmissions(h: Harness): Promise<number> {
  const rows = (await h.system.deps.db.execute(sql`
    select submission_key from incidents where submission_key like 'VBENCH%'
    group by submission_key having count(*) > 1`)) as unknown as unknown[];
  return rows.length;
}

/** Beside BENCH_CONTENTION's burners: no submission answered later than this. */
const CONTENTION_MAX_MS = 2_500;

function ratelimited(h: Harness, channels: string[]): number {
  return h.slack
    .callsTo("chat.postMessage")
    .filter((c) => c.status === 429 && channels.includes(String(c.args.channel))).length;
}

function printConditions(channels: number): void {
  conditions([
    ...machineFacts(),
    `system: the bot as ${WORKERS} worker process(es) and ${webProcesses()} receiver process(es) (submissions spread over them in turn) (\`node --import tsx src/main.ts\` with SWITCHBOARD_ROLE=worker and =web, default concurrency and pool), as a deployment under load would run them; this process holds the fake Slack (which validates every message against Block Kit, as Slack's servers would check it) and the load generator; fresh database from the bench template, its own Redis queue prefix`,
    `policy: incident type ${TYPE} announced to ${channels} stakeholder channels (channels of the fake workspace with nothing in them yet); every incident of the type is announced in the SAME ${channels} channels — announcements go to the type's shared stakeholder channels, not to per-incident channels`,
    "request: a signed view_submission of the Log-an-incident form (valid fields, caller reference, a fresh view id each so none is a resubmission); the ack (response_action update naming INC-n) is sent only after the incident, its caller reference and first log entries are committed",
    "ack latency: open loop, from each request's scheduled start to its HTTP status",
    `announcement latency: from the request leaving the generator to the LAST of the incident's ${channels} stakeholder announcements accepted by the fake Slack (its call time); between the two: the incident.setup job on the intake queue (conversations.create, then the announcements queued), then each announcement's slack.deliver job, which takes its channel's next turn or joins the one already waiting; the rest of the set-up (invite, card, pin) runs after, on the setup queue`,
    `pacing: each post to a channel takes a turn there: ${CHANNEL_PACE.burst} at once, then one per ${CHANNEL_PACE.gapMs} ms (Slack's chat.postMessage limit and its short bursts); the fake also enforces ${SLACK_LIMIT.perSecond} msg/s/channel with bursts of ${SLACK_LIMIT.burst} (429 + Retry-After beyond)`,
    `roundups: announcements waiting for the same turn in a channel go out as one post listing them all (up to ${MAX_ROUNDUP}), each carried exactly once; one a second per channel would otherwise put ${FLOOD.rate}/s for ${FLOOD.durationMs / 1000} s ≈ ${((FLOOD.rate * FLOOD.durationMs) / 1000).toFixed(0)} announcements per channel ≈ ${((FLOOD.rate * FLOOD.durationMs) / 1000 / 60).toFixed(0)} min behind`,
    `warm-up (not measured): ${WARM_UP.rate}/s for ${WARM_UP.durationMs / 1000} s, its announcements waited for (up to ${WARM_UP_COLLECT_MS / 1000} s), so the processes meet the flood warm (compiled code, open connections, prepared statements), as a running system would`,
    `phases: paced ${PACED.rate.toFixed(2)}/s for ${PACED.durationMs / 1000} s (below the channel rate: the pipeline's own latency, collected up to ${PACED_COLLECT_MS / 1000} s after), then the flood ${FLOOD.rate}/s for ${FLOOD.durationMs / 1000} s (collected ${FLOOD_COLLECT_MS / 1000} s after; what is still queued then is reported, not waited for)`,
    "reporter notices: every incident's DM goes to the same reporter (one DM channel, paced the same way); not measured here",
  ]);
}

/** Benchmark: log-an-incident submissions at 50/s; ack latency and time to the last stakeholder announcement. */
export async function intake(): Promise<boolean> {
  heading(`Intake (Log-an-incident submissions, ${STAKEHOLDER_CHANNELS} stakeholder channels)`);
  printConditions(STAKEHOLDER_CHANNELS);
  const h = await startHarness({ config: { role: "web" }, editPolicy: threeStakeholderChannels });
  const redis = benchRedis();
  const workers: BotProcess[] = [];
  try {
    const channels = h.policy.incidentTypes[TYPE]!.stakeholderChannels;
    if (channels.length !== STAKEHOLDER_CHANNELS) throw new Error(`policy gives ${channels.length} channels`);
    h.slack.setChannelRateLimit(SLACK_LIMIT);
    for (let i = 0; i < WORKERS; i++) workers.push(await startBotProcess(h, i, "intake"));
    const eventsUrls: string[] = [];
    for (let i = 0; i < webProcesses(); i++) {
      const web = await startBotProcess(h, i, "intake", "web");
      workers.push(web);
      eventsUrls.push(`http://127.0.0.1:${web.port}/slack/events`);
    }
    const cpu = cpuSampler();
    const workerCpu = () => workers.map((w) => processCpuSeconds(w.pid));
    const form = await openedForm(h);

    const warm = await runPhase(h, eventsUrls, form, "warmup", WARM_UP, false);
    await collect(h, warm.submitted, WARM_UP_COLLECT_MS);
    const paced = await runPhase(h, eventsUrls, form, "paced", PACED);
    const pacedAnn = await collect(h, paced.submitted, PACED_COLLECT_MS);
    figure(
      percentileLine("submission → last announcement", percentiles(pacedAnn.latencies)) +
        `; not fully announced ${pacedAnn.waiting.length}`,
    );

    const floodStart = Date.now();
    const cpuBefore = workerCpu();
    const flood = await runPhase(h, eventsUrls, form, "flood", FLOOD);
    const floodEnd = Date.now();
    const cpuAfter = workerCpu();
    figure(
      `during the flood: ${cpu.between(floodStart, floodEnd)}; the worker process(es), then the receivers': ${cpuAfter
        .map(
          (c, i) => `${((100 * (c - (cpuBefore[i] ?? 0))) / ((floodEnd - floodStart) / 1000)).toFixed(0)}%`,
        )
        .join(", ")} of one core`,
    );
    cpu.stop();
    const floodAnn = await collect(h, flood.submitted, FLOOD_COLLECT_MS);
    const collectedAt = Date.now();
    const n = flood.submitted.size;
    figure(
      `announced in all ${STAKEHOLDER_CHANNELS} channels within ${((collectedAt - floodEnd) / 1000).toFixed(0)} s of the flood's end: ${floodAnn.latencies.length}/${n} incidents (${floodAnn.posts}/${n * STAKEHOLDER_CHANNELS} posts, ${(floodAnn.posts / STAKEHOLDER_CHANNELS / ((collectedAt - floodStart) / 1000)).toFixed(2)} per channel per second since the flood began)`,
    );
    figure(percentileLine("  of those, submission → last announcement", percentiles(floodAnn.latencies)));
    // Censored at the end of the window: an incident still waiting has waited at least this long.
    const lowerBound = percentiles([...floodAnn.latencies, ...floodAnn.waiting]);
    figure(
      `  all ${n} incidents, a still-waiting one counted at its wait so far (a lower bound): p50 ≥ ${ms(lowerBound.p50)}  p99 ≥ ${ms(lowerBound.p99)}`,
    );
    const posts = h.slack
      .callsTo("chat.postMessage")
      .filter((c) => c.ok && c.at >= floodStart && channels.includes(String(c.args.channel)))
      .map((c) => outboxIdsOf(c.args.metadata).length)
      .filter((carried) => carried > 0);
    figure(
      `  posts: ${posts.length} to the ${STAKEHOLDER_CHANNELS} channels carried ${posts.reduce((a, b) => a + b, 0)} announcements (${(posts.length / STAKEHOLDER_CHANNELS / ((collectedAt - floodStart) / 1000)).toFixed(2)} posts per channel per second; up to ${Math.max(0, ...posts)} in one)`,
    );
    figure(`429s from the fake on the stakeholder channels: ${ratelimited(h, channels)}`);
    const numbers = [...flood.submitted.keys()].map((r) => Number(r.slice(4)));
    const setUpDone = async () =>
      (
        await h.system.deps.db
          .select({ done: incidents.setupCompletedAt })
          .from(incidents)
          .where(inArray(incidents.number, numbers))
      ).filter((r) => r.done).length;
    const setUpAtWindow = await setUpDone();
    let setUpAll = setUpAtWindow;
    while (setUpAll < n && Date.now() - collectedAt < SETUP_WAIT_MS) {
      await new Promise((r) => setTimeout(r, 500));
      setUpAll = await setUpDone();
    }
    figure(
      `  the rest of the set-up (reporter invited, card posted and pinned) had finished for ${setUpAtWindow}/${n} incidents when the announcements were in; ${setUpAll === n ? `for all ${((Date.now() - floodEnd) / 1000).toFixed(0)} s after the flood's end` : `${n - setUpAll} still unfinished ${SETUP_WAIT_MS / 1000} s later`}`,
    );

    const ackFlood = percentiles(flood.load.samples.filter((s) => s.status === 200).map((s) => s.latencyMs));
    const pacedP = percentiles(pacedAnn.latencies);
    const floodP99 = lowerBound.p99;
    if (contentionLevel() > 0) {
      // Issue 25's targets beside the burners: answered in time, each logged once or told to retry.
      const all = [...paced.load.samples, ...flood.load.samples];
      const worst = Math.max(0, ...all.map((s) => s.latencyMs));
      const non200 = all.filter((x) => x.status !== 200).length;
      // Counted at the end, from PostgreSQL: a submission whose answer came late is still logged.
      const lost = (await lostSubmissions(h, paced.told)) + (await lostSubmissions(h, flood.told));
      const doubled = await doubledSubmissions(h);
      const unanswered = paced.load.unanswered + flood.load.unanswered;
      return verdict(
        `contention target: every submission answered within ${CONTENTION_MAX_MS} ms, logged exactly once or told to retry, none lost`,
        worst <= CONTENTION_MAX_MS && non200 === 0 && unanswered === 0 && lost === 0 && doubled === 0,
        `max ${ms(worst)} (answered ones), unanswered within the generator's 10 s ${unanswered}, non-200 ${non200}, lost (no incident, not told) ${lost}, doubled ${doubled}; logged ${paced.submitted.size + flood.submitted.size} (after a saving view ${paced.late + flood.late - paced.notSaved - flood.notSaved}), told to retry ${paced.toldRetry + flood.toldRetry + paced.notSaved + flood.notSaved}; announcement figures above are not contention targets`,
      );
    }
    const a = verdict(
      `${FLOOD.rate}/s: p99 submission ack ≤ ${ACK_P99_TARGET_MS} ms, every incident logged`,
      ackFlood.p99 <= ACK_P99_TARGET_MS &&
        flood.failed + flood.notSaved + flood.toldRetry === 0 &&
        flood.load.unanswered === 0,
      `p99 ${ms(ackFlood.p99)}, not logged ${flood.failed + flood.notSaved + flood.toldRetry}`,
    );
    const b = verdict(
      `${PACED.rate.toFixed(2)}/s (within the channel rate): p99 submission → last announcement ≤ ${ANNOUNCE_P99_TARGET_MS} ms, all announced`,
      pacedP.p99 <= ANNOUNCE_P99_TARGET_MS && pacedAnn.waiting.length === 0 && pacedP.count > 0,
      `p99 ${ms(pacedP.p99)}, not announced ${pacedAnn.waiting.length}`,
    );
    const c = verdict(
      `${FLOOD.rate}/s into the same ${STAKEHOLDER_CHANNELS} channels: p99 submission → last announcement ≤ ${ANNOUNCE_P99_TARGET_MS} ms`,
      floodP99 <= ANNOUNCE_P99_TARGET_MS && floodAnn.waiting.length === 0,
      `p99 ≥ ${ms(floodP99)}, not announced ${floodAnn.waiting.length}`,
    );
    return a && b && c;
  } finally {
    for (const w of workers) w.child.kill("SIGKILL");
    await h.stop();
    await deletePrefix(redis, h.config.queuePrefix);
    await redis.quit();
  }
}
