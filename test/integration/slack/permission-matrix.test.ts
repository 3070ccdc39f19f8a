import { and, count, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listLog } from "../../../src/db/queries/incident-log.js";
import { cardBehind } from "../../../src/db/queries/incidents.js";
import { type IncidentRow, outbox } from "../../../src/db/schema/index.js";
import type { Status } from "../../../src/domain/incident.js";
import { formatReference } from "../../../src/domain/reference.js";
import { CARD_ACTION, FLOOR_ACTION } from "../../../src/messages/ids.js";
import { changeStatus } from "../../../src/services/lifecycle.js";
import { assignOwner } from "../../../src/services/ownership.js";
import { recategorise } from "../../../src/services/recategorise.js";
import { eventually } from "../../helpers/eventually.js";
import { loadIncident, readyIncident } from "../../helpers/factories.js";
import { type Harness, startHarness, USERS } from "../../helpers/harness.js";
import { clickButton, submitView } from "../../helpers/interact.js";
import { settled } from "../../helpers/settled.js";
import { formValue } from "../../helpers/slack-payloads.js";

/**
 * Every state-changing action (buttons, forms, commands) × every kind of colleague × every
 * status, against the permission table in docs/security.md ("Who may do what"). An action that is
 * allowed changes the incident; one that is refused changes nothing: no field, no log entry,
 * no outbox row, no Slack post. All requests go through the real receiver, signed.
 */

const OWNER = "U0OWNER";
const ACTORS = {
  stranger: USERS.other,
  reporter: USERS.agent,
  owner: OWNER,
  "team lead": USERS.lead,
  "duty manager": USERS.duty,
} as const;
type Actor = keyof typeof ACTORS;
const STATUSES = ["open", "on_hold", "resolved", "closed"] as const satisfies readonly Status[];
type MatrixStatus = (typeof STATUSES)[number];

// Who may, in the words of docs/security.md (default policy: team lead, duty manager, head of operations).
const ANYONE: Actor[] = ["stranger", "reporter", "owner", "team lead", "duty manager"];
const OWNER_OR_RESOLVE_ROLE: Actor[] = ["owner", "team lead", "duty manager"];
const CLOSE_ROLE: Actor[] = ["team lead", "duty manager"];
const REOPEN_CLOSED_ROLE: Actor[] = ["team lead", "duty manager"];
const DOWNGRADE_MAJOR_ROLE: Actor[] = ["duty manager"];
const OWNER_REPORTER_OR_ESCALATE_ROLE: Actor[] = ["owner", "reporter", "team lead", "duty manager"];
const NOT_CLOSED: MatrixStatus[] = ["open", "on_hold", "resolved"];
const STILL_OPEN: MatrixStatus[] = ["open", "on_hold"];

const { text, choice, when } = formValue;
const checkbox = (ticked: boolean) => ({
  value: { type: "checkboxes", selected_options: ticked ? [{ value: "major" }] : [] },
});
const categories = (p: { impact: string; urgency: string; major: boolean; reason: string }) => ({
  impact: choice(p.impact),
  urgency: choice(p.urgency),
  priority: choice("matrix"),
  type: choice("service_failure"),
  major: checkbox(p.major),
  reason: text(p.reason),
});

type Perform =
  | { kind: "command"; text: string }
  | { kind: "button"; actionId: string }
  | { kind: "form"; actionId: string; state: Record<string, unknown> };

interface MatrixAction {
  name: string;
  perform: Perform;
  /** Who may, per status; a status missing from the map is one where nobody may. */
  who: Partial<Record<MatrixStatus, Actor[]>>;
  /** Who may, but for whom it is already so (taking what you own): nothing changes either. */
  already?: Actor[];
}

const everywhere = (statuses: MatrixStatus[], who: Actor[]) =>
  Object.fromEntries(statuses.map((s) => [s, who])) as Partial<Record<MatrixStatus, Actor[]>>;

