import type { FakeChannel, FakeMessage, FakeSlack } from "../emulator/types.js";
import { ephemeralId, type SandboxActions } from "./sandbox-actions.js";
import { BOT_NAME, people, TEAM_NAME } from "./workspace.js";

/** What one person sees of the workspace: the answer of GET /api/state (src/demo/README.md). */

type Kind = "public" | "private" | "im";

function kindOf(channel: FakeChannel): Kind {
  if (channel.is_im) return "im";
  return channel.is_private ? "private" : "public";
}

function messageView(slack: FakeSlack, channel: FakeChannel, message: FakeMessage, replies: number) {
  return {
    ts: message.ts,
    user: message.user,
    text: message.text ?? "",
    ...(message.blocks ? { blocks: message.blocks } : {}),
    ...(message.attachments ? { attachments: message.attachments } : {}),
    ...(message.thread_ts ? { thread_ts: message.thread_ts } : {}),
    reply_count: replies,
    edited: message.edited === true,
    pinned: channel.pins.has(message.ts),
    ...(message.files
      ? {
          files: message.files.map((f) => ({
            id: f.id,
            name: f.name,
            title: f.title ?? f.name,
            url: `/api/files/${encodeURIComponent(f.id)}`,
          })),
        }
      : {}),
    ...(slack.users.get(message.user)?.is_bot ? { bot: true } : {}),
  };
}

export function sandboxState(slack: FakeSlack, actions: SandboxActions, me: string) {
  const visible = [...slack.channels.values()]
    .filter((c) => !c.is_mpim && (c.is_im ? c.members.has(me) : slack.visibleTo(c.id, me)))
    .sort((a, b) => {
      const ims = Number(Boolean(a.is_im)) - Number(Boolean(b.is_im));
      return ims !== 0 ? ims : a.name.localeCompare(b.name);
    });
  const channels = visible.map((c) => ({
    id: c.id,
    name: c.is_im ? BOT_NAME : c.name,
    kind: kindOf(c),
    topic: c.topic,
    purpose: c.purpose,
    member: c.members.has(me),
    members: [...c.members],
  }));
  const messages: Record<string, ReturnType<typeof messageView>[]> = {};
  for (const channel of visible) {
    const list = slack.messagesIn(channel.id);
    const replies = new Map<string, number>();
    for (const m of list) {
      if (m.thread_ts && m.thread_ts !== m.ts) replies.set(m.thread_ts, (replies.get(m.thread_ts) ?? 0) + 1);
    }
    messages[channel.id] = list.map((m) => messageView(slack, channel, m, replies.get(m.ts) ?? 0));
  }
  const ephemerals = slack.ephemerals
    .map((e, index) => ({ e, index }))
    .filter(({ e, index }) => e.user === me && !actions.hiddenEphemerals.has(index))
    .map(({ e, index }) => ({
      id: ephemeralId(index),
      channel: e.channel,
      text: e.text ?? "",
      ...(e.blocks ? { blocks: e.blocks } : {}),
      at: e.at,
    }));
  const stack = slack.modalStack(me);
  const top = stack.at(-1);
  const users: Record<string, { name: string }> = {};
  for (const user of slack.users.values()) users[user.id] = { name: user.real_name || user.name };
  const known = new Set(people().map((p) => p.id));
  const others = [...slack.users.values()]
    .filter((u) => !u.is_bot && !u.deleted && !known.has(u.id))
    .map((u) => ({ id: u.id, name: u.real_name || u.name, title: "" }));
  return {
    version: slack.version,
    me,
    team: { name: TEAM_NAME },
    bot: { id: slack.botUserId, name: BOT_NAME },
    people: [...people(), ...others],
    users,
    channels,
    messages,
    ephemerals,
    modal: top ? { view_id: top.id, view: top.view, depth: stack.length } : null,
    modalErrors: (top && actions.modalErrors.get(me)) ?? {},
    home: actions.home(me)?.view ?? null,
    // Slack shows times in the viewer's own zone (their profile's), as the page does.
    timezone: slack.users.get(me)?.tz ?? "Europe/London",
  };
}
