import { loadImage } from "@napi-rs/canvas";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { kpiFigures } from "../../../src/db/queries/kpi.js";
import {
  callerReferences,
  improvementActions,
  incidentLog,
  incidents,
  reviews,
  slaClocks,
  slaEvents,
} from "../../../src/db/schema/index.js";
import type { Priority } from "../../../src/domain/incident.js";
import type { KpiFigures, PriorityFigures } from "../../../src/domain/kpi.js";
import { previousWeek, reportPeriod } from "../../../src/domain/report-period.js";
import { CHART_HEIGHT, CHART_WIDTH } from "../../../src/services/kpi-chart.js";
import { postWeeklyDigest } from "../../../src/services/kpi-digest.js";
import { sendReportFiles } from "../../../src/services/kpi-report.js";
import { answerReport } from "../../../src/slack/commands/report.js";
import { eventually } from "../../helpers/eventually.js";
import { type Harness, startHarness, USERS } from "../../helpers/harness.js";
import { handlersDone, handlersFinished, settled } from "../../helpers/settled.js";

/**
 * A deterministic week of incidents (23–29 March 2026, across the change to BST on the 29th),
 * seeded straight into the tables, plus one incident either side of the period. The expected
 * figures are worked out below in plain TypeScript from the same seed, independently of the SQL.
 */

const TZ = "Europe/London";
const MIN = 60_000;
const FROM = "2026-03-23";
const TO = "2026-03-29";

interface Seed {
  ref: number;
  logged: string;
  priority: Priority;
  type: string;
  channel: "phone" | "email" | "chat" | "internal_monitoring";
  service: string | null;
  /** Minutes after logging; null = not yet. */
  ack: number | null;
  resolved: number | null;
  respondDue: number;
  resolveDue: number;
  respondBreached: boolean;
  resolveBreached: boolean;
  reopens: number;
  escalations: { level: number; manual: boolean }[];
  /** Communications on its record: stakeholder posts, emails and webhooks sent, calls logged. */
  comms: Array<"slack" | "email" | "webhook" | "phone">;
  rootCause: string | null;
  caller: string;
}

const S = (s: Partial<Seed> & Pick<Seed, "ref" | "logged" | "priority">): Seed => ({
  type: "service_failure",
  channel: "phone",
  service: null,
  ack: null,
  resolved: null,
  respondDue: 30,
  resolveDue: 480,
  respondBreached: false,
  resolveBreached: false,
  reopens: 0,
  escalations: [],
  comms: [],
  rootCause: null,
  caller: `CALLER-SECRET-${s.ref}`,
  ...s,
});

