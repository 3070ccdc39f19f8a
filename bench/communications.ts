import { and, eq, inArray } from "drizzle-orm";
import { externalDeliveries, outbox } from "../src/db/schema/index.js";
import { CHANNEL_PACE } from "../src/delivery/pacing.js";
import { outboxIdsOf } from "../src/delivery/post.js";
import { verifyWebhook } from "../src/delivery/webhook.js";
import { changeStatus } from "../src/services/lifecycle.js";
import { makeIncident, setupCompleted } from "../test/helpers/factories.js";
import { type Harness, startHarness, USERS } from "../test/helpers/harness.js";
import { startSmtpServer } from "../test/helpers/smtp.js";
import { startWebhookReceiver } from "../test/helpers/webhook-receiver.js";
import { percentiles } from "./lib/load.js";
import { measuredWindow } from "./lib/machine-load.js";
import { benchRedis, deletePrefix } from "./lib/redis.js";
import { conditions, figure, heading, machineFacts, ms, percentileLine, verdict } from "./lib/report.js";

const INCIDENTS = 100;
const TYPE = "service_failure";
/** The resolutions are spread evenly over this window. */
const WINDOW_MS = 60_000;
/** The fake enforces Slack's chat.postMessage limit: about one a second per channel, short bursts. */
const SLACK_LIMIT = { perSecond: 1, burst: 3 };
/** Target per channel: its last delivery at most this long after the last resolution. */
const LAST_BOUND_MS = 5_000;
/** A delivery not in by then (after the last resolution) counts as lost. */
const DRAIN_TIMEOUT_MS = 120_000;
const SECRET_ENV = "BENCH_STATUS_PAGE_SECRET";
const SECRET = "bench-status-page-secret";
const EMAIL_TO = ["ops-exec@bench.example", "cfo@bench.example"];

const sleep = (msec: number) => new Promise((r) => setTimeout(r, msec));

/** Arrival times by delivery key (an outbox id for Slack, a delivery id for email and webhooks). */
type Arrivals = Map<string, number[]>;

function note(arrivals: Arrivals, key: string, at: number): void {
  arrivals.set(key, [...(arrivals.get(key) ?? []), at]);
}

/** The webhook's delivery id; a body that is not our JSON counts under "" (never expected). */
function deliveryIdOf(body: string): string {
  try {
    return String((JSON.parse(body) as { id?: unknown }).id ?? "");
  } catch {
    return "";
  }
}

/**
 * The test policy with the service-failure type's stakeholder channels replaced by a plan: the
 * first of those channels as the Slack audience, executives by email, a status page by webhook,
 * all hearing every milestone.
 */
function withPlan(yaml: string, hookUrl: string): { yaml: string; channel: string } {
  const match =
    /(service_failure:\n\s+label: Service failure\n)(\s+)stakeholder_channels: \[(\w+),[^\]]*\]\n/.exec(yaml);
  if (!match) throw new Error("test policy changed: no service_failure stakeholder channels");
  const [whole, head, indent, channel] = match as unknown as [string, string, string, string];
  const plan = [
    "communications:",
    "  - label: Stakeholders",
    "    via: slack",
    `    channels: [${channel}]`,
    "  - label: Executives",
    "    via: email",
    `    to: [${EMAIL_TO.join(", ")}]`,
    "  - label: Status page",
    "    via: webhook",
    `    url: ${hookUrl}`,
    `    secret_env: ${SECRET_ENV}`,
  ]
    .map((line) => `${indent}${line}\n`)
    .join("");
  return { yaml: yaml.replace(whole, `${head}${plan}`), channel };
}

/** Waits until none of these incidents' rows of these kinds is pending (or the deadline passes). */
async function settled(h: Harness, ids: string[], purpose: string, milestone: string, deadline: number) {
  const db = h.system.deps.db;
  for (;;) {
    const posts = await db
      .select()
      .from(outbox)
      .where(and(inArray(outbox.incidentId, ids), eq(outbox.purpose, purpose)));
    const external = await db
      .select()
      .from(externalDeliveries)
      .where(and(inArray(externalDeliveries.incidentId, ids), eq(externalDeliveries.milestone, milestone)));
    const pending = [...posts, ...external].some((r) => r.status === "pending");
    if (!pending || Date.now() > deadline) return { posts, external };
    await sleep(100);
  }
}

/**
 * One channel's figures: time from each incident's resolution to its delivery's first
 * arrival, the last arrival after the last resolution, lost and doubled; prints its verdict.
 */
