import type { ModalView, WebClient } from "@slack/web-api";
import { type KnownIncident, knownIncidents } from "../db/queries/known-incidents.js";
import { slackErrorCode } from "../delivery/slack-errors.js";
import { describeError } from "../lib/logger.js";
import { logIncidentModal, type ModalMetadata } from "../messages/log-incident-modal.js";
import type { Deps } from "../services/deps.js";
import { incidentTypeList } from "../services/render.js";

const TRIGGER_ERRORS = new Set(["expired_trigger_id", "exchanged_trigger_id", "invalid_trigger_id"]);

/** What `views.update` needs to change an opened modal. */
export interface OpenedView {
  id: string;
  hash: string;
}

/**
 * Opens a modal. Called straight after ack, because a trigger id is good for three seconds
 * and once. Returns a user-facing message when Slack refused, `retry` naming what to run again;
 * `opened` hears the view's id and hash, for a caller that changes it later.
 */
export async function openModal(
  deps: Deps,
  client: WebClient,
  p: {
    triggerId: string;
    view: object;
    retry: string;
    context?: Record<string, unknown>;
    opened?: (view: OpenedView) => void;
  },
): Promise<string | null> {
  try {
    const res = await client.views.open({ trigger_id: p.triggerId, view: p.view as ModalView });
    if (p.opened && res.view?.id && res.view.hash) p.opened({ id: res.view.id, hash: res.view.hash });
    return null;
  } catch (err) {
    const code = slackErrorCode(err);
    deps.logger.warn({ ...p.context, code, err: code ? undefined : describeError(err) }, "views.open failed");
    return code && TRIGGER_ERRORS.has(code)
      ? `Slack took too long to open the form. Please ${p.retry} again.`
      : `I couldn't open the form just now. Please ${p.retry} again in a moment.`;
  }
}

/**
 * How long opening the Log form waits for its "Already known?" list: the trigger is good for
 * 3 s, and the form matters more than the list. A list read later is put in by views.update.
 */
export const KNOWN_WAIT_MS = 700;

/** The log-incident modal, empty or prefilled, with the open incidents the caller may mean. */
export async function openLogIncidentModal(
  deps: Deps,
  client: WebClient,
  p: { triggerId: string; title?: string; description?: string; metadata: ModalMetadata },
): Promise<string | null> {
  const reading = knownIncidents(deps.db, 5).catch((err: unknown) => {
    deps.logger.warn({ err: describeError(err) }, "known incidents not read for the log form");
    return null;
  });
  let timer: NodeJS.Timeout | undefined;
  const inTime = await Promise.race([
    reading,
    new Promise<"late">((resolve) => {
      timer = setTimeout(() => resolve("late"), KNOWN_WAIT_MS);
    }),
  ]).finally(() => clearTimeout(timer));
  const viewWith = (known: readonly KnownIncident[] | undefined) =>
    logIncidentModal({
      types: incidentTypeList(deps.policy),
      now: deps.clock.now(),
      title: p.title,
      description: p.description,
      metadata: p.metadata,
      known,
    });
  const shown: { view?: OpenedView } = {};
  const problem = await openModal(deps, client, {
    triggerId: p.triggerId,
    view: viewWith(inTime === "late" ? undefined : (inTime ?? undefined)),
    retry: "run `/incident`",
    opened: (view) => {
      shown.view = view;
    },
  });
  if (inTime === "late" && shown.view) void fillKnown(deps, client, shown.view, reading, viewWith);
  return problem;
}

/** Puts the late "Already known?" list into the open form, unless the agent changed it meanwhile. */
async function fillKnown(
  deps: Deps,
  client: WebClient,
  opened: OpenedView,
  reading: Promise<KnownIncident[] | null>,
  viewWith: (known: readonly KnownIncident[]) => object,
): Promise<void> {
  const known = await reading;
  if (!known || known.length === 0) return;
  try {
    await client.views.update({ view_id: opened.id, hash: opened.hash, view: viewWith(known) as ModalView });
  } catch (err) {
    // hash_conflict: the agent has started filling it in; the form stays as it is.
    deps.logger.debug({ err: describeError(err) }, "known incidents not added to the log form");
  }
}
