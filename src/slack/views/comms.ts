import { z } from "zod";
import { LIMITS } from "../../domain/incident.js";
import { LOGGED_CHANNELS, LOGGED_DIRECTIONS } from "../../domain/log-describe.js";
import {
  audienceOfChoice,
  COMMS_CUSTOMERS,
  COMMS_OTHER,
  COMMS_OTHER_MAX,
} from "../../messages/comms-modal.js";
import { COMMS_FIELDS as F, VIEW } from "../../messages/ids.js";
import { type CommunicationParty, logCommunication } from "../../services/communications-log.js";
import { choice, optionalText, requiredText } from "../parse/fields.js";
import { type IncidentForm, incidentForm, submitIncidentForm } from "./incident-form.js";

/** A browser clock running a little fast is not "the future". */
const FUTURE_GRACE_MS = 60_000;

const With = z
  .string({ error: "Choose with whom." })
  .refine(
    (v) => v === COMMS_CUSTOMERS || v === COMMS_OTHER || audienceOfChoice(v) !== null,
    "Choose with whom from the list.",
  );

/**
 * The *Log a communication* form. "Who, if other" is needed only for Other, and ignored
 * otherwise; the earliest time allowed depends on the incident, so the service checks that.
 */
export function logCommunicationForm(now: Date) {
  return z
    .object({
      [F.with]: With,
      [F.other]: optionalText("Who", COMMS_OTHER_MAX),
      [F.channel]: choice(LOGGED_CHANNELS, "the channel"),
      [F.direction]: choice(LOGGED_DIRECTIONS, "the direction"),
      [F.summary]: requiredText("What was said", LIMITS.note),
      [F.at]: z
        .number({ error: "Say when it happened." })
        .int()
        .transform((s) => new Date(s * 1000))
        .refine((d) => Number.isFinite(d.getTime()), "Say when it happened.")
        .refine(
          (d) => d.getTime() <= now.getTime() + FUTURE_GRACE_MS,
          "That time is in the future: give the time it happened.",
        ),
    })
    .superRefine((f, ctx) => {
      if (f[F.with] === COMMS_OTHER && !f[F.other]) {
        ctx.addIssue({ code: "custom", path: [F.other], message: "Say who: a role or an organisation." });
      }
    })
    .transform((f) => ({
      party: partyOf(f[F.with], f[F.other]),
      channel: f[F.channel],
      direction: f[F.direction],
      summary: f[F.summary],
      at: f[F.at],
    }));
}

function partyOf(value: string, other: string | undefined): CommunicationParty {
  if (value === COMMS_CUSTOMERS) return { with: "customers" };
  const audience = audienceOfChoice(value);
  // The refinements above leave Other (with its text) as the only other case.
  return audience !== null ? { with: "audience", audience } : { with: "other", other: other ?? "" };
}

const FORMS: Record<string, IncidentForm<never>> = {
  [VIEW.logCommunication]: incidentForm({
    schema: (deps) => logCommunicationForm(deps.clock.now()),
    run: (deps, who, communication) => logCommunication(deps, { ...who, ...communication }),
    // Refusals after the form parsed are mostly about the time (too long before the incident).
    messageBlock: F.at,
  }),
};

export const COMMS_VIEWS = Object.keys(FORMS);

/** Submit of *Log a communication*. */
export const onLogCommunicationSubmit = submitIncidentForm(FORMS, {
  fields: Object.values(F),
  staleBlock: F.at,
});
