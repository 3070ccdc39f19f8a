import { DateTime, IANAZone } from "luxon";
import { z } from "zod";
import {
  type Audience,
  audienceKey,
  COMMUNICATION_VIAS,
  type CommunicationVia,
  isEmailAddress,
} from "../domain/communications";
import { DURATION_HINT, formatDuration, parseDuration } from "../domain/duration";
import { LEVELS, PRIORITIES, type Priority } from "../domain/incident";
import { MILESTONES, type Milestone } from "../domain/milestones";
import type {
  BusinessHours,
  CallbackPolicy,
  CallerVolumePolicy,
  CustomClockPolicy,
  IncidentChannelPolicy,
  IncidentTypePolicy,
  Permissions,
  Policy,
  SlaPolicy,
  TeamPolicy,
} from "../domain/policy-types.js";
import {
  BUILT_IN_CLOCKS,
  CLOCK_STARTS,
  DEFAULT_CALLER_REFERENCE_RETENTION_MS,
  DEFAULT_DIGEST_SCHEDULE,
  DEFAULT_ESCALATE_AFTER_MS,
  DEFAULT_MANUAL_ESCALATION_COOLDOWN_MS,
  DEFAULT_PERMISSIONS,
  DEFAULT_REMIND_BEFORE_MS,
  DEFAULT_ROOT_CAUSE_CATEGORIES,
  INCIDENT_CHANNEL_KINDS,
  SLA_HOURS,
  WEEKDAYS,
} from "../domain/policy-types.js";
import { DEFAULT_PRIORITY_MATRIX, type PriorityMatrix } from "../domain/priority-matrix";
import { describeValue } from "./policy-errors";
import { Duration, SnakeName, strict } from "./policy-primitives";
import { checkScenarioTypes, PracticeScenarios } from "./practice-schema";

/** An optional list; an empty YAML value (`holidays:`) counts as an empty list. */
function optionalList<T extends z.ZodType>(item: T) {
  return z
    .array(item)
    .nullish()
    .transform((v) => v ?? []);
}

const MilestoneName = z
  .string()
  .refine((name): name is Milestone => (MILESTONES as readonly string[]).includes(name), {
    error: (iss) => `${describeValue(iss.input)} is not a milestone (${MILESTONES.join(", ")})`,
  });

/** Which milestones an audience hears; absent means all of them, an empty list none. */
const NotifyList = z.array(MilestoneName).nullish();

const UserId = z.string().regex(/^[UW][A-Z0-9]+$/, {
  error: (iss) => `${describeValue(iss.input)} is not a Slack user id (U… or W…)`,
});

const ChannelId = z.string().regex(/^[CG][A-Z0-9]+$/, {
  error: (iss) => `${describeValue(iss.input)} is not a Slack channel id (C… or G…)`,
});

const TimeZone = z.string().refine((zone) => IANAZone.isValidZone(zone), {
  error: (iss) => `${describeValue(iss.input)} is not an IANA time zone (e.g. Europe/London)`,
});

// "24:00" is allowed so a centre open until midnight can say so; start < end rules it out for start.
const TimeOfDay = z.string().regex(/^(?:(?:[01][0-9]|2[0-3]):[0-5][0-9]|24:00)$/, {
  error: (iss) => `${describeValue(iss.input)} is not a time (use 24-hour HH:MM, e.g. "08:00")`,
  abort: true, // so the start < end check never compares a malformed time
});

const IsoDate = z
  .string()
  .refine((text) => /^\d{4}-\d{2}-\d{2}$/.test(text) && DateTime.fromISO(text, { zone: "utc" }).isValid, {
    error: (iss) => `${describeValue(iss.input)} is not a calendar date (use YYYY-MM-DD)`,
  });

function minuteOfDay(time: string): number {
  const [hours, minutes] = time.split(":").map(Number);
  return (hours ?? 0) * 60 + (minutes ?? 0);
}

const Weekdays = z
  .array(z.enum(WEEKDAYS))
  .min(1)
  .superRefine((days, ctx) => {
    days.forEach((day, index) => {
      if (days.indexOf(day) !== index)
        ctx.addIssue({ code: "custom", path: [index], message: `"${day}" is listed twice` });
    });
  })
  .transform((days) => WEEKDAYS.filter((day) => days.includes(day)));

