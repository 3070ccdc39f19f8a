import { z } from "zod";
import { formatDuration } from "../domain/duration";
import { LEVELS, LIMITS, REPORT_CHANNELS } from "../domain/incident";
import { PRACTICE_INJECT_KINDS, type PracticeInject, type PracticeScenario } from "../domain/policy-types.js";
import { describeValue } from "./policy-errors";
import { Duration, SnakeName, strict } from "./policy-primitives";

/**
 * `practice_scenarios:` in the policy: drills a team lead runs for trainees (issue 23). Kept out
 * of policy-schema.ts so that file does not grow; both build on policy-primitives.ts.
 */

/** The most injects one scenario may have: a drill is short, and each is a post in the channel. */
export const MAX_PRACTICE_INJECTS = 20;

const Text = (max: number) => z.string().trim().min(1).max(max);

const InjectSchema = strict({
  after: Duration,
  kind: z.enum(PRACTICE_INJECT_KINDS),
  text: Text(1000),
  callers: z.number().int().min(1).max(1000).optional(),
})
  .superRefine(
    (inject, ctx) => {
      const raw = inject as Record<string, unknown>;
      if (raw.kind === "callers" && raw.callers === undefined) {
        ctx.addIssue({ code: "custom", path: ["callers"], message: "required when kind is callers" });
      } else if (raw.kind !== "callers" && raw.callers !== undefined) {
        ctx.addIssue({ code: "custom", path: ["callers"], message: "only used when kind is callers" });
      }
    },
    { when: (payload) => typeof payload.value === "object" && payload.value !== null },
  )
  .transform(
    (raw): PracticeInject => ({
      afterMs: raw.after,
      kind: raw.kind,
      text: raw.text,
      ...(raw.callers !== undefined ? { callers: raw.callers } : {}),
    }),
  );

const Injects = z
  .array(InjectSchema)
  .max(MAX_PRACTICE_INJECTS, `at most ${MAX_PRACTICE_INJECTS} injects`)
  .superRefine((injects, ctx) => {
    injects.forEach((inject, index) => {
      const before = injects[index - 1];
      if (before && inject.afterMs < before.afterMs) {
        const earlier = formatDuration(before.afterMs, 4);
        ctx.addIssue({
          code: "custom",
          path: [index, "after"],
          message: `injects must be in time order: this one comes before the one above it (${earlier})`,
        });
      }
    });
  })
  .nullish()
  .transform((injects) => injects ?? []);

const ScenarioSchema = strict({
  label: Text(75),
  summary: Text(150),
  report: strict({
    title: Text(LIMITS.title),
    description: Text(LIMITS.description),
    type: z.string(),
    channel: z.enum(REPORT_CHANNELS),
    caller_says: Text(1000),
    caller_reference: Text(LIMITS.callerReference).optional(),
  }),
  expected: strict({
    type: z.string(),
    impact: z.enum(LEVELS),
    urgency: z.enum(LEVELS),
    major: z.boolean(),
  }),
  expects: strict({
    manual_escalation: z.boolean().optional(),
    briefing: z.boolean().optional(),
    review: z.boolean().optional(),
  }).optional(),
  injects: Injects,
});

function toScenario(key: string, raw: z.output<typeof ScenarioSchema>): PracticeScenario {
  const major = raw.expected.major;
  return {
    key,
    label: raw.label,
    summary: raw.summary,
    report: {
      title: raw.report.title,
      description: raw.report.description,
      type: raw.report.type,
      channel: raw.report.channel,
      callerSays: raw.report.caller_says,
      callerReference: raw.report.caller_reference ?? null,
    },
    expected: { ...raw.expected },
    expects: {
      manualEscalation: raw.expects?.manual_escalation ?? major,
      briefing: raw.expects?.briefing ?? major,
      review: raw.expects?.review ?? major,
    },
    injects: raw.injects,
    builtIn: false,
  };
}

/** The top-level `practice_scenarios:` map (key → scenario); absent or empty: none. */
export const PracticeScenarios = z
  .record(SnakeName, ScenarioSchema)
  .nullish()
  .transform((scenarios) => Object.entries(scenarios ?? {}).map(([key, raw]) => toScenario(key, raw)));

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/**
 * Each scenario's report and expected types must be incident types of the same policy. Run on the
 * whole policy with `when`, so it reports even while other keys have problems; it reads the
 * values loosely because a scenario that failed elsewhere is still in its raw (snake_case) form,
 * whose `report.type` and `expected.type` sit where the parsed form has them.
 */
export function checkScenarioTypes(policy: unknown, ctx: z.RefinementCtx): void {
  if (!isObject(policy) || !isObject(policy.incident_types)) return;
  const types = Object.keys(policy.incident_types);
  const scenarios = policy.practice_scenarios;
  const entries: Array<[string, unknown]> = Array.isArray(scenarios)
    ? scenarios.map((s) => [isObject(s) && typeof s.key === "string" ? s.key : "?", s])
    : isObject(scenarios)
      ? Object.entries(scenarios)
      : [];
  for (const [key, scenario] of entries) {
    if (!isObject(scenario)) continue;
    for (const part of ["report", "expected"] as const) {
      const section = scenario[part];
      const type = isObject(section) ? section.type : undefined;
      if (typeof type !== "string" || types.includes(type)) continue;
      ctx.addIssue({
        code: "custom",
        path: ["practice_scenarios", key, part, "type"],
        message: `unknown incident type ${describeValue(type)} (types: ${types.join(", ") || "none defined"})`,
      });
    }
  }
}
