import { methodDoc } from "./method-docs";
import { type Args, list, str } from "./protocol";
import { BOT_USER_ID, type Workspace } from "./state";
import type { FakeChannel } from "./types";

/**
 * The bot scopes a call needs, as Slack's method reference lists them. conversations.* methods
 * list one scope per conversation type (channels: public, groups: private, im, mpim), and the
 * token must hold one for the type of the conversation the call touches: creating a private
 * channel needs groups:write, reading a private channel's history groups:history.
 */

const CONVERSATION_TYPES = ["channels", "groups", "im", "mpim"] as const;
type ConversationType = (typeof CONVERSATION_TYPES)[number];

const LIST_TYPE: Readonly<Record<string, ConversationType>> = {
  public_channel: "channels",
  private_channel: "groups",
  im: "im",
  mpim: "mpim",
};

function typeOfScope(scope: string): ConversationType | null {
  const prefix = scope.split(":")[0] ?? "";
  return (CONVERSATION_TYPES as readonly string[]).includes(prefix) ? (prefix as ConversationType) : null;
}

function typeOfChannel(channel: FakeChannel): ConversationType {
  if (channel.is_im) return "im";
  if (channel.is_mpim) return "mpim";
  return channel.is_private ? "groups" : "channels";
}

/**
 * The conversation types the call touches. A channel the bot cannot see adds none: the
 * handler answers `channel_not_found` for it, as Slack does.
 */
function touchedTypes(ws: Workspace, method: string, args: Args): ConversationType[] {
  if (method === "conversations.create") {
    const priv = args.is_private === true || args.is_private === "true" || args.is_private === "1";
    return [priv ? "groups" : "channels"];
  }
  if (method === "conversations.list") {
    const types = list(args, "types");
    return (types.length > 0 ? types : ["public_channel"]).flatMap((t) => LIST_TYPE[t] ?? []);
  }
  if (method === "conversations.open" && !str(args, "channel")) {
    const humans = new Set(list(args, "users").filter((id) => id !== BOT_USER_ID));
    return humans.size === 0 ? [] : [humans.size === 1 ? "im" : "mpim"];
  }
  const channel = ws.channels.get(str(args, "channel") ?? "");
  if (!channel || (channel.is_private && !channel.members.has(BOT_USER_ID))) return [];
  return [typeOfChannel(channel)];
}

/** The scope the call lacks (the first Slack lists), or null when the granted scopes suffice. */
export function missingScope(
  ws: Workspace,
  method: string,
  args: Args,
  granted: ReadonlySet<string>,
): string | null {
  const scopes = methodDoc(method).botScopes;
  if (scopes.length === 0) return null;
  const untyped = scopes.filter((s) => typeOfScope(s) === null);
  if (untyped.length === scopes.length) return scopes.some((s) => granted.has(s)) ? null : scopes[0]!;
  for (const type of touchedTypes(ws, method, args)) {
    const options = [...scopes.filter((s) => typeOfScope(s) === type), ...untyped];
    if (options.length > 0 && !options.some((s) => granted.has(s))) return options[0]!;
  }
  return null;
}