const SEEDS: Seed[] = [
  // Outside the period: the evening before (local) and the first minute after.
  S({
    ref: 1,
    logged: "2026-03-22T23:59:00Z",
    priority: "P1",
    ack: 5,
    resolved: 60,
    service: "IVR",
    comms: ["slack", "email"],
  }),
  S({ ref: 2, logged: "2026-03-29T23:00:00Z", priority: "P1", ack: 5, resolved: 60, service: "IVR" }),
  // In the period.
  S({
    ref: 10,
    comms: ["slack", "slack", "email", "webhook"],
    logged: "2026-03-23T00:00:00Z",
    priority: "P1",
    ack: 10,
    resolved: 200,
    respondDue: 15,
    resolveDue: 240,
    service: "Telephony",
    rootCause: "third_party",
  }),
  S({
    ref: 11,
    logged: "2026-03-23T09:30:00Z",
    priority: "P1",
    ack: 40,
    resolved: 300,
    respondDue: 15,
    resolveDue: 240,
    respondBreached: true,
    resolveBreached: true,
    escalations: [
      { level: 1, manual: false },
      { level: 2, manual: false },
    ],
    service: "Telephony",
    rootCause: "third_party",
    channel: "internal_monitoring",
  }),
  S({
    ref: 12,
    comms: ["phone", "slack"],
    logged: "2026-03-24T11:00:00Z",
    priority: "P2",
    ack: 20,
    resolved: 400,
    respondDue: 30,
    resolveDue: 480,
    reopens: 1,
    service: "Telephony",
    rootCause: "software_defect",
    channel: "email",
  }),
  S({
    ref: 13,
    logged: "2026-03-24T15:45:00Z",
    priority: "P2",
    ack: null,
    resolved: 90,
    respondDue: 30,
    resolveDue: 480,
    type: "complaint",
    channel: "chat",
    service: "Web chat",
  }),
  S({
    ref: 14,
    logged: "2026-03-25T08:00:00Z",
    priority: "P3",
    ack: 100,
    resolved: null,
    respondDue: 120,
    resolveDue: 2880,
    reopens: 2,
    type: "complaint",
    escalations: [{ level: 1, manual: true }],
  }),
  S({
    ref: 15,
    logged: "2026-03-26T12:00:00Z",
    priority: "P3",
    ack: 150,
    resolved: 1000,
    respondDue: 120,
    resolveDue: 2880,
    respondBreached: true,
    escalations: [{ level: 1, manual: false }],
    service: "Web chat",
  }),
  S({
    ref: 16,
    logged: "2026-03-27T17:00:00Z",
    priority: "P4",
    ack: null,
    resolved: null,
    respondDue: 240,
    resolveDue: 7200,
    respondBreached: true,
    resolveBreached: true,
    type: "security_breach",
    channel: "email",
    escalations: [
      { level: 1, manual: false },
      { level: 2, manual: false },
      { level: 2, manual: false },
    ],
  }),
  S({
    ref: 17,
    logged: "2026-03-28T10:15:00Z",
    priority: "P1",
    ack: 3,
    resolved: 45,
    respondDue: 15,
    resolveDue: 240,
    service: "Telephony",
    rootCause: "change",
  }),
  S({
    ref: 18,
    logged: "2026-03-29T00:30:00Z",
    priority: "P5",
    ack: 30,
    resolved: 2000,
    respondDue: 1440,
    resolveDue: 14400,
    type: "complaint",
    channel: "chat",
  }),
  // Logged at 23:30 UTC on the 29th = 00:30 BST on the 30th: outside.
  S({ ref: 19, logged: "2026-03-29T23:30:00Z", priority: "P2", ack: 5, resolved: 20 }),
];

const at = (s: Seed, minutes: number | null) =>
  minutes === null ? null : new Date(new Date(s.logged).getTime() + minutes * MIN);

