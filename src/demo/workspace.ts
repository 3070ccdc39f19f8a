import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import type { FakeSlack, WorkspaceSnapshot } from "../emulator/types.js";

/** The demo's Slack workspace: Northwind Contact Centre, its people and channels. */

export const TEAM_NAME = "Northwind Contact Centre";
export const BOT_NAME = "Switchboard";

export interface Persona {
  id: string;
  name: string;
  title: string;
  /** The Slack handle (`name` of users.info). */
  handle: string;
}

/** The people a visitor can act as, in the switcher's order. Ids are fixed: the policy names them. */
export const PERSONAS = {
  agent: { id: "U0NWAGENT1", name: "Priya Shah", title: "Agent", handle: "priya.shah" },
  secondAgent: { id: "U0NWAGENT2", name: "Tom Okafor", title: "Agent", handle: "tom.okafor" },
  teamLead: { id: "U0NWLEAD", name: "Sarah Mitchell", title: "Team lead", handle: "sarah.mitchell" },
  dutyManager: { id: "U0NWDUTY", name: "James Carter", title: "Duty manager", handle: "james.carter" },
  headOfOperations: {
    id: "U0NWHEAD",
    name: "Helen Brooks",
    title: "Head of operations",
    handle: "helen.brooks",
  },
  stakeholder: { id: "U0NWSTAKE", name: "Daniel Reyes", title: "Stakeholder", handle: "daniel.reyes" },
} as const satisfies Record<string, Persona>;

export type Personas = typeof PERSONAS;

/** Other people in the workspace (the policy names them; the switcher does not). */
const OTHERS: Persona[] = [{ id: "U0NWTEL", name: "Marcus Webb", title: "", handle: "marcus.webb" }];

const P = PERSONAS;

interface SeedChannel {
  name: string;
  topic: string;
  purpose: string;
  members: string[];
}

/** The channels the policy names (as {{name}}), created on first start. */
export const CHANNELS: SeedChannel[] = [
  {
    name: "agent-floor",
    topic: "Floor A: live queue chat and briefings",
    purpose: "Agents and team leads on the contact floor",
    members: [P.agent.id, P.secondAgent.id, P.teamLead.id, P.dutyManager.id],
  },
  {
    name: "client-updates",
    topic: "Service status for Northwind's clients",
    purpose: "Stakeholder updates on incidents that affect clients",
    members: [P.stakeholder.id, P.dutyManager.id, P.headOfOperations.id, P.teamLead.id],
  },
  {
    name: "telephony-support",
    topic: "Carrier, IVR and queue routing",
    purpose: "Telephony engineers and incident updates about calls",
    members: [P.teamLead.id, P.dutyManager.id, OTHERS[0]!.id],
  },
  {
    name: "security-incidents",
    topic: "Suspected data exposure and account misuse",
    purpose: "Security breach updates",
    members: [P.dutyManager.id, P.headOfOperations.id],
  },
  {
    name: "complaints",
    topic: "Complaint trends",
    purpose: "Updates on incidents raised through complaints",
    members: [P.teamLead.id, P.dutyManager.id, P.stakeholder.id],
  },
  {
    name: "incidents",
    topic: "Routine incidents, one thread each",
    purpose: "P4 and P5 incidents are worked in a thread under their card here",
    members: [P.agent.id, P.secondAgent.id, P.teamLead.id, P.dutyManager.id],
  },
  {
    name: "floor-support",
    topic: "Ask for help here",
    purpose: "Requests for help from agents during incidents",
    members: [P.agent.id, P.secondAgent.id, P.teamLead.id],
  },
  {
    name: "ops-managers",
    topic: "Weekly KPIs",
    purpose: "Operations management",
    members: [P.teamLead.id, P.dutyManager.id, P.headOfOperations.id],
  },
];

/** Everyone the demo shows in its switcher, then the rest. */
export function people(): Array<{ id: string; name: string; title: string }> {
  return [...Object.values(P), ...OTHERS].map(({ id, name, title }) => ({ id, name, title }));
}

/** Adds the people and channels that are missing (all of them on a first start). */
export function seedWorkspace(slack: FakeSlack): Record<string, string> {
  const bot = slack.users.get(slack.botUserId);
  if (bot) bot.real_name = BOT_NAME;
  for (const person of [...Object.values(P), ...OTHERS]) {
    if (!slack.users.has(person.id))
      slack.addUser(person.id, { name: person.handle, real_name: person.name, tz: "Europe/London" });
  }
  const ids: Record<string, string> = {};
  for (const seed of CHANNELS) {
    let channel = [...slack.channels.values()].find((c) => c.name === seed.name && !c.is_im);
    if (!channel) {
      const id = slack.addChannel(seed.name, { members: seed.members, creator: P.headOfOperations.id });
      channel = slack.channels.get(id)!;
      channel.topic = seed.topic;
      channel.purpose = seed.purpose;
    }
    ids[seed.name] = channel.id;
  }
  slack.changed();
  return ids;
}

/** Loads a saved workspace; false when there is none. */
export function loadWorkspace(slack: FakeSlack, file: string): boolean {
  if (!existsSync(file)) return false;
  const snapshot = JSON.parse(readFileSync(file, "utf8")) as WorkspaceSnapshot;
  if (snapshot.format !== 1) throw new Error(`${file}: unknown format ${String(snapshot.format)}`);
  slack.restore(snapshot);
  return true;
}

/** Saves the workspace to `file` a moment after each change, and at once on flush(). */
export function persistWorkspace(
  slack: FakeSlack,
  file: string,
  debounceMs = 500,
): { flush(): void; stop(): void } {
  mkdirSync(dirname(file), { recursive: true });
  let timer: NodeJS.Timeout | null = null;
  let saved = -1;
  const flush = () => {
    if (timer) clearTimeout(timer);
    timer = null;
    if (saved === slack.version) return;
    saved = slack.version;
    const temporary = `${file}.tmp`;
    writeFileSync(temporary, JSON.stringify(slack.snapshot()));
    renameSync(temporary, file);
  };
  const unsubscribe = slack.onChange(() => {
    timer ??= setTimeout(flush, debounceMs);
  });
  return {
    flush,
    stop() {
      unsubscribe();
      flush();
    },
  };
}
