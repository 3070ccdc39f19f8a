import type { IncidentLogRow } from "../db/schema/incident-log.js";
import { slackErrorCode } from "../delivery/slack-errors.js";
import { isChannelId, isUserId } from "../domain/log-values.js";
import { namesInLog, slackIdsIn } from "../domain/log-view.js";
import { describeError } from "../lib/logger.js";
import type { Deps } from "./deps.js";

/**
 * Names for the Slack ids a record mentions: people through `users.info`, channels through
 * `conversations.info`, each looked up once and kept in this process for an hour. A lookup
 * that fails still gives a readable label ("a former member"), never the raw id; one that
 * failed for a passing reason (rate limit, timeout) is tried again a minute later.
 */

export const FORMER_MEMBER = "a former member";
export const UNSEEN_CHANNEL = "a channel Switchboard cannot see";
const PASSING_USER = "someone";
const PASSING_CHANNEL = "a channel";

const FOUND_TTL_MS = 60 * 60_000;
const PASSING_TTL_MS = 60_000;
/** Lookups one record may start; the rest read "someone" until a later view names them. */
const MAX_LOOKUPS = 100;
const CONCURRENCY = 4;
/** Answers meaning the user or channel is gone, or hidden from the bot, for good. */
const USER_GONE = new Set(["user_not_found", "user_not_visible"]);
const CHANNEL_GONE = new Set(["channel_not_found", "missing_scope"]);

type DirectoryDeps = Pick<Deps, "slack" | "clock" | "logger">;
interface Cached {
  label: string;
  expiresAt: number;
  /** Why the lookup failed for a passing reason, for one warning per view. */
  failure?: string;
}

// One cache per Slack client (so per workspace and per test harness), dropped with the client.
const caches = new WeakMap<object, Map<string, Cached>>();
const inFlight = new WeakMap<object, Map<string, Promise<Cached>>>();

function cacheOf<T>(store: WeakMap<object, Map<string, T>>, key: object): Map<string, T> {
  let cache = store.get(key);
  if (!cache) {
    cache = new Map();
    store.set(key, cache);
  }
  return cache;
}

function userLabel(user: Record<string, unknown> | undefined): string | null {
  const profile = (user?.profile ?? {}) as Record<string, unknown>;
  for (const name of [profile.real_name, user?.real_name, profile.display_name, user?.name]) {
    if (typeof name === "string" && name.trim() !== "") return name.trim();
  }
  return null;
}

function channelLabel(channel: Record<string, unknown> | undefined): string | null {
  if (channel?.is_im === true) return "a direct message";
  return typeof channel?.name === "string" && channel.name !== "" ? `#${channel.name}` : null;
}

async function lookUp(deps: DirectoryDeps, id: string): Promise<Cached> {
  const now = deps.clock.now().getTime();
  const user = isUserId(id);
  try {
    const label = user
      ? userLabel((await deps.slack.users.info({ user: id })).user as Record<string, unknown>)
      : channelLabel(
          (await deps.slack.conversations.info({ channel: id })).channel as Record<string, unknown>,
        );
    return { label: label ?? (user ? PASSING_USER : PASSING_CHANNEL), expiresAt: now + FOUND_TTL_MS };
  } catch (err) {
    const code = slackErrorCode(err);
    if (code && (user ? USER_GONE : CHANNEL_GONE).has(code)) {
      return { label: user ? FORMER_MEMBER : UNSEEN_CHANNEL, expiresAt: now + FOUND_TTL_MS };
    }
    const failure = code ?? describeError(err);
    return { label: user ? PASSING_USER : PASSING_CHANNEL, expiresAt: now + PASSING_TTL_MS, failure };
  }
}

function lookUpOnce(deps: DirectoryDeps, id: string): Promise<Cached> {
  const pending = cacheOf(inFlight, deps.slack);
  const running = pending.get(id);
  if (running) return running;
  const promise = lookUp(deps, id).then((found) => {
    cacheOf(caches, deps.slack).set(id, found);
    pending.delete(id);
    return found;
  });
  pending.set(id, promise);
  return promise;
}

/** Labels for user and channel ids ("Dana Scully", "#floor"); ids of other shapes are left out. */
export async function lookUpNames(deps: DirectoryDeps, ids: Iterable<string>): Promise<Map<string, string>> {
  const cache = cacheOf(caches, deps.slack);
  const now = deps.clock.now().getTime();
  const names = new Map<string, string>();
  const missing: string[] = [];
  for (const id of new Set(ids)) {
    if (!isUserId(id) && !isChannelId(id)) continue;
    if (/^D/.test(id)) continue; // a DM reads "a direct message" without asking
    const hit = cache.get(id);
    if (hit && hit.expiresAt > now) names.set(id, hit.label);
    else missing.push(id);
  }
  const queue = missing.slice(0, MAX_LOOKUPS);
  const failures: string[] = [];
  const worker = async () => {
    for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
      const found = await lookUpOnce(deps, id);
      names.set(id, found.label);
      if (found.failure) failures.push(found.failure);
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, queue.length) }, worker));
  if (failures.length > 0) {
    deps.logger.warn(
      { failed: failures.length, first: failures[0] },
      "name lookups failed; showing placeholders",
    );
  }
  return names;
}

/** Names for everything an incident log mentions: the channels it created, then the rest. */
export async function namesForLog(
  deps: DirectoryDeps,
  entries: readonly Pick<IncidentLogRow, "kind" | "actor" | "details">[],
): Promise<Map<string, string>> {
  const names = namesInLog(entries);
  const wanted = [...slackIdsIn(entries)].filter((id) => !names.has(id));
  for (const [id, label] of await lookUpNames(deps, wanted)) names.set(id, label);
  return names;
}