const BusinessHoursSchema = strict({
  days: Weekdays,
  start: TimeOfDay,
  end: TimeOfDay,
  holidays: optionalList(IsoDate),
})
  .superRefine((hours, ctx) => {
    if (minuteOfDay(hours.start) >= minuteOfDay(hours.end)) {
      ctx.addIssue({ code: "custom", path: ["end"], message: `must be later than start (${hours.start})` });
    }
  })
  .transform(
    (hours): BusinessHours => ({
      days: hours.days,
      start: hours.start,
      end: hours.end,
      startMinute: minuteOfDay(hours.start),
      endMinute: minuteOfDay(hours.end),
      holidays: [...new Set(hours.holidays)].sort(),
    }),
  );

const SlaEntry = strict({
  respond: Duration,
  update_every: Duration,
  resolve: Duration,
  hours: z.enum(SLA_HOURS),
  repeat: Duration,
})
  .superRefine((sla, ctx) => {
    if (sla.respond > sla.resolve) {
      const resolve = formatDuration(sla.resolve, 4);
      ctx.addIssue({
        code: "custom",
        path: ["respond"],
        message: `must not be longer than resolve (${resolve})`,
      });
    }
  })
  .transform(
    (sla): SlaPolicy => ({
      respondMs: sla.respond,
      updateEveryMs: sla.update_every,
      resolveMs: sla.resolve,
      hours: sla.hours,
      repeatMs: sla.repeat,
    }),
  );

const Sla = strict(
  Object.fromEntries(PRIORITIES.map((p) => [p, SlaEntry])) as Record<Priority, typeof SlaEntry>,
);

const WarnAt = z
  .number()
  .refine((x) => x > 0 && x < 1, { error: "must be a fraction between 0 and 1 (exclusive), e.g. 0.75" })
  .default(0.75);

const MatrixRow = strict({ high: z.enum(PRIORITIES), medium: z.enum(PRIORITIES), low: z.enum(PRIORITIES) });
const Matrix = strict(
  Object.fromEntries(LEVELS.map((level) => [level, MatrixRow])) as Record<
    (typeof LEVELS)[number],
    typeof MatrixRow
  >,
);

const Roles = z.record(SnakeName, z.array(UserId).min(1, { error: "list at least one Slack user id" }));

/** A role name that must be declared under `roles` (unchecked when `roles` itself is unusable). */
function roleRef(roleNames: ReadonlySet<string> | null) {
  const known = roleNames && roleNames.size > 0 ? [...roleNames].join(", ") : "none defined";
  return z.string().refine((name) => roleNames === null || roleNames.has(name), {
    error: (iss) => `unknown role ${describeValue(iss.input)} (roles: ${known})`,
  });
}

function clockSchema(roleNames: ReadonlySet<string> | null) {
  return strict({
    due: Duration,
    warn: optionalList(Duration),
    notify: z.array(roleRef(roleNames)).min(1),
    starts: z.enum(CLOCK_STARTS).default("logged"),
    stopped_by: z.string().trim().min(1).max(40).default("Done"),
  }).superRefine((clock, ctx) => {
    clock.warn.forEach((warn, index) => {
      if (warn >= clock.due) {
        const due = formatDuration(clock.due, 4);
        ctx.addIssue({ code: "custom", path: ["warn", index], message: `must be shorter than due (${due})` });
      }
    });
  });
}

const ClockName = SnakeName.refine((name) => !(BUILT_IN_CLOCKS as readonly string[]).includes(name), {
  error: (iss) => `${describeValue(iss.input)} is a built-in clock (${BUILT_IN_CLOCKS.join(", ")})`,
});

const KbLink = z.string().refine((text) => /^https?:\/\/\S+$/.test(text) && URL.canParse(text), {
  error: (iss) => `${describeValue(iss.input)} is not a web link (http:// or https://)`,
});

const PlaybookStepSchema = strict({
  step: z.string().trim().min(1).max(150),
  guidance: z.string().trim().min(1).max(1000).nullish(),
  links: optionalList(KbLink),
});

const EmailAddress = z.string().refine(isEmailAddress, {
  error: (iss) => `${describeValue(iss.input)} is not an email address (e.g. cfo@example.com)`,
});

