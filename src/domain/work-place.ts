import type { Priority } from "./incident.js";
import { ALL_GET_CHANNELS, type Policy, workingChannelOf } from "./policy-types.js";

/** Where an incident is worked: its own channel, or a thread under its card in a working channel. */
export interface WorkPlace {
  channel: string;
  /** The thread's parent (the card in the working channel); null in a channel of its own. */
  threadTs: string | null;
}

/** The incident fields that say where it is worked. */
export interface PlacedIncident {
  channelId: string | null;
  workingChannelId: string | null;
  threadTs: string | null;
}

/** Where the incident is worked now; null until its channel or thread exists. */
export function workPlaceOf(incident: PlacedIncident): WorkPlace | null {
  if (incident.channelId) return { channel: incident.channelId, threadTs: null };
  if (incident.workingChannelId && incident.threadTs) {
    return { channel: incident.workingChannelId, threadTs: incident.threadTs };
  }
  return null;
}

/**
 * Whether an incident gets a channel of its own: its priority is in `incident_channel.for`, or
 * it is major and majors always do, or its type has no working channel to be worked in.
 */
export function getsOwnChannel(
  policy: Pick<Policy, "incidentChannel" | "workingChannel" | "incidentTypes">,
  incident: { type: string; priority: Priority; major: boolean },
): boolean {
  const rule = policy.incidentChannel ?? ALL_GET_CHANNELS;
  if (rule.for.includes(incident.priority)) return true;
  if (incident.major && rule.major) return true;
  return workingChannelOf(policy, incident.type) === null;
}

/** A post's channel and message arguments at a work place (`thread_ts` for a thread). */
export function postAt(
  place: WorkPlace,
  message: object,
): { channel: string; message: Record<string, unknown> } {
  const args = message as Record<string, unknown>;
  return { channel: place.channel, message: place.threadTs ? { ...args, thread_ts: place.threadTs } : args };
}

/**
 * A post to where the incident is worked: its channel, or its thread (`thread_ts` joins the
 * message's arguments); null while it has neither (its set-up is not done yet).
 */
export function workPlacePost(
  incident: PlacedIncident,
  message: object,
): { channel: string; message: Record<string, unknown> } | null {
  const place = workPlaceOf(incident);
  return place ? postAt(place, message) : null;
}