function judge(
  label: string,
  expected: Array<{ key: string; incidentId: string }>,
  arrivals: Arrivals,
  resolvedAt: Map<string, number>,
  lastResolve: number,
): boolean {
  const latencies: number[] = [];
  let lost = Math.max(0, INCIDENTS - expected.length);
  for (const { key, incidentId } of expected) {
    const first = arrivals.get(key)?.[0];
    if (first === undefined) lost++;
    else latencies.push(first - (resolvedAt.get(incidentId) ?? first));
  }
  const keys = new Set(expected.map((e) => e.key));
  const doubled = [...arrivals].filter(([key, at]) => keys.has(key) && at.length > 1).length;
  const times = [...arrivals].filter(([key]) => keys.has(key)).flatMap(([, at]) => at);
  const last = times.length > 0 ? Math.max(...times) - lastResolve : Number.NaN;
  figure(percentileLine(`${label}: resolution → delivery`, percentiles(latencies)));
  figure(
    `${label}: ${expected.length} deliveries expected, lost ${lost}, doubled ${doubled}; last ${ms(last)} after the last resolution`,
  );
  return verdict(
    `${label}: ${INCIDENTS} deliveries, each once; last ≤ ${LAST_BOUND_MS} ms after the last resolution`,
    lost === 0 && doubled === 0 && last <= LAST_BOUND_MS,
    `lost ${lost}, doubled ${doubled}, last ${ms(last)}`,
  );
}

function printConditions(): void {
  conditions([
    ...machineFacts(),
    "system: startHarness() — role all (Bolt receiver + job worker), one Node process shared with the fake Slack, the SMTP server and the webhook receiver; fresh database from the bench template, its own Redis queue prefix",
    `policy: incident type ${TYPE} with a communication plan of three audiences hearing every milestone: one Slack channel, one email audience (${EMAIL_TO.length} addresses, one email each time), one webhook; ${INCIDENTS} incidents logged and set up first (their "logged" deliveries are the warm-up)`,
    "email: a real SMTP server on 127.0.0.1 (smtp-server; the bot sends with nodemailer, pooled, 2 connections); webhook: a local HTTP receiver answering 200, checking each signature; both are sent by the external.deliver job (the external queue runs 10 at a time)",
    `storm: changeStatus(resolve) for each incident, one every ${WINDOW_MS / INCIDENTS} ms; each writes one Slack notice, one email and one webhook call in the resolving transaction (${INCIDENTS} per channel), besides a line in the incident's channel and a DM to its reporter`,
    `Slack limit: the fake enforces ${SLACK_LIMIT.perSecond} chat.postMessage/s per channel with bursts of ${SLACK_LIMIT.burst}; the bot paces itself per channel to ${CHANNEL_PACE.burst} posts at once, then one per ${CHANNEL_PACE.gapMs} ms, and posts the notices waiting for a turn as one roundup`,
    "times: from just before each resolve call to the delivery arriving (Slack: the fake's call time of the accepted post carrying the notice; email: when the SMTP server recorded the mail, before answering 250; webhook: when the receiver had the whole request)",
    `targets per channel: 0 lost (not arrived within ${DRAIN_TIMEOUT_MS / 1000} s of the last resolution), 0 doubled (the same outbox id, Message-ID or delivery id received twice), last delivery ≤ ${LAST_BOUND_MS / 1000} s after the last resolution`,
  ]);
}

/**
 * Benchmark: 100 incidents resolved within a minute, each told to one Slack channel, one email
 * audience and one webhook: how long after each resolution each channel's delivery arrived,
 * how long after the last resolution the last one did, and none lost or doubled.
 */