async function seed(h: Harness): Promise<void> {
  const db = h.system.deps.db;
  for (const s of SEEDS) {
    const logged = new Date(s.logged);
    const [row] = await db
      .insert(incidents)
      .values({
        number: 900_000 + s.ref,
        title: s.ref === 15 ? '=HYPERLINK("http://x") queue "stuck", again' : `Seeded incident ${s.ref}`,
        description: `Caller ${s.caller} reported it.`,
        type: s.type,
        affectedService: s.service,
        reportChannel: s.channel,
        impact: "high",
        urgency: "high",
        matrixPriority: s.priority,
        priority: s.priority,
        status: s.resolved !== null ? "resolved" : s.ack !== null ? "in_progress" : "open",
        reporterId: USERS.agent,
        ownerId: s.ack !== null ? USERS.lead : null,
        reportedAt: logged,
        loggedAt: logged,
        acknowledgedAt: at(s, s.ack),
        resolvedAt: at(s, s.resolved),
        reopenCount: s.reopens,
        setupCompletedAt: logged,
      })
      .returning({ id: incidents.id });
    const incidentId = row!.id;
    await db.insert(callerReferences).values({ incidentId, value: s.caller, setBy: USERS.agent });
    for (const [name, due, breached, done] of [
      ["respond", s.respondDue, s.respondBreached, s.ack ?? s.resolved],
      ["resolve", s.resolveDue, s.resolveBreached, s.resolved],
    ] as const) {
      const dueAt = at(s, due)!;
      const [clock] = await db
        .insert(slaClocks)
        .values({
          incidentId,
          name,
          state: done === null ? "running" : "stopped",
          hours: "always",
          startedAt: logged,
          durationMs: due * MIN,
          dueAt,
          nextStep: null,
          breachedAt: breached ? dueAt : null,
        })
        .returning({ id: slaClocks.id });
      if (breached) {
        await db
          .insert(slaEvents)
          .values({ clockId: clock!.id, generation: 1, step: "breach", plannedAt: dueAt });
      }
    }
    for (const e of s.escalations) {
      await db.insert(incidentLog).values({
        incidentId,
        actor: e.manual ? USERS.agent : "system",
        kind: "escalation_sent",
        details: {
          level: e.level,
          role: "team_lead",
          to: [USERS.lead],
          ...(e.manual ? { manual: true } : {}),
        },
      });
    }
    for (const c of s.comms) {
      await db.insert(incidentLog).values({
        incidentId,
        actor: c === "phone" ? USERS.lead : "system",
        ...(c === "slack"
          ? { kind: "milestone_posted" as const, details: { channel: "C0STAKE", milestone: "resolved" } }
          : c === "phone"
            ? { kind: "communication_logged" as const, details: { channel: "phone", direction: "outbound" } }
            : { kind: "communication_sent" as const, details: { via: c, audience: "Executives" } }),
      });
    }
    if (s.rootCause) {
      await db.insert(reviews).values({
        incidentId,
        status: "completed",
        requestedBy: USERS.lead,
        rootCauseCategory: s.rootCause,
        completedAt: at(s, 5000),
      });
    }
    if (s.ref === 11 || s.ref === 12 || s.ref === 15) {
      const overdue = s.ref === 11;
      await db.insert(improvementActions).values({
        incidentId,
        description: `Action for ${s.ref}`,
        ownerId: USERS.lead,
        dueOn: overdue ? "2026-04-01" : "2099-01-01",
        dueAt: new Date(overdue ? "2026-04-01T23:00:00Z" : "2099-01-01T00:00:00Z"),
        status: s.ref === 15 ? "done" : "open",
        createdBy: USERS.lead,
      });
    }
  }
}

// ---------------------------------------------------------------------------------------------
// The expected figures, computed independently of the SQL.

