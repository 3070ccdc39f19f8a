import type { Level, ReportChannel } from "./incident.js";
import type { Policy, PracticeInject, PracticeScenario } from "./policy-types.js";

/**
 * Practice drills (issue 23): the built-in scenarios and the speeds a drill can run at. Pure.
 * The caller references below are made up for training; they belong to nobody.
 */

/** Clock compression a drill can run at: injects and SLA clocks go this many times faster. */
export const PRACTICE_SPEEDS = [1, 5, 10, 30] as const;
export type PracticeSpeed = (typeof PRACTICE_SPEEDS)[number];

const M = 60_000;

interface BuiltIn {
  key: string;
  label: string;
  summary: string;
  /** Type keys that fit, best first: the scenario uses the first one the policy has. */
  types: readonly string[];
  report: { title: string; description: string; channel: ReportChannel; callerSays: string };
  callerReference: string;
  expected: { impact: Level; urgency: Level; major: boolean };
  expects: PracticeScenario["expects"];
  injects: PracticeInject[];
}

const BUILT_INS: readonly BuiltIn[] = [
  {
    key: "telephony_outage_flood",
    label: "Phones down, callers flooding in",
    summary: "Inbound calls cut off after one ring; callers pile onto the complaints line.",
    types: ["telephony_outage", "service_failure"],
    report: {
      title: "Main number cuts off after one ring",
      description:
        "Callers on the complaints line say the main customer number rings once and then drops. " +
        "The wallboard shows no calls arriving in the general queues since about 09:40.",
      channel: "phone",
      callerSays:
        "I've been trying your main number for half an hour. It rings once and cuts off, every time. " +
        "I only got through on this line by chance. Is something wrong with your phones?",
    },
    callerReference: "ACC-448120",
    expected: { impact: "high", urgency: "high", major: true },
    expects: { manualEscalation: true, briefing: true, review: true },
    injects: [
      {
        afterMs: 2 * M,
        kind: "callers",
        callers: 8,
        text: "Eight more callers on the complaints line say the main number drops after one ring.",
      },
      {
        afterMs: 5 * M,
        kind: "stakeholder_asks",
        text: 'Head of Customer Experience: "Is this every queue or just general enquiries? The CEO\'s office is asking."',
      },
      {
        afterMs: 8 * M,
        kind: "manager_asks_owner",
        text: 'Duty manager: "Who owns this one? I need a name for the bridge call in ten minutes."',
      },
      {
        afterMs: 12 * M,
        kind: "callers",
        callers: 15,
        text: "Fifteen more callers, some now on the sales line too. Social media posts are starting.",
      },
      {
        afterMs: 15 * M,
        kind: "third_party_reply",
        text: 'Carrier support: "We see a fault on a trunk group at one exchange. Engineers are re-routing your numbers; next update in 30 minutes."',
      },
      {
        afterMs: 25 * M,
        kind: "system_back",
        text: "Calls are reaching the queues again. The wallboard shows 43 calls waiting, longest wait 12 minutes.",
      },
    ],
  },
  {
    key: "personal_data_breach",
    label: "A caller has someone else's statement",
    summary: "A caller received a statement with another customer's name, address and account.",
    types: ["security_breach"],
    report: {
      title: "Customer received another customer's statement",
      description:
        "Caller opened this month's paper statement and found another customer's name, address " +
        "and account details on it. They are upset and ask whether their own statement went to a stranger.",
      channel: "phone",
      callerSays:
        "This statement has somebody else's name and address on it, and their account number. " +
        "So who has got mine? I want to know what you're doing about it.",
    },
    callerReference: "ACC-730215",
    expected: { impact: "medium", urgency: "high", major: true },
    expects: { manualEscalation: true, briefing: false, review: true },
    injects: [
      {
        afterMs: 3 * M,
        kind: "callers",
        callers: 2,
        text: "Two more callers say their statements show another customer's details.",
      },
      {
        afterMs: 6 * M,
        kind: "stakeholder_asks",
        text: 'Data protection officer: "How many customers are affected, and when did the statements go out? The 72-hour clock may already be running."',
      },
      {
        afterMs: 10 * M,
        kind: "third_party_reply",
        text: 'Print supplier: "One batch of about 1,200 statements printed on Thursday was collated out of order. We have stopped the run."',
      },
      {
        afterMs: 14 * M,
        kind: "manager_asks_owner",
        text: 'Head of operations: "Who is leading this, and has the security lead been told?"',
      },
      {
        afterMs: 20 * M,
        kind: "note",
        text: "The supplier sends the list of affected accounts. It stays with the security lead: do not copy it into the channel.",
      },
    ],
  },
  {
    key: "complaint_escalates",
    label: "Double charges: a complaint that grows",
    summary: "A few customers charged twice becomes dozens, then the press asks.",
    types: ["complaint"],
    report: {
      title: "Customers charged twice for their monthly direct debit",
      description:
        "Three customers this morning say their monthly direct debit was taken twice. " +
        "The billing screen shows one collection for each of them.",
      channel: "email",
      callerSays:
        "You've taken my payment twice this month and now I'm overdrawn. I want it back today " +
        "and I want to know who's paying my bank charges.",
    },
    callerReference: "ACC-215577",
    expected: { impact: "high", urgency: "medium", major: false },
    expects: { manualEscalation: true, briefing: false, review: false },
    injects: [
      {
        afterMs: 3 * M,
        kind: "callers",
        callers: 6,
        text: "Six more customers report a second collection, by phone and chat.",
      },
      {
        afterMs: 6 * M,
        kind: "stakeholder_asks",
        text: 'Social media team: "Posts about double charges are picking up (twelve in the last hour). What can we say?"',
      },
      {
        afterMs: 9 * M,
        kind: "callers",
        callers: 20,
        text: "Twenty more callers. Agents say the queue for billing is at 25 minutes.",
      },
      {
        afterMs: 12 * M,
        kind: "manager_asks_owner",
        text: 'Duty manager: "Who owns the double-charge issue? Is it still just a complaint?"',
      },
      {
        afterMs: 15 * M,
        kind: "third_party_reply",
        text: 'Payments provider: "The collection file for the 28th was submitted twice. The second collection will be refunded within 3 working days."',
      },
      {
        afterMs: 20 * M,
        kind: "note",
        text: "The press office says a local newspaper has asked for a comment.",
      },
    ],
  },
];