const ACTIONS: MatrixAction[] = [
  {
    name: "acknowledge (card)",
    perform: { kind: "button", actionId: CARD_ACTION.acknowledge },
    who: { open: ANYONE },
  },
  {
    name: "acknowledge (command)",
    perform: { kind: "command", text: "status acknowledged" },
    who: { open: ANYONE },
  },
  // Start is legal from acknowledged only, which no incident of the matrix is.
  { name: "start work (card)", perform: { kind: "button", actionId: CARD_ACTION.start }, who: {} },
  {
    name: "put on hold (form)",
    perform: {
      kind: "form",
      actionId: CARD_ACTION.hold,
      state: { hold_reason: choice("awaiting_customer"), hold_note: text("Customer to ring back") },
    },
    who: {},
  },
  {
    name: "resume (card)",
    perform: { kind: "button", actionId: CARD_ACTION.resume },
    who: { on_hold: ANYONE },
  },
  {
    name: "resume (command)",
    perform: { kind: "command", text: "status in_progress" },
    who: { on_hold: ANYONE },
  },
  {
    name: "resolve (form)",
    perform: {
      kind: "form",
      actionId: CARD_ACTION.resolve,
      state: { resolution_summary: text("Carrier fixed the route"), close_code: choice("fixed") },
    },
    who: everywhere(STILL_OPEN, OWNER_OR_RESOLVE_ROLE),
  },
  {
    name: "close (card)",
    perform: { kind: "button", actionId: CARD_ACTION.close },
    who: { resolved: CLOSE_ROLE },
  },
  { name: "close (command)", perform: { kind: "command", text: "close" }, who: { resolved: CLOSE_ROLE } },
  {
    name: "reopen (form)",
    perform: { kind: "form", actionId: CARD_ACTION.reopen, state: { reason: text("Callers still failing") } },
    who: { resolved: OWNER_OR_RESOLVE_ROLE, closed: REOPEN_CLOSED_ROLE },
  },
  {
    name: "note (command)",
    perform: { kind: "command", text: "note Carrier called back" },
    who: everywhere(NOT_CLOSED, ANYONE),
  },
  {
    name: "post update (form)",
    perform: {
      kind: "form",
      actionId: CARD_ACTION.update,
      state: {
        happening: text("Carrier is rerouting calls"),
        customer_impact: text("Some callers hear silence"),
        next_update: when(new Date(Date.now() + 3_600_000)),
      },
    },
    who: everywhere(NOT_CLOSED, ANYONE),
  },
  {
    name: "assign someone else (command)",
    perform: { kind: "command", text: `assign <@${USERS.head}>` },
    who: everywhere(NOT_CLOSED, OWNER_OR_RESOLVE_ROLE),
  },
  {
    name: "take ownership (card)",
    perform: { kind: "button", actionId: CARD_ACTION.takeOwnership },
    who: everywhere(NOT_CLOSED, OWNER_OR_RESOLVE_ROLE),
    already: ["owner"],
  },
  {
    name: "raise the priority (re-categorise form)",
    perform: {
      kind: "form",
      actionId: CARD_ACTION.recategorise,
      state: categories({ impact: "high", urgency: "high", major: true, reason: "Whole region down" }),
    },
    who: everywhere(NOT_CLOSED, ANYONE),
  },
  {
    name: "lower a P2 (re-categorise form)",
    perform: {
      kind: "form",
      actionId: CARD_ACTION.recategorise,
      state: categories({ impact: "low", urgency: "low", major: true, reason: "Only one queue" }),
    },
    who: everywhere(NOT_CLOSED, DOWNGRADE_MAJOR_ROLE),
  },
  {
    name: "clear the major flag (re-categorise form)",
    perform: {
      kind: "form",
      actionId: CARD_ACTION.recategorise,
      state: categories({ impact: "medium", urgency: "high", major: false, reason: "Not major after all" }),
    },
    who: everywhere(NOT_CLOSED, DOWNGRADE_MAJOR_ROLE),
  },
  {
    name: "escalate by hand (command)",
    perform: { kind: "command", text: "escalate Queue at 40 minutes" },
    who: everywhere(STILL_OPEN, OWNER_REPORTER_OR_ESCALATE_ROLE),
  },
  {
    name: "record impact (form)",
    perform: {
      kind: "form",
      actionId: FLOOR_ACTION.recordImpact,
      state: { impact_calls_queued: { value: { type: "number_input", value: "25" } } },
    },
    // Supporting the floor is for incidents still being worked.
    who: everywhere(STILL_OPEN, ANYONE),
  },
];

