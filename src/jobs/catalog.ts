import type { JobsOptions } from "bullmq";
import { z } from "zod";

/** Queue names are part of the data in Redis: never rename one that has been deployed. */
export const QUEUE_NAMES = Object.freeze({
  intake: "intake",
  setup: "setup",
  slack: "slack",
  sla: "sla",
  maintenance: "maintenance",
  actions: "actions",
  /** Emails and webhook calls: a slow mail server or receiver never holds up Slack posts. */
  external: "external",
} as const);
export type QueueName = (typeof QUEUE_NAMES)[keyof typeof QUEUE_NAMES];

// More job attempts than the outbox allows deliveries, so the outbox row, not BullMQ, decides
// when a post has failed for good and records it.
const retrying: JobsOptions = {
  attempts: 20,
  backoff: { type: "exponential", delay: 1_000 },
  removeOnComplete: { age: 3_600, count: 5_000 },
  removeOnFail: { age: 7 * 24 * 3_600 },
};

/**
 * Order within a queue when a worker cannot keep up (BullMQ `priority`: a job without one comes
 * before every job with one, then lower numbers first; adding a prioritized job costs O(log n)
 * in the queue's prioritized set, so the hot paths (deliveries, clock steps) carry none).
 * Clock steps have a queue of their own (`sla`, with the largest worker concurrency); on the
 * `slack` queue posts go before redraws of what is already posted, and those before reports.
 */
export const JOB_PRIORITY = Object.freeze({ redraw: 5, report: 10 } as const);