const EnvVarName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, {
  error: (iss) =>
    `${describeValue(iss.input)} is not an environment variable name (letters, digits and _, not starting with a digit)`,
});

/** The keys that say where an audience is reached, by `via`; an audience has exactly its own. */
const TARGET_KEYS: Readonly<Record<CommunicationVia, readonly string[]>> = {
  slack: ["channels"],
  email: ["to"],
  webhook: ["url", "secret_env"],
};
const ALL_TARGET_KEYS = ["channels", "to", "url", "secret_env"] as const;

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

const AudienceSchema = strict({
  label: z
    .string()
    .trim()
    .min(1)
    .max(80)
    .refine((label) => label === "" || audienceKey(label) !== "", {
      error: "needs at least one letter or digit",
    }),
  via: z.enum(COMMUNICATION_VIAS),
  channels: z.array(ChannelId).min(1).nullish(),
  to: z.array(EmailAddress).min(1).nullish(),
  url: KbLink.nullish(),
  secret_env: EnvVarName.nullish(),
  notify: NotifyList,
  priorities: z.array(z.enum(PRIORITIES)).min(1).nullish(),
  update_every: Duration.optional(),
})
  .superRefine(
    (audience, ctx) => {
      // Read loosely: with `when`, this runs even if another key failed, so every problem is listed.
      const raw = audience as Record<string, unknown>;
      const via = raw.via;
      if (typeof via !== "string" || !(COMMUNICATION_VIAS as readonly string[]).includes(via)) return;
      const own = TARGET_KEYS[via as CommunicationVia];
      for (const key of ALL_TARGET_KEYS) {
        const present = raw[key] !== undefined && raw[key] !== null;
        if (own.includes(key) && !present) {
          ctx.addIssue({ code: "custom", path: [key], message: `required when via is ${via}` });
        } else if (!own.includes(key) && present) {
          const uses = own.join(" and ");
          ctx.addIssue({
            code: "custom",
            path: [key],
            message: `not used when via is ${via} (it takes ${uses})`,
          });
        }
      }
    },
    { when: (payload) => isObject(payload.value) },
  )
  .transform(
    (a): Audience => ({
      key: audienceKey(a.label),
      label: a.label,
      via: a.via,
      channels: a.via === "slack" ? [...new Set(a.channels)] : [],
      to: a.via === "email" ? uniqueAddresses(a.to ?? []) : [],
      url: a.via === "webhook" ? (a.url ?? null) : null,
      secretEnv: a.via === "webhook" ? (a.secret_env ?? null) : null,
      notify: a.notify ? [...new Set(a.notify)] : null,
      priorities: a.priorities ? PRIORITIES.filter((p) => a.priorities?.includes(p)) : null,
      updateEveryMs: a.update_every ?? null,
    }),
  );

/** Addresses once each (case-insensitively, as mail servers treat them), in file order. */
function uniqueAddresses(addresses: readonly string[]): string[] {
  const seen = new Set<string>();
  return addresses.filter((address) => {
    const folded = address.toLowerCase();
    if (seen.has(folded)) return false;
    seen.add(folded);
    return true;
  });
}

const MAX_PLAN_AUDIENCES = 9;

/**
 * A communication plan: audiences whose keys (labels in snake_case) differ, since the key names an
 * audience in the log, in the *Post update* form and in the ids that stop a message going twice.
 * Absent or empty YAML value: unset.
 */
const CommunicationPlan = z
  .array(AudienceSchema)
  // The *Post update* form offers each audience as a checkbox, and Slack shows at most 10: one
  // is kept for the type's stakeholder channels.
  .max(
    MAX_PLAN_AUDIENCES,
    `at most ${MAX_PLAN_AUDIENCES} audiences (the Post update form can offer 10, one of them the stakeholder channels)`,
  )
  .superRefine(
    (plan, ctx) => {
      const seen = new Map<string, string>();
      plan.forEach((item: unknown, index) => {
        const label = isObject(item) && typeof item.label === "string" ? item.label.trim() : null;
        const key = label === null ? "" : audienceKey(label);
        if (label === null || key === "") return;
        const earlier = seen.get(key);
        if (earlier === undefined) seen.set(key, label);
        else {
          const message = `${JSON.stringify(label)} is the same audience as ${JSON.stringify(earlier)} (both are ${key}): give it another label`;
          ctx.addIssue({ code: "custom", path: [index, "label"], message });
        }
      });
    },
    { when: (payload) => Array.isArray(payload.value) },
  )
  .nullish();