/** A built-in scenario on this policy's types, or null when the policy has none that fit. */
function builtInFor(policy: Pick<Policy, "incidentTypes">, b: BuiltIn): PracticeScenario | null {
  const type = b.types.find((t) => Object.hasOwn(policy.incidentTypes, t));
  if (!type) return null;
  return {
    key: b.key,
    label: b.label,
    summary: b.summary,
    report: { ...b.report, type, callerReference: b.callerReference },
    expected: { ...b.expected, type },
    expects: { ...b.expects },
    injects: b.injects.map((i) => ({ ...i })),
    builtIn: true,
  };
}

/** Keys of the built-in scenarios, whether or not a given policy can run them. */
export const BUILT_IN_SCENARIO_KEYS: readonly string[] = BUILT_INS.map((b) => b.key);

/**
 * The scenarios a drill can use with this policy: the policy's own first (a team lead's own
 * drills are the ones they meant), then the built-in ones whose incident types the policy has. A
 * policy scenario with a built-in's key replaces it.
 */
export function scenariosFor(
  policy: Pick<Policy, "incidentTypes" | "practiceScenarios">,
): PracticeScenario[] {
  const own = policy.practiceScenarios ?? [];
  const taken = new Set(own.map((s) => s.key));
  const builtIns = BUILT_INS.filter((b) => !taken.has(b.key))
    .map((b) => builtInFor(policy, b))
    .filter((s): s is PracticeScenario => s !== null);
  return [...own, ...builtIns];
}

/** One scenario by key, from scenariosFor; null when this policy has no such scenario. */
export function scenarioFor(
  policy: Pick<Policy, "incidentTypes" | "practiceScenarios">,
  key: string,
): PracticeScenario | null {
  return scenariosFor(policy).find((s) => s.key === key) ?? null;
}

/** An inject's offset at a speed: a 30× drill posts a 15-minute inject after 30 seconds. */
export function scaledMs(ms: number, speed: number): number {
  return Math.round(ms / Math.max(1, speed));
}