export const JOBS = {
  /** A new incident's channel, stakeholder announcements and reporter notice; then queues the rest of its set-up. */
  "incident.setup": {
    queue: QUEUE_NAMES.intake,
    schema: z.object({ incidentId: z.uuid() }),
    opts: retrying,
  },
  /**
   * The rest of the set-up: reporter invited, summary card posted and pinned, playbook. On a
   * queue of its own, so a flood of incidents never holds up the announcements.
   */
  "incident.finish-setup": {
    queue: QUEUE_NAMES.setup,
    schema: z.object({ incidentId: z.uuid() }),
    opts: retrying,
  },
  /**
   * Gives a routine incident worked in a thread a channel of its own (the card's *Open a
   * channel*, or a rise into the policy's `incident_channel` set): channel, card, link.
   */
  "incident.promote": {
    queue: QUEUE_NAMES.setup,
    schema: z.object({
      incidentId: z.uuid(),
      actor: z.string().min(1),
      via: z.enum(["button", "priority"]),
    }),
    opts: retrying,
  },
  /**
   * Raises an incident whose callers crossed the policy's caller_volume threshold. `key`: the
   * crossing (the caller report that crossed it, or the merge that did), as logged with
   * caller_volume_reached; its request key makes a second run change nothing.
   */
  "callers.volume-raise": {
    queue: QUEUE_NAMES.intake,
    schema: z.object({ incidentId: z.uuid(), key: z.string().min(1) }),
    opts: { ...retrying, attempts: 10 },
  },
  /**
   * Posts one outbox row to Slack, exactly once. `slotAt`: its reserved turn in the channel.
   * `sharedIn`: for a row that shares its channel's turn (an announcement), where and what it
   * is, so that the job joins or takes the turn without reading the row first.
   */
  "slack.deliver": {
    queue: QUEUE_NAMES.slack,
    schema: z.object({
      outboxId: z.uuid(),
      slotAt: z.number().optional(),
      sharedIn: z.object({ channel: z.string().min(1), purpose: z.string().min(1) }).optional(),
    }),
    opts: retrying,
  },
  /** One step of an SLA clock: a warning, the breach, or the next rung of the escalation ladder. */
  "sla.fire": {
    queue: QUEUE_NAMES.sla,
    schema: z.object({ clockId: z.uuid(), generation: z.number().int().min(1), step: z.string().min(1) }),
    // A fired step is on record in sla_events; its finished job need not stay in Redis.
    opts: { ...retrying, attempts: 10, removeOnComplete: true },
  },
  /**
   * Edits the escalation DMs of one breach (`cure.generation` of the clock) once it was dealt
   * with: acknowledged, or put right another way (the update posted, the incident resolved…).
   * Without `cure` (jobs queued before it existed): the clock's current breach, acknowledged.
   */
  "escalation.ack-edit": {
    queue: QUEUE_NAMES.slack,
    schema: z.object({
      clockId: z.uuid(),
      slotAt: z.number().optional(),
      cure: z
        .object({
          generation: z.number().int().min(1),
          reason: z.enum(["acknowledged", "update", "resolved", "closed", "done", "callbacks"]),
          by: z.string().min(1),
          at: z.number(),
          dueAt: z.number(),
          targetMs: z.number().int().min(0),
          task: z.string().optional(),
        })
        .optional(),
    }),
    pace: "edit",
    opts: { ...retrying, attempts: 8, priority: JOB_PRIORITY.redraw },
  },
  /** Re-publishes a user's App Home after an incident they own or reported changed. */
  "home.refresh": {
    queue: QUEUE_NAMES.slack,
    schema: z.object({ userId: z.string().min(1) }),
    opts: { ...retrying, attempts: 3, priority: JOB_PRIORITY.redraw },
  },
  /** Edits the pinned summary card to the incident's current state. `slotAt`: its turn to edit. */
  "card.refresh": {
    queue: QUEUE_NAMES.slack,
    schema: z.object({ incidentId: z.uuid(), slotAt: z.number().optional() }),
    pace: "edit",
    opts: { ...retrying, priority: JOB_PRIORITY.redraw },
  },
  /** Edits an incident's callback list to show how many callbacks are taken and still to make. */
  "callbacks.refresh": {
    queue: QUEUE_NAMES.slack,
    schema: z.object({ incidentId: z.uuid(), slotAt: z.number().optional() }),
    pace: "edit",
    opts: { ...retrying, attempts: 10, priority: JOB_PRIORITY.redraw },
  },
  /** Erases caller references whose retention period has ended (run by a job scheduler). */
  "retention.erase": {
    queue: QUEUE_NAMES.maintenance,
    schema: z.object({}),
    opts: {
      attempts: 3,
      backoff: { type: "exponential", delay: 30_000 },
      removeOnComplete: true,
      removeOnFail: { age: 7 * 24 * 3_600 },
    },
  },
  /** Redraws an incident's playbook checklist (its buttons go when the incident is closed). */
  "playbook.refresh": {
    queue: QUEUE_NAMES.slack,
    schema: z.object({ incidentId: z.uuid(), slotAt: z.number().optional() }),
    pace: "edit",
    opts: { ...retrying, attempts: 3, priority: JOB_PRIORITY.redraw },
  },
  /** Edits a briefing's posts in the agents' channels to show which teams have confirmed. */
  "briefing.refresh": {
    queue: QUEUE_NAMES.slack,
    schema: z.object({ briefingId: z.uuid(), slotAt: z.number().optional() }),
    pace: "edit",
    opts: { ...retrying, attempts: 8, priority: JOB_PRIORITY.redraw },
  },
  /** Uploads a completed post-incident review as a Markdown document to the incident channel. */
  "review.publish": {
    queue: QUEUE_NAMES.slack,
    schema: z.object({ reviewId: z.uuid() }),
    opts: { ...retrying, attempts: 10 },
  },
  /** Edits a completed review's prompt in the incident channel: who completed it, and no button. */
  "review.prompt-edit": {
    queue: QUEUE_NAMES.slack,
    schema: z.object({ reviewId: z.uuid(), slotAt: z.number().optional() }),
    pace: "edit",
    opts: { ...retrying, attempts: 10, priority: JOB_PRIORITY.redraw },
  },
  /** Renders a KPI report's chart and CSV and uploads them to the requester's DM. */
  "report.files": {
    queue: QUEUE_NAMES.slack,
    schema: z.object({
      userId: z.string().min(1),
      first: z.iso.date(),
      last: z.iso.date(),
      asOf: z.coerce.date(),
    }),
    opts: { ...retrying, attempts: 5, priority: JOB_PRIORITY.report },
  },
  /** Posts last week's KPI digest to the policy's digest channel (run by a job scheduler). */
  "report.digest": {
    queue: QUEUE_NAMES.slack,
    schema: z.object({}),
    opts: { ...retrying, attempts: 8, removeOnComplete: true, priority: JOB_PRIORITY.report },
  },
  /**
   * Sends one email or webhook call of a communication plan, exactly once as far as the
   * receiver can tell (the row, not BullMQ, counts attempts and decides when it has failed).
   */
  "external.deliver": {
    queue: QUEUE_NAMES.external,
    schema: z.object({ deliveryId: z.uuid() }),
    opts: retrying,
  },
  /** One reminder of an improvement action: before its due date, at it, or the escalation after. */
  "action.fire": {
    queue: QUEUE_NAMES.actions,
    schema: z.object({
      actionId: z.uuid(),
      generation: z.number().int().min(1),
      step: z.enum(["remind", "overdue", "escalate"]),
    }),
    // A fired step is on record in action_events; its finished job need not stay in Redis.
    opts: { ...retrying, attempts: 10, removeOnComplete: true },
  },
  /** Posts one timed inject of a practice drill in its channel, once and in order (issue 23). */
  "practice.inject": {
    queue: QUEUE_NAMES.sla,
    schema: z.object({ runId: z.uuid(), position: z.number().int().min(0) }),
    // The inject row records the post; its finished job need not stay in Redis.
    opts: { ...retrying, attempts: 30, removeOnComplete: true },
  },
  /** Ends a practice drill: marks it, stores and posts its debrief (once, however often asked). */
  "practice.end": {
    queue: QUEUE_NAMES.intake,
    schema: z.object({ runId: z.uuid(), actor: z.string().min(1) }),
    opts: { ...retrying, attempts: 10 },
  },
} as const;