let h: Harness;
const deps = () => h.system.deps;

beforeAll(async () => {
  h = await startHarness();
  h.slack.addUser(OWNER, { name: "olly.owner" });
});
afterAll(async () => {
  await h?.stop();
});

/**
 * A P2 (medium impact, high urgency) flagged major, owned by OWNER, reported by the agent,
 * in `status`: lowering it and clearing its flag are both guarded; "the owner" holds no role.
 */
async function incidentIn(status: MatrixStatus): Promise<IncidentRow> {
  const incident = await readyIncident(deps(), { impact: "medium", urgency: "high" });
  const actor = USERS.head;
  const must = async (p: Promise<{ ok: boolean }>) => expect((await p).ok).toBe(true);
  await must(assignOwner(deps(), { incidentId: incident.id, actor, ownerId: OWNER }));
  await must(
    recategorise(deps(), { incidentId: incident.id, actor, changes: { major: true }, reason: "Board asks" }),
  );
  if (status === "on_hold") {
    await must(changeStatus(deps(), { incidentId: incident.id, actor, action: "acknowledge" }));
    await must(changeStatus(deps(), { incidentId: incident.id, actor, action: "start" }));
    await must(
      changeStatus(deps(), {
        incidentId: incident.id,
        actor,
        action: "hold",
        hold: { reason: "awaiting_customer" },
      }),
    );
  }
  if (status === "resolved" || status === "closed") {
    await must(
      changeStatus(deps(), {
        incidentId: incident.id,
        actor,
        action: "resolve",
        resolution: { summary: "Fixed", closeCode: "fixed" },
      }),
    );
  }
  if (status === "closed") {
    await must(changeStatus(deps(), { incidentId: incident.id, actor, action: "close" }));
  }
  const ready = await loadIncident(deps(), incident.id);
  expect(ready).toMatchObject({ status, ownerId: OWNER, major: true });
  return ready;
}

/**
 * What an action may change: the record, its log, its outbox posts, and what reached Slack
 * about it. It is read once the incident's posts have landed and its card shows it as it is.
 */
async function snapshot(incident: IncidentRow) {
  await eventually(
    "the incident's posts to land and its card to catch up",
    async () => {
      const [row] = await deps()
        .db.select({ n: count() })
        .from(outbox)
        .where(and(eq(outbox.incidentId, incident.id), eq(outbox.status, "pending")));
      if (row?.n !== 0) return false;
      const { version } = await loadIncident(deps(), incident.id);
      return !(await cardBehind(deps().db, incident.id, version));
    },
    { timeoutMs: 60_000 },
  );
  // And every job an earlier change set in motion (a Home redraw naming the incident) has run:
  // on a slow machine one can still be queued when the posts have landed.
  await settled(deps(), { incidentIds: [incident.id] });
  const { status, priority, major, impact, urgency, ownerId, escalationLevel, version, type } =
    await loadIncident(deps(), incident.id);
  const [posts] = await deps()
    .db.select({ n: count() })
    .from(outbox)
    .where(eq(outbox.incidentId, incident.id));
  return {
    row: { status, priority, major, impact, urgency, ownerId, escalationLevel, version, type },
    log: (await listLog(deps().db, incident.id)).length,
    posts: posts?.n,
    slack: shownAbout(incident).length,
  };
}