function percentileCont(values: number[], p: number): number | null {
  if (values.length === 0) return null;
  const v = [...values].sort((a, b) => a - b);
  const pos = p * (v.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return v[lo]! + (v[hi]! - v[lo]!) * (pos - lo);
}

function outcome(done: number | null, due: number, breached: boolean, logged: string, now: Date) {
  if (breached || (done !== null && done > due)) return "missed";
  if (done === null) return new Date(logged).getTime() + due * MIN <= now.getTime() ? "missed" : "pending";
  return "met";
}

function expectedPriorityRow(rows: Seed[], priority: Priority | null, now: Date): PriorityFigures {
  const respond = rows.map((s) =>
    outcome(s.ack ?? s.resolved, s.respondDue, s.respondBreached, s.logged, now),
  );
  const resolve = rows.map((s) => outcome(s.resolved, s.resolveDue, s.resolveBreached, s.logged, now));
  const count = (list: string[], v: string) => list.filter((x) => x === v).length;
  const tta = rows.filter((s) => s.ack !== null).map((s) => s.ack! * 60);
  const ttr = rows.filter((s) => s.resolved !== null).map((s) => s.resolved! * 60);
  return {
    priority,
    incidents: rows.length,
    respond: { met: count(respond, "met"), missed: count(respond, "missed") },
    resolve: { met: count(resolve, "met"), missed: count(resolve, "missed") },
    acknowledged: tta.length,
    resolved: ttr.length,
    mttaMedian: percentileCont(tta, 0.5),
    mttaP90: percentileCont(tta, 0.9),
    mttrMedian: percentileCont(ttr, 0.5),
    mttrP90: percentileCont(ttr, 0.9),
    everResolved: rows.filter((s) => s.resolved !== null || s.reopens > 0).length,
    reopened: rows.filter((s) => s.reopens > 0).length,
  };
}

function countBy<T>(rows: T[], key: (r: T) => string | null): { key: string; count: number }[] {
  const m = new Map<string, number>();
  for (const r of rows) {
    const k = key(r);
    if (k !== null) m.set(k, (m.get(k) ?? 0) + 1);
  }
  return [...m]
    .map(([k, count]) => ({ key: k, count }))
    .sort((a, b) => b.count - a.count || (a.key < b.key ? -1 : 1));
}

function expectedFigures(now: Date): Omit<KpiFigures, "daily"> {
  const inPeriod = SEEDS.filter((s) => s.ref >= 10 && s.ref <= 18);
  const priorities = [...new Set(inPeriod.map((s) => s.priority))].sort();
  const escalations = new Map<
    string,
    { level: number; manual: boolean; sent: number; incidents: Set<number> }
  >();
  for (const s of inPeriod) {
    for (const e of s.escalations) {
      const k = `${e.level}-${e.manual}`;
      const entry = escalations.get(k) ?? { level: e.level, manual: e.manual, sent: 0, incidents: new Set() };
      entry.sent += 1;
      entry.incidents.add(s.ref);
      escalations.set(k, entry);
    }
  }
  return {
    byType: countBy(inPeriod, (s) => s.type),
    byChannel: countBy(inPeriod, (s) => s.channel),
    byPriority: [
      ...priorities.map((p) =>
        expectedPriorityRow(
          inPeriod.filter((s) => s.priority === p),
          p,
          now,
        ),
      ),
      expectedPriorityRow(inPeriod, null, now),
    ],
    breaches: countBy(
      inPeriod.flatMap((s) => [
        ...(s.respondBreached ? ["respond"] : []),
        ...(s.resolveBreached ? ["resolve"] : []),
      ]),
      (name) => name,
    ),
    escalations: [...escalations.values()]
      .map((e) => ({ level: e.level, manual: e.manual, sent: e.sent, incidents: e.incidents.size }))
      .sort((a, b) => a.level - b.level || Number(a.manual) - Number(b.manual)),
    rootCauses: countBy(inPeriod, (s) => s.rootCause),
    services: countBy(inPeriod, (s) => s.service),
    // 11's action is open and overdue, 12's open and not due, 15's done.
    actions: { open: 2, overdue: 1 },
    communications: countBy(
      inPeriod.flatMap((s) => s.comms),
      (c) => c,
    ),
    // The seed's incidents are written directly, without caller reports: none had a contact.
    callers: {
      contacts: 0,
      incidents: inPeriod.length,
      mean: 0,
      median: 0,
      byPriority: priorities.map((p) => ({
        priority: p,
        incidents: inPeriod.filter((s) => s.priority === p).length,
        contacts: 0,
        mean: 0,
      })),
      byChannel: [],
    },
  };
}

// ---------------------------------------------------------------------------------------------

let h: Harness;
let digestChannel: string;

beforeAll(async () => {
  h = await startHarness({
    editPolicy: (yaml) => {
      const security = /security_breach:[\s\S]*?stakeholder_channels: \[(C\w+)\]/.exec(yaml)![1]!;
      digestChannel = security;
      return yaml.replace("\nroles:", `\ndigest_channel: ${security}\nroles:`);
    },
  });
  await seed(h);
});
afterAll(async () => {
  await h?.stop();
});

async function runReport(text: string, user: string) {
  const before = h.slack.responses.length;
  const res = await h.command(text, { user });
  expect(res.status).toBe(200);
  const r = await h.slack.waitFor(() => h.slack.responses.slice(before)[0]);
  expect(r.body.response_type).toBe("ephemeral");
  return r.body as { text: string; blocks?: unknown[] };
}

/** A lead asks for a period outside the dates reports cover: told the range, sent nothing. */
async function expectRangeRefused(text: string) {
  const filesBefore = h.slack.files.length;
  const handled = await handlersFinished(h.system.deps);
  const body = await runReport(text, USERS.lead);
  expect(body.text).toContain("2000-01-01 to 2100-12-31");
  expect(body.text).not.toMatch(/Something went wrong|internal error/i);
  await handlersDone(h.system.deps, handled);
  await settled(h.system.deps);
  expect(h.slack.files.length).toBe(filesBefore);
}

describe("/incident report", () => {
  it("computes every KPI in SQL equal to the figures worked out from the seed", async () => {
    const now = new Date();
    const period = reportPeriod({ kind: "between", from: FROM, to: TO }, now, TZ)!;
    const figures = await kpiFigures(h.system.deps.db, {
      from: period.from,
      to: period.to,
      timezone: TZ,
      asOf: now,
    });
    const { daily, ...rest } = figures;
    expect(rest).toEqual(expectedFigures(now));
    // Per local day: 29 March counts 18, logged at 00:30 UTC = 01:30 BST.
    expect(daily.find((d) => d.day === "2026-03-29")?.incidents).toBe(1);
    expect(daily.filter((d) => d.day === "2026-03-23").map((d) => [d.priority, d.incidents])).toEqual([
      ["P1", 2],
    ]);
    expect(daily.reduce((n, d) => n + d.incidents, 0)).toBe(9);
  });

  it("answers a team lead with the summary, then sends the chart PNG and the CSV to their DM", async () => {
    const filesBefore = h.slack.files.length;
    const body = await runReport(`report ${FROM} ${TO}`, USERS.lead);
    const json = JSON.stringify(body);
    expect(json).toContain("Incidents:* 9");
    const all = expectedFigures(new Date()).byPriority.at(-1)!;
    expect([all.reopened, all.everResolved]).toEqual([2, 8]);
    expect(json).toContain("Reopen rate:* 25.0% (2 of 8 resolved)");
    expect(json).toContain("Third-party supplier 2");
    expect(json).toContain("2 open, 1 overdue");
    expect(json).not.toContain("CALLER-SECRET");

    const files = await eventually("report files uploaded", async () => {
      const mine = h.slack.files.slice(filesBefore);
      return mine.length >= 2 ? mine : undefined;
    });
    const png = files.find((f) => f.filename.endsWith(".png"))!;
    const csv = files.find((f) => f.filename.endsWith(".csv"))!;
    const dm = h.slack.channels.get(png.channel!);
    expect(dm?.is_im).toBe(true);
    expect([...(dm?.members ?? [])]).toContain(USERS.lead);
    expect(csv.channel).toBe(png.channel);

    const image = await loadImage(png.content);
    expect([image.width, image.height]).toEqual([CHART_WIDTH, CHART_HEIGHT]);

    const text = csv.content.toString("utf8");
    const records = text.split("\r\n").filter(Boolean);
    expect(records[0]).toMatch(/^reference,title,type,priority/);
    const refs = records.slice(1).map((r) => r.split(",")[0]);
    expect(refs.sort()).toEqual(
      SEEDS.filter((s) => s.ref >= 10 && s.ref <= 18)
        .map((s) => `INC-${900_000 + s.ref}`)
        .sort(),
    );
    expect(text).not.toContain("CALLER-SECRET");
    // RFC 4180 quoting with the formula neutralised.
    expect(text).toContain(`"'=HYPERLINK(""http://x"") queue ""stuck"", again"`);
  });

  it("refuses someone who is not a team lead or above, and sends nothing", async () => {
    const filesBefore = h.slack.files.length;
    const handled = await handlersFinished(h.system.deps);
    const body = await runReport("report 7d", USERS.agent);
    expect(body.text).toContain("KPI reports are for team leads");
    await handlersDone(h.system.deps, handled);
    await settled(h.system.deps);
    expect(h.slack.files.length).toBe(filesBefore);
  });

  it("explains a period it cannot read", async () => {
    const body = await runReport("report 2026-03-09 2026-03-01", USERS.lead);
    expect(body.text).toContain("start date is after the end date");
  });

  it("a report for 0000-01-01..0000-12-31 gets a clear message, not an error", async () => {
    await expectRangeRefused("report 0000-01-01 0000-12-31");
  });

  it("a report for 9999-12-01..9999-12-31 gets a clear message", async () => {
    await expectRangeRefused("report 9999-12-01 9999-12-31");
  });

  it("a period just outside 2000-01-01..2100-12-31 is refused the same way", async () => {
    await expectRangeRefused("report 1999-12-25 2000-01-02");
    await expectRangeRefused("report 2100-12-25 2101-01-02");
  });

  it("a period that got past the parser still never reaches SQL out of range", async () => {
    const ctx = {
      userId: USERS.lead,
      channelId: h.channels.floor,
      triggerId: "T-out-of-range",
      client: h.system.deps.slack,
      requestKey: "command:out-of-range",
    } as unknown as Parameters<typeof answerReport>[2];
    for (const [from, to] of [
      ["0000-01-01", "0000-12-31"],
      ["9999-12-01", "9999-12-31"],
    ] as const) {
      const reply = await answerReport(h.system.deps, { kind: "between", from, to }, ctx);
      expect(reply.text).toContain("2000-01-01 to 2100-12-31");
    }
  });

  it("sends the files once when Slack completed the upload but its answer was lost", async () => {
    const filesBefore = h.slack.files.length;
    const sent = () => h.slack.files.slice(filesBefore).map((f) => f.filename);
    const asOf = new Date();
    const request = {
      userId: USERS.lead,
      period: reportPeriod({ kind: "between", from: FROM, to: TO }, asOf, TZ)!,
      asOf,
    };
    h.slack.failNext("files.completeUploadExternal", { status: 500, afterEffect: true });
    await expect(sendReportFiles(h.system.deps, request)).rejects.toThrow();
    expect(sent()).toHaveLength(2);
    expect(await sendReportFiles(h.system.deps, { ...request, retry: true })).toMatchObject({
      alreadySent: true,
    });
    expect(sent()).toHaveLength(2);

    // A completion that never happened leaves nothing in the DM: the retry sends them.
    await new Promise((r) => setTimeout(r, 5)); // a later asOf than the request before, not a wait for work
    const again = { ...request, asOf: new Date() };
    h.slack.failNext("files.completeUploadExternal", { status: 500 });
    await expect(sendReportFiles(h.system.deps, again)).rejects.toThrow();
    expect(sent()).toHaveLength(2);
    expect(await sendReportFiles(h.system.deps, { ...again, retry: true })).toMatchObject({ incidents: 9 });
    expect(sent()).toHaveLength(4);
    expect(sent().filter((f) => f.endsWith(".csv"))).toHaveLength(2);
  });
});

describe("weekly digest", () => {
  it("posts last week's summary and chart to the digest channel once, even when run twice", async () => {
    const deps = h.system.deps;
    const [first, second] = [await postWeeklyDigest(deps), await postWeeklyDigest(deps)];
    expect(first.status).toBe("posted");
    expect(second.status).toBe("posted");
    const week = previousWeek(deps.clock.now(), TZ)!;
    const posts = h.slack
      .messagesIn(digestChannel)
      .filter((m) => JSON.stringify(m.blocks ?? []).includes("Weekly incident KPIs"));
    expect(posts).toHaveLength(1);
    expect(JSON.stringify(posts[0]!.blocks)).toContain(week.days[0]);
    const charts = h.slack.files.filter((f) => f.channel === digestChannel && f.filename.endsWith(".png"));
    expect(charts).toHaveLength(1);
    const image = await loadImage(charts[0]!.content);
    expect(image.width).toBe(CHART_WIDTH);
  });

  it("registers its job scheduler at worker start, in the policy's zone", async () => {
    const schedulers = await h.system.deps.jobs.queue("slack").getJobSchedulers();
    const digest = schedulers.find((s) => s.key === "report-digest");
    expect(digest?.pattern).toBe("0 8 * * 1");
    expect(digest?.tz).toBe(TZ);
  });
});