const LevelName = z.enum(LEVELS);

const CallerVolumeSchema = strict({
  threshold: z.number().int().min(2).max(100_000),
  within: Duration,
  raise: strict({
    impact: LevelName.optional(),
    urgency: LevelName.optional(),
    major: z.boolean().optional(),
  }).refine((r) => r.impact !== undefined || r.urgency !== undefined || r.major === true, {
    error: "say what to raise: impact, urgency or major: true",
  }),
})
  .transform(
    (raw): CallerVolumePolicy => ({
      threshold: raw.threshold,
      withinMs: raw.within,
      raise: {
        ...(raw.raise.impact ? { impact: raw.raise.impact } : {}),
        ...(raw.raise.urgency ? { urgency: raw.raise.urgency } : {}),
        ...(raw.raise.major ? { major: true } : {}),
      },
    }),
  )
  .optional();

/** `callback_within: 4h`, or `{ due: 4h, hours: business }`. */
const CallbackWithinSchema = z
  .union([
    z.string().transform((text, ctx): CallbackPolicy => {
      const ms = parseDuration(text);
      if (ms !== null) return { withinMs: ms };
      ctx.addIssue({
        code: "custom",
        message: `${describeValue(text)} is not a duration (${DURATION_HINT})`,
      });
      return z.NEVER;
    }),
    strict({ due: Duration, hours: z.enum(SLA_HOURS).optional() }).transform(
      (raw): CallbackPolicy => ({ withinMs: raw.due, ...(raw.hours ? { hours: raw.hours } : {}) }),
    ),
  ])
  .optional();

const IncidentChannelSchema = strict({
  for: z.array(z.enum(PRIORITIES)).transform((list) => PRIORITIES.filter((p) => list.includes(p))),
  major: z.boolean().default(true),
}).optional();

function incidentTypeSchema(roleNames: ReadonlySet<string> | null) {
  return strict({
    label: z.string().trim().min(1),
    guidance: z.string().trim().min(1).max(1000).nullish(),
    stakeholder_channels: optionalList(ChannelId),
    escalation: z.array(roleRef(roleNames)).min(1),
    clocks: z.record(ClockName, clockSchema(roleNames)).nullish(),
    // A checklist message holds at most 50 blocks; 20 steps leave room for its header and buttons.
    playbook: optionalList(PlaybookStepSchema).refine((steps) => steps.length <= 20, {
      error: "at most 20 steps",
    }),
    support_channel: ChannelId.nullish(),
    notify: NotifyList,
    communications: CommunicationPlan,
    caller_volume: CallerVolumeSchema,
    working_channel: ChannelId.optional(),
    callback_within: CallbackWithinSchema,
  });
}

function toIncidentType(
  key: string,
  raw: z.output<ReturnType<typeof incidentTypeSchema>>,
): IncidentTypePolicy {
  const clocks: Record<string, CustomClockPolicy> = {};
  for (const [name, clock] of Object.entries(raw.clocks ?? {})) {
    clocks[name] = {
      name,
      dueMs: clock.due,
      warnMs: [...clock.warn].sort((a, b) => a - b),
      notify: clock.notify,
      starts: clock.starts,
      stopLabel: clock.stopped_by,
    };
  }
  return {
    key,
    label: raw.label,
    guidance: raw.guidance ?? null,
    stakeholderChannels: raw.stakeholder_channels,
    escalation: raw.escalation,
    clocks,
    playbook: raw.playbook.map((s) => ({
      step: s.step,
      guidance: s.guidance ?? null,
      links: s.links,
    })),
    supportChannel: raw.support_channel ?? null,
    ...(raw.notify ? { notify: [...new Set(raw.notify)] } : {}),
    ...(raw.communications ? { communications: raw.communications } : {}),
    ...(raw.caller_volume ? { callerVolume: raw.caller_volume } : {}),
    ...(raw.working_channel ? { workingChannel: raw.working_channel } : {}),
    ...(raw.callback_within ? { callbackWithin: raw.callback_within } : {}),
  };
}