async function versionAndLog(incident: IncidentRow): Promise<string> {
  const { version } = await loadIncident(deps(), incident.id);
  return `${version}/${(await listLog(deps().db, incident.id)).length}`;
}

/**
 * Every Slack call others could see about the incident (all but answers to the one who acted):
 * in its channel, or naming its reference (stakeholder notices, DMs, floor posts).
 */
function shownAbout(incident: IncidentRow) {
  const ref = formatReference(incident.number);
  return h.slack.calls.filter(
    (c) =>
      c.method !== "chat.postEphemeral" &&
      c.method !== "views.open" &&
      (c.args.channel === incident.channelId || JSON.stringify(c.args).includes(ref)),
  );
}

/** Performs the action as `user`: a command, a button, or a button's form filled and submitted. */
async function perform(incident: IncidentRow, p: Perform, user: string): Promise<void> {
  if (p.kind === "command") {
    const [replies, forms] = [h.slack.responses.length, h.slack.views.length];
    const res = await h.command(p.text, { channel: incident.channelId!, user });
    expect(res.status).toBe(200);
    // Answered in words, or with the form the move needs (a reopen asks why): either ends it.
    await h.slack.waitFor(() => h.slack.responses.length > replies || h.slack.views.length > forms);
    return;
  }
  const opened = await clickButton(
    h,
    { channel: incident.channelId!, ts: incident.summaryTs!, actionId: p.actionId, value: incident.id },
    user,
  );
  if (p.kind === "form" && opened.view) await submitView(h, opened.view, p.state, user);
}

describe("the permission matrix", () => {
  const shared = new Map<MatrixStatus, IncidentRow>();
  beforeAll(async () => {
    for (const status of STATUSES) shared.set(status, await incidentIn(status));
  }, 120_000);

  it.each(ACTIONS.map((a) => [a.name, a] as const))(
    "%s: allowed cells change the incident, refused cells change nothing",
    async (_name, action) => {
      const cells = STATUSES.flatMap((status) =>
        (Object.entries(ACTORS) as [Actor, string][]).map(([actor, user]) => {
          const may = action.who[status]?.includes(actor) ?? false;
          return { status, actor, user, changes: may && !action.already?.includes(actor) };
        }),
      );
      // A refusal changes nothing, so refused cells share one incident per status; each
      // allowed cell gets its own, made beforehand a few at a time.
      const fresh = new Map<number, IncidentRow>();
      const todo = cells.flatMap((c, i) => (c.changes ? [i] : []));
      for (let i = 0; i < todo.length; i += 4) {
        const batch = todo.slice(i, i + 4);
        const made = await Promise.all(batch.map((j) => incidentIn(cells[j]!.status)));
        for (const [k, j] of batch.entries()) fresh.set(j, made[k]!);
      }
      const outcomes: string[] = [];
      const expected: string[] = [];
      for (const [i, { status, actor, user, changes }] of cells.entries()) {
        expected.push(`${status} × ${actor}: ${changes ? "changes" : "nothing"}`);
        const incident = fresh.get(i) ?? shared.get(status)!;
        if (changes) {
          // Allowed: the change is committed (a form's may land just after its ack).
          const before = await versionAndLog(incident);
          await perform(incident, action.perform, user);
          const changed = await eventually(
            "the allowed change",
            async () => (await versionAndLog(incident)) !== before,
            { timeoutMs: 15_000 },
          ).catch(() => false);
          outcomes.push(`${status} × ${actor}: ${changed ? "changes" : "nothing"}`);
          continue;
        }
        // Refused: nothing at all changes, read once everything the incident had to say has landed.
        const before = await snapshot(incident);
        await perform(incident, action.perform, user);
        const after = await snapshot(incident);
        const sent = shownAbout(incident)
          .slice(before.slack)
          .map((c) => [c.method, c.args]);
        expect({ ...after, sent }).toEqual({ ...before, sent: [] });
        outcomes.push(`${status} × ${actor}: nothing`);
      }
      expect(outcomes).toEqual(expected);
    },
    300_000,
  );
});