export type JobName = keyof typeof JOBS;
export type JobPayload<N extends JobName> = z.infer<(typeof JOBS)[N]["schema"]>;

/** Job schedulers (recurring jobs); their ids are data in Redis too. */
export const SCHEDULERS = Object.freeze({ retention: "retention-erase", digest: "report-digest" } as const);

/** Deterministic ids (no ':' — BullMQ reserves it): the same work queued twice is one job. */
export const jobIds = {
  setup: (incidentId: string) => `setup-${incidentId}`,
  finishSetup: (incidentId: string) => `finish-setup-${incidentId}`,
  promote: (incidentId: string) => `promote-${incidentId}`,
  deliver: (outboxId: string) => `deliver-${outboxId}`,
  volumeRaise: (key: string) => `volume-${key.replace(/[^A-Za-z0-9_.-]/g, "_")}`,
  externalDeliver: (deliveryId: string) => `external-${deliveryId}`,
  // One per version: a change made while an earlier refresh runs still gets its own.
  cardRefresh: (incidentId: string, version: number) => `card-${incidentId}-${version}`,
  // A breach changes the card but not the incident's version: key that refresh by the clock.
  cardRefreshOnBreach: (clockId: string, generation: number) => `card-breach-${clockId}-${generation}`,
  // The edit of one breach's DMs once it was dealt with (acknowledged or put right another way):
  // once per breach, and a later breach of the same clock gets its own.
  breachDmEdit: (clockId: string, generation: number) => `dm-edit-${clockId}-${generation}`,
  // Caller reports do not change the incident's version: their redraws are one per time slot,
  // so a flood of callers edits the card a few times a minute, never once per caller.
  cardRefreshForCallers: (incidentId: string, slot: number) => `card-callers-${incidentId}-${slot}`,
  // Claims and outcomes do not change the version either: one list edit per time slot.
  callbackListRefresh: (incidentId: string, slot: number) => `callbacks-${incidentId}-${slot}`,
  // After an erasure the card must be re-rendered though the incident's version did not change.
  cardRefreshAfterErasure: (incidentId: string) => `card-erased-${incidentId}`,
  slaStep: (clockId: string, generation: number, step: string) => `sla-${clockId}-${generation}-${step}`,
  /** The inverse of slaStep; null for an id it did not make. */
  parseSlaStep(jobId: string): { clockId: string; generation: number; step: string } | null {
    const match = /^sla-([0-9a-f-]{36})-(\d+)-(.+)$/.exec(jobId);
    return match ? { clockId: match[1]!, generation: Number(match[2]), step: match[3]! } : null;
  },
  actionStep: (actionId: string, generation: number, step: string) => `act-${actionId}-${generation}-${step}`,
  /** The inverse of actionStep; null for an id it did not make. */
  parseActionStep(jobId: string): { actionId: string; generation: number; step: string } | null {
    const match = /^act-([0-9a-f-]{36})-(\d+)-(.+)$/.exec(jobId);
    return match ? { actionId: match[1]!, generation: Number(match[2]), step: match[3]! } : null;
  },
  homeRefresh: (userId: string, incidentId: string, version: number) =>
    `home-${userId}-${incidentId}-${version}`,
  // One per confirmation (the incident's version after it), so none is swallowed by a running one.
  playbookRefresh: (incidentId: string, version: number) => `playbook-${incidentId}-${version}`,
  briefingRefresh: (briefingId: string, version: number) => `briefing-${briefingId}-${version}`,
  reviewPublish: (reviewId: string) => `review-publish-${reviewId}`,
  reviewPromptEdit: (reviewId: string) => `review-prompt-${reviewId}`,
  practiceInject: (runId: string, position: number) => `practice-inject-${runId}-${position}`,
  practiceEnd: (runId: string) => `practice-end-${runId}`,
  /** One upload per `/incident report` request (a retried request is the same job). */
  reportFiles: (requestKey: string) => `report-${requestKey.replace(/[^A-Za-z0-9_.-]/g, "_")}`,
};