function incidentTypesSchema(roleNames: ReadonlySet<string> | null) {
  return z
    .record(SnakeName, incidentTypeSchema(roleNames))
    .refine((types) => Object.keys(types).length > 0, { error: "define at least one incident type" })
    .transform((types) =>
      Object.fromEntries(Object.entries(types).map(([key, raw]) => [key, toIncidentType(key, raw)])),
    );
}

function permissionsSchema(roleNames: ReadonlySet<string> | null) {
  const roles = z.array(roleRef(roleNames)).min(1);
  return strict({
    resolve: roles.default(DEFAULT_PERMISSIONS.resolve),
    close: roles.default(DEFAULT_PERMISSIONS.close),
    reopen_closed: roles.default(DEFAULT_PERMISSIONS.reopenClosed),
    downgrade_major: roles.default(DEFAULT_PERMISSIONS.downgradeMajor),
    review: roles.default(DEFAULT_PERMISSIONS.review),
    report: roles.default(DEFAULT_PERMISSIONS.report),
    manage_actions: roles.default(DEFAULT_PERMISSIONS.manageActions),
    escalate: roles.default(DEFAULT_PERMISSIONS.escalate),
    view_personal_data: roles.default(DEFAULT_PERMISSIONS.viewPersonalData),
    practice: roles.default(DEFAULT_PERMISSIONS.practice),
  })
    .prefault({})
    .transform(
      (p): Permissions => ({
        resolve: [...p.resolve],
        close: [...p.close],
        reopenClosed: [...p.reopen_closed],
        downgradeMajor: [...p.downgrade_major],
        review: [...p.review],
        report: [...p.report],
        manageActions: [...p.manage_actions],
        escalate: [...p.escalate],
        viewPersonalData: [...p.view_personal_data],
        practice: [...p.practice],
      }),
    );
}

const TeamSchema = strict({
  label: z.string().trim().min(1).max(80),
  team_lead: z.array(UserId).min(1, { error: "list at least one Slack user id" }),
  members: optionalList(UserId),
  support_channel: ChannelId.nullish(),
});

const Teams = z.record(SnakeName, TeamSchema).nullish();

const ReviewSchema = strict({
  required_for_close: z.boolean().default(false),
  root_cause_categories: z
    .record(SnakeName, z.string().trim().min(1).max(75))
    .refine((c) => Object.keys(c).length > 0, { error: "name at least one category" })
    // Slack select menus offer at most 100 options.
    .refine((c) => Object.keys(c).length <= 100, { error: "at most 100 categories" })
    .default({ ...DEFAULT_ROOT_CAUSE_CATEGORIES }),
}).prefault({});

const ActionsSchema = strict({
  remind_before: Duration.default(DEFAULT_REMIND_BEFORE_MS),
  escalate_after: Duration.default(DEFAULT_ESCALATE_AFTER_MS),
}).prefault({});

const RetentionSchema = strict({
  caller_reference: Duration.default(DEFAULT_CALLER_REFERENCE_RETENTION_MS),
}).prefault({});

const DigestScheduleSchema = strict({
  day: z.enum(WEEKDAYS).default(DEFAULT_DIGEST_SCHEDULE.day),
  time: TimeOfDay.refine((t) => t !== "24:00", { error: "use 00:00–23:59" }).default(
    DEFAULT_DIGEST_SCHEDULE.time,
  ),
}).prefault({});

function toTeams(raw: z.output<typeof Teams>, roles: Record<string, string[]>): TeamPolicy[] {
  if (!raw || Object.keys(raw).length === 0) {
    return [
      { key: "floor", label: "Floor", leads: roles.team_lead ?? [], members: [], supportChannel: null },
    ];
  }
  return Object.entries(raw).map(([key, t]) => ({
    key,
    label: t.label,
    leads: [...new Set(t.team_lead)],
    members: [...new Set(t.members)],
    supportChannel: t.support_channel ?? null,
  }));
}

/**
 * The policy schema. It is built per parse because role references are checked against the
 * `roles` of the same document, and checking them here (rather than in a whole-object refinement,
 * which zod skips once any field has failed) keeps every problem in one report.
 */
