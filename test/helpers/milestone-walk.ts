import { expect } from "vitest";
import type { IncidentRow } from "../../src/db/schema/index.js";
import type { Milestone } from "../../src/domain/milestones.js";
import { CARD_ACTION } from "../../src/messages/ids.js";
import { eventually } from "./eventually.js";
import { loadIncident } from "./factories.js";
import { type Harness, USERS } from "./harness.js";
import { clickButton, submitView } from "./interact.js";
import { formValue } from "./slack-payloads.js";

const { text, choice, when } = formValue;
const major = { value: { type: "checkboxes", selected_options: [{ value: "major" }] } };

/** Clicks a card button as `user`; returns the ephemeral answer or the form it opened. */
export function click(h: Harness, incident: IncidentRow, actionId: string, user: string = USERS.agent) {
  return clickButton(
    h,
    { channel: incident.channelId!, ts: incident.summaryTs!, actionId, value: incident.id },
    user,
  );
}

export async function form(
  h: Harness,
  incident: IncidentRow,
  actionId: string,
  state: object,
  user: string = USERS.agent,
) {
  const opened = await click(h, incident, actionId, user);
  if (!opened.view) throw new Error(`no form opened: ${opened.text}`);
  expect(await submitView(h, opened.view, state as Record<string, unknown>, user)).toEqual({});
}

/** Takes one incident through every milestone from the card, as the people working it would. */
export async function walkEveryMilestone(h: Harness, incident: IncidentRow) {
  const status = (s: string) =>
    eventually(`status ${s}`, async () => (await loadIncident(h.system.deps, incident.id)).status === s);
  await click(h, incident, CARD_ACTION.acknowledge); // acknowledged (the agent owns it)
  await click(h, incident, CARD_ACTION.takeOwnership, USERS.lead); // owner_changed
  await form(h, incident, CARD_ACTION.update, {
    happening: text("Carrier is rerouting calls"),
    customer_impact: text("Some callers hear silence"),
    next_update: when(new Date(Date.now() + 30 * 60_000)),
  });
  const recategorise = {
    impact: choice("high"),
    urgency: choice("medium"),
    priority: choice("matrix"),
    type: choice("service_failure"),
    reason: text("Calls failing across the floor"),
  };
  await form(h, incident, CARD_ACTION.recategorise, recategorise); // priority_changed P3 → P2
  await form(h, incident, CARD_ACTION.recategorise, { ...recategorise, major, reason: text("Board asking") }); // major_changed
  await click(h, incident, CARD_ACTION.start, USERS.lead);
  await status("in_progress");
  await form(h, incident, CARD_ACTION.hold, { hold_reason: choice("awaiting_third_party") }, USERS.lead); // on_hold
  await status("on_hold");
  await click(h, incident, CARD_ACTION.resume, USERS.lead); // resumed
  const resolve = { resolution_summary: text("Carrier fixed the route"), close_code: choice("fixed") };
  await form(h, incident, CARD_ACTION.resolve, resolve, USERS.lead); // resolved
  await status("resolved");
  await form(h, incident, CARD_ACTION.reopen, { reason: text("Calls dropping again") }, USERS.lead); // reopened
  await status("in_progress");
  await form(h, incident, CARD_ACTION.resolve, resolve, USERS.lead); // resolved again
  await status("resolved");
  const closed = await click(h, incident, CARD_ACTION.close, USERS.lead); // closed
  expect(closed.text).toContain("Closed");
}

/** The milestones walkEveryMilestone reaches, in order (logged first: the incident itself). */
export const EVERY: Milestone[] = [
  "logged",
  "acknowledged",
  "owner_changed",
  "update",
  "priority_changed",
  "major_changed",
  "on_hold",
  "resumed",
  "resolved",
  "reopened",
  "resolved",
  "closed",
];