export async function communications(): Promise<boolean> {
  heading(
    `Communications (${INCIDENTS} incidents resolved within ${WINDOW_MS / 1000} s: Slack, email, webhook)`,
  );
  printConditions();
  const smtp = await startSmtpServer();
  // The helper keeps mails without a time: its push is the moment the server recorded a mail.
  const mailAt: Arrivals = new Map();
  const record = smtp.mails.push.bind(smtp.mails);
  smtp.mails.push = (...mails) => {
    for (const m of mails) note(mailAt, /^<([^@>]+)@/.exec(m.messageId ?? "")?.[1] ?? "", Date.now());
    return record(...mails);
  };
  const hookAt: Arrivals = new Map();
  let badSignatures = 0;
  const hook = await startWebhookReceiver(({ headers, body }) => {
    const at = Date.now();
    const signed = verifyWebhook({
      secret: SECRET,
      timestamp: headers["x-switchboard-timestamp"] as string | undefined,
      signature: headers["x-switchboard-signature"] as string | undefined,
      rawBody: body,
      nowSeconds: Math.floor(at / 1000),
    });
    if (!signed) badSignatures++;
    note(hookAt, deliveryIdOf(body), at);
    return { status: 200 };
  });
  let channel = "";
  const h = await startHarness({
    editPolicy: (yaml) => {
      const planned = withPlan(yaml, hook.url);
      channel = planned.channel;
      return planned.yaml;
    },
    config: { email: { smtpUrl: smtp.url, from: "Switchboard <switchboard@bench.example>" } },
    system: { env: { [SECRET_ENV]: SECRET } },
  }).catch(async (err: unknown) => {
    await smtp.close();
    await hook.close();
    throw err;
  });
  const redis = benchRedis();
  try {
    return await storm(h, channel, { mailAt, hookAt, badSignatures: () => badSignatures });
  } finally {
    await h.stop();
    await smtp.close();
    await hook.close();
    await deletePrefix(redis, h.config.queuePrefix);
    await redis.quit();
  }
}

async function storm(
  h: Harness,
  channel: string,
  seen: { mailAt: Arrivals; hookAt: Arrivals; badSignatures: () => number },
): Promise<boolean> {
  const deps = h.system.deps;
  h.slack.setChannelRateLimit(SLACK_LIMIT);
  const ids: string[] = [];
  for (let i = 0; i < INCIDENTS; i++) {
    const { incident } = await makeIncident(deps, { title: `Bench communication ${i + 1}`, type: TYPE });
    ids.push(incident.id);
  }
  for (const id of ids) await setupCompleted(deps, id, DRAIN_TIMEOUT_MS);
  const warm = await settled(h, ids, "announcement", "logged", Date.now() + DRAIN_TIMEOUT_MS);
  const sentOf = (rows: Array<{ status: string }>) => rows.filter((r) => r.status === "sent").length;
  figure(
    `warm-up: ${sentOf(warm.posts)} announcements and ${sentOf(warm.external)} "logged" emails and webhook calls sent before the storm`,
  );
  await sleep(3_000);

  const resolvedAt = new Map<string, number>();
  const started = Date.now();
  for (const [i, id] of ids.entries()) {
    const due = started + (i * WINDOW_MS) / INCIDENTS;
    if (due > Date.now()) await sleep(due - Date.now());
    resolvedAt.set(id, Date.now());
    const outcome = await changeStatus(deps, {
      incidentId: id,
      actor: USERS.lead,
      action: "resolve",
      resolution: { summary: "Carrier rerouted the calls", closeCode: "fixed" },
    });
    if (!outcome.ok) throw new Error(`resolve refused: ${outcome.message}`);
  }
  const lastResolve = Date.now();
  const { posts, external } = await settled(h, ids, "milestone", "resolved", lastResolve + DRAIN_TIMEOUT_MS);
  measuredWindow("the resolutions until every delivery was in", started, Date.now());

  const notices = posts.filter((r) => r.channel === channel);
  const noticeIds = new Set(notices.map((r) => r.id));
  const slackAt: Arrivals = new Map();
  let carrying = 0;
  for (const call of h.slack.callsTo("chat.postMessage")) {
    if (!call.ok) continue;
    const carried = outboxIdsOf(call.args.metadata).filter((id) => noticeIds.has(id));
    if (carried.length > 0) carrying++;
    for (const id of carried) note(slackAt, id, call.at);
  }
  const limited = h.slack
    .callsTo("chat.postMessage")
    .filter((c) => c.status === 429 && String(c.args.channel) === channel).length;
  figure(
    `resolutions took ${ms(lastResolve - started)}; Slack: ${notices.length} notices in ${carrying} posts (roundups carry several), 429s from the fake on the channel ${limited}; webhook calls failing the signature check ${seen.badSignatures()}`,
  );
  const of = (rows: Array<{ id: string; incidentId: string | null }>) =>
    rows.map((r) => ({ key: r.id, incidentId: r.incidentId ?? "" }));
  const verdicts = [
    judge("Slack", of(notices), slackAt, resolvedAt, lastResolve),
    judge("email", of(external.filter((r) => r.via === "email")), seen.mailAt, resolvedAt, lastResolve),
    judge("webhook", of(external.filter((r) => r.via === "webhook")), seen.hookAt, resolvedAt, lastResolve),
  ];
  return verdicts.every(Boolean);
}