export function policySchema(roleNames: ReadonlySet<string> | null) {
  return (
    strict({
      timezone: TimeZone,
      business_hours: BusinessHoursSchema,
      agent_channels: optionalList(ChannelId),
      digest_channel: ChannelId.nullish(),
      digest_schedule: DigestScheduleSchema,
      support_channel: ChannelId.nullish(),
      roles: Roles,
      teams: Teams,
      review: ReviewSchema,
      improvement_actions: ActionsSchema,
      retention: RetentionSchema,
      incident_types: incidentTypesSchema(roleNames),
      sla: Sla,
      warn_at: WarnAt,
      priority_matrix: Matrix.default(DEFAULT_PRIORITY_MATRIX),
      permissions: permissionsSchema(roleNames),
      notify: NotifyList,
      manual_escalation_cooldown: Duration.optional(),
      incident_channels: z.enum(INCIDENT_CHANNEL_KINDS).default("public"),
      communications: CommunicationPlan,
      caller_volume: CallerVolumeSchema,
      incident_channel: IncidentChannelSchema,
      working_channel: ChannelId.optional(),
      callback_within: CallbackWithinSchema,
      callbacks_required_for_close: z.boolean().default(false),
      practice_scenarios: PracticeScenarios,
    })
      // With `when`, so unknown scenario types are listed even while other keys have problems.
      .superRefine((raw, ctx) => checkScenarioTypes(raw, ctx), {
        when: (payload) => typeof payload.value === "object" && payload.value !== null,
      })
      .transform((raw, ctx): Policy => {
        threadsNeedWorkingChannels(raw, ctx);
        return {
          timezone: raw.timezone,
          businessHours: raw.business_hours,
          agentChannels: raw.agent_channels,
          digestChannel: raw.digest_channel ?? null,
          digestSchedule: raw.digest_schedule,
          supportChannel: raw.support_channel ?? null,
          roles: raw.roles,
          teams: toTeams(raw.teams, raw.roles),
          review: {
            requiredForClose: raw.review.required_for_close,
            rootCauseCategories: raw.review.root_cause_categories,
          },
          improvementActions: {
            remindBeforeMs: raw.improvement_actions.remind_before,
            escalateAfterMs: raw.improvement_actions.escalate_after,
          },
          retention: { callerReferenceMs: raw.retention.caller_reference },
          incidentTypes: raw.incident_types,
          ...(raw.notify ? { notify: [...new Set(raw.notify)] } : {}),
          ...(raw.communications ? { communications: raw.communications } : {}),
          manualEscalationCooldownMs: raw.manual_escalation_cooldown ?? DEFAULT_MANUAL_ESCALATION_COOLDOWN_MS,
          incidentChannels: raw.incident_channels,
          ...(raw.caller_volume ? { callerVolume: raw.caller_volume } : {}),
          ...(raw.incident_channel ? { incidentChannel: raw.incident_channel } : {}),
          ...(raw.working_channel ? { workingChannel: raw.working_channel } : {}),
          ...(raw.callback_within ? { callbackWithin: raw.callback_within } : {}),
          callbacksRequiredForClose: raw.callbacks_required_for_close,
          sla: raw.sla,
          warnAt: raw.warn_at,
          priorityMatrix: raw.priority_matrix satisfies PriorityMatrix,
          permissions: raw.permissions,
          practiceScenarios: raw.practice_scenarios,
        };
      })
  );
}

/**
 * An incident left out of `incident_channel.for` is worked in its type's working channel, so
 * every type needs one when any priority is left out.
 */
function threadsNeedWorkingChannels(
  raw: {
    incident_channel?: IncidentChannelPolicy | undefined;
    working_channel?: string | undefined;
    incident_types: Record<string, IncidentTypePolicy>;
  },
  ctx: z.RefinementCtx,
): void {
  const left = PRIORITIES.filter((p) => raw.incident_channel && !raw.incident_channel.for.includes(p));
  if (left.length === 0 || raw.working_channel) return;
  for (const type of Object.values(raw.incident_types)) {
    if (type.workingChannel) continue;
    ctx.addIssue({
      code: "custom",
      path: ["incident_types", type.key, "working_channel"],
      message: `${left.join(", ")} incidents are worked in a thread (incident_channel.for leaves them out), so this type needs a working_channel, or set one at the top level`,
    });
  }
}
