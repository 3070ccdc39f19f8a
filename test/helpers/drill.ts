import { eq, inArray } from "drizzle-orm";
import type { Db } from "../../src/db/client.js";
import { callerReferences, incidentLog, incidents, outbox, slaEvents } from "../../src/db/schema/index.js";
import { outboxIdsOf } from "../../src/delivery/post.js";
import { formatReference } from "../../src/domain/reference.js";
import type { FakeMessage, FakeSlack, FakeView } from "../../src/emulator/types.js";
import { VIEW } from "../../src/messages/ids.js";
import { type Harness, USERS } from "./harness.js";
import { type LogForm, logFormState, validLogForm, viewSubmission } from "./slack-payloads.js";

/** Fault drills: intake through the real receiver, and a ledger of PostgreSQL against Slack. */

export interface SubmitResult {
  status: number;
  ms: number;
  body: string;
  ack: {
    response_action?: string;
    errors?: Record<string, string>;
    view?: { blocks: unknown[] };
  } | null;
  /** `INC-000042` when the ack (or, for a late save, the view after it) says the incident is logged. */
  reference: string | null;
  /** The ack was the "saving" view: the save outlived the request deadline. */
  saving: boolean;
  /** For a late save that failed: what the view, shown again as the form, says. */
  notSaved: string | null;
}

/** Runs `/incident` and returns the modal the bot opened. */
export async function openLogModal(h: Harness, user: string = USERS.agent): Promise<FakeView> {
  const before = h.slack.views.length;
  const res = await h.command("", { user });
  if (res.status !== 200) throw new Error(`/incident answered ${res.status}`);
  return h.slack.waitFor(
    () => h.slack.views.slice(before).find((v) => v.type === "modal" && v.user === user),
    { timeoutMs: 10_000 },
  );
}

/** Submits the log-incident modal as Slack would and reads the ack. */
export async function submitLogModal(
  h: Harness,
  opened: FakeView,
  form: LogForm = validLogForm(),
  user: string = USERS.agent,
): Promise<SubmitResult> {
  const started = Date.now();
  const res = await h.action(viewSubmission({ user, opened, state: logFormState(form) }));
  const body = await res.text();
  const ms = Date.now() - started;
  let ack: SubmitResult["ack"] = null;
  try {
    ack = body ? JSON.parse(body) : {};
  } catch {
    ack = null;
  }
  const match = ack?.response_action === "update" ? JSON.stringify(ack.view ?? {}).match(/INC-\d{6}/) : null;
  const saving = ack?.response_action === "update" && JSON.stringify(ack.view ?? {}).includes(VIEW.saving);
  const result = { status: res.status, ms, body, ack, reference: match?.[0] ?? null, saving, notSaved: null };
  return saving ? { ...result, ...(await lateOutcome(h, opened.id)) } : result;
}

/**
 * What the view shows once a save that outlived the deadline has ended: its reference, or the
 * form again saying why it was not saved (answerByDeadline gives up waiting after 20 s).
 */
async function lateOutcome(
  h: Harness,
  viewId: string,
): Promise<Pick<SubmitResult, "reference" | "notSaved">> {
  return h.slack.waitFor(
    () => {
      const text = JSON.stringify(h.slack.views.find((v) => v.id === viewId)?.view ?? {});
      if (text.includes(VIEW.logged))
        return { reference: text.match(/INC-\d{6}/)?.[0] ?? null, notSaved: null };
      if (text.includes("Not saved")) return { reference: null, notSaved: text };
      return undefined;
    },
    { timeoutMs: 60_000 },
  );
}

export function referenceNumber(reference: string): number {
  return Number(reference.slice(4));
}

/** Messages the bot posted with an outbox id in their metadata, grouped by that id. */
export function postsByOutboxId(slack: FakeSlack): Map<string, FakeMessage[]> {
  const byId = new Map<string, FakeMessage[]>();
  for (const m of slack.messages) {
    for (const id of outboxIdsOf(m.metadata)) byId.set(id, [...(byId.get(id) ?? []), m]);
  }
  return byId;
}

export interface Ledger {
  /** Outbox rows not yet sent (pending or failed), with why. */
  unsent: Array<{ id: string; purpose: string; status: string; lastError: string | null }>;
  /** Outbox rows whose message is in Slack more than once. */
  doubled: Array<{ id: string; purpose: string; copies: number }>;
  /** Sent rows with no message carrying their id in Slack. */
  missing: Array<{ id: string; purpose: string }>;
  /** Messages carrying an outbox id that PostgreSQL does not know. */
  strays: string[];
  /** Sent rows whose recorded ts is not the ts of the message in Slack. */
  wrongTs: string[];
  byPurpose: Record<string, number>;
  rows: number;
}

/**
 * Compares every outbox row of these incidents (all rows when `incidentIds` is omitted) with
 * what the fake Slack holds: each row must be sent, exactly once, with the ts it recorded.
 */
export async function outboxLedger(db: Db, slack: FakeSlack, incidentIds?: string[]): Promise<Ledger> {
  const rows = incidentIds
    ? incidentIds.length
      ? await db.select().from(outbox).where(inArray(outbox.incidentId, incidentIds))
      : []
    : await db.select().from(outbox);
  const posts = postsByOutboxId(slack);
  const ledger: Ledger = {
    unsent: [],
    doubled: [],
    missing: [],
    strays: [],
    wrongTs: [],
    byPurpose: {},
    rows: rows.length,
  };
  const known = new Set<string>();
  for (const row of rows) {
    known.add(row.id);
    ledger.byPurpose[row.purpose] = (ledger.byPurpose[row.purpose] ?? 0) + 1;
    const copies = posts.get(row.id) ?? [];
    if (row.status !== "sent") {
      ledger.unsent.push({ id: row.id, purpose: row.purpose, status: row.status, lastError: row.lastError });
    }
    if (copies.length > 1) ledger.doubled.push({ id: row.id, purpose: row.purpose, copies: copies.length });
    if (row.status === "sent" && copies.length === 0)
      ledger.missing.push({ id: row.id, purpose: row.purpose });
    if (row.status === "sent" && copies.length === 1 && copies[0]?.ts !== row.ts) ledger.wrongTs.push(row.id);
  }
  if (!incidentIds) {
    for (const id of posts.keys()) if (!known.has(id)) ledger.strays.push(id);
  }
  return ledger;
}

/**
 * Every incident row is whole: its caller reference (when the form had one) and its
 * `created` log entry exist. Returns the references of incidents that are not.
 */
export async function halfCreatedIncidents(db: Db): Promise<string[]> {
  const all = await db.select({ id: incidents.id, number: incidents.number }).from(incidents);
  const refs = await db.select({ incidentId: callerReferences.incidentId }).from(callerReferences);
  const created = await db
    .select({ incidentId: incidentLog.incidentId })
    .from(incidentLog)
    .where(eq(incidentLog.kind, "created"));
  const withRef = new Set(refs.map((r) => r.incidentId));
  const withLog = new Set(created.map((r) => r.incidentId));
  return all.filter((i) => !withRef.has(i.id) || !withLog.has(i.id)).map((i) => formatReference(i.number));
}

/** How many times each (clock, generation, step) fired: more than one would be a doubled step. */
export async function slaEventCounts(db: Db): Promise<Map<string, number>> {
  const rows = await db.select().from(slaEvents);
  const counts = new Map<string, number>();
  for (const r of rows) {
    const key = `${r.clockId}:${r.generation}:${r.step}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
