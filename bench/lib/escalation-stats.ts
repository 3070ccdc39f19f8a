import type { Queue } from "bullmq";
import { and, eq, gte } from "drizzle-orm";
import type { Db } from "../../src/db/client.js";
import { incidentLog, slaEvents } from "../../src/db/schema/index.js";
import type { FakeSlack } from "../../src/emulator/server.js";
import { type Percentiles, percentiles } from "./load.js";

/** One incident under test: its reference and when its respond clock falls due (epoch ms). */
export interface Tracked {
  id: string;
  reference: string;
  dueMs: number;
}

/** When a level-1 escalation happened for an incident, and to whom (one entry per event). */
export type Sightings = Map<string, Array<{ atMs: number; to: string }>>;

export interface Lateness {
  late: Percentiles;
  early: number;
  missed: number;
  duplicated: number;
  seen: number;
}

const DM_PATTERN = /Escalation level (\d+) \([^)]*\): (INC-\d+)/;

/**
 * Watches the fake Slack for level-1 escalation DMs, keyed by incident reference. `scan()`
 * reads only messages stored since the last scan (the fake's list only grows).
 */
export function dmWatcher(slack: FakeSlack) {
  const sightings: Sightings = new Map();
  let read = 0;
  return {
    sightings,
    scan(): void {
      const messages = slack.messages;
      for (; read < messages.length; read++) {
        const m = messages[read]!;
        if (!m.channel.startsWith("D")) continue;
        const match = DM_PATTERN.exec(String(m.text ?? ""));
        if (match?.[1] !== "1" || !match[2]) continue;
        const members = [...(slack.channels.get(m.channel)?.members ?? [])];
        const to = members.find((u) => u !== slack.botUserId) ?? "?";
        const list = sightings.get(match[2]) ?? [];
        list.push({ atMs: Number(m.ts) * 1000, to });
        sightings.set(match[2], list);
      }
    },
  };
}

/** Level-1 `escalation_sent` entries of the respond clock, by incident id, at their `at`. */
export async function recordedEscalations(db: Db): Promise<Sightings> {
  const rows = await db
    .select({ incidentId: incidentLog.incidentId, at: incidentLog.at, details: incidentLog.details })
    .from(incidentLog)
    .where(eq(incidentLog.kind, "escalation_sent"));
  const sightings: Sightings = new Map();
  for (const row of rows) {
    if (row.details.level !== 1 || row.details.clock !== "respond") continue;
    const list = sightings.get(row.incidentId) ?? [];
    list.push({ atMs: row.at.getTime(), to: "log" });
    sightings.set(row.incidentId, list);
  }
  return sightings;
}

/**
 * Lateness of the first sighting of each incident after its due time; early = first sighting
 * before due; missed = none; duplicated = incidents with a second sighting for one recipient.
 */
export function lateness(tracked: Tracked[], sightings: Sightings, key: (t: Tracked) => string): Lateness {
  const late: number[] = [];
  let early = 0;
  let missed = 0;
  let duplicated = 0;
  for (const t of tracked) {
    const seen = sightings.get(key(t)) ?? [];
    if (seen.length === 0) {
      missed += 1;
      continue;
    }
    const first = Math.min(...seen.map((s) => s.atMs));
    if (first < t.dueMs) early += 1;
    late.push(first - t.dueMs);
    const recipients = seen.map((s) => s.to);
    if (new Set(recipients).size < recipients.length) duplicated += 1;
  }
  return { late: percentiles(late), early, missed, duplicated, seen: late.length };
}

/** True once every tracked incident has at least one sighting. */
export function allSeen(tracked: Tracked[], sightings: Sightings, key: (t: Tracked) => string): boolean {
  return tracked.every((t) => (sightings.get(key(t))?.length ?? 0) > 0);
}

/**
 * Where a breach's lateness went: `late_ms` is due → the worker started the step (JS clock,
 * before its transaction); `fired_at` is the transaction's start (PostgreSQL's now()), so
 * the rest is the wait for a pooled connection.
 */
export async function breachBreakdown(
  db: Db,
  /** Only steps planned at or after this (the measured window, not a warm-up). */
  since: Date,
): Promise<{ pickup: Percentiles; connection: Percentiles; groups: Percentiles }> {
  const rows = await db
    .select({ lateMs: slaEvents.lateMs, plannedAt: slaEvents.plannedAt, firedAt: slaEvents.firedAt })
    .from(slaEvents)
    .where(and(eq(slaEvents.step, "breach"), gte(slaEvents.plannedAt, since)));
  // Steps fired in one transaction share its start time (PostgreSQL's now()): one group each.
  const groups = new Map<number, number>();
  for (const r of rows) groups.set(r.firedAt.getTime(), (groups.get(r.firedAt.getTime()) ?? 0) + 1);
  return {
    pickup: percentiles(rows.map((r) => r.lateMs)),
    connection: percentiles(rows.map((r) => r.firedAt.getTime() - r.plannedAt.getTime() - r.lateMs)),
    groups: percentiles([...groups.values()]),
  };
}

/** How long each breach job ran in the worker (BullMQ processedOn → finishedOn). */
export async function breachRunTimes(queue: Queue): Promise<Percentiles> {
  const done = await queue.getCompleted(0, -1);
  const runs = done
    .filter((j) => j.data?.step === "breach" && j.processedOn && j.finishedOn)
    .map((j) => j.finishedOn! - j.processedOn!);
  return percentiles(runs);
}
