import { ApiError } from "./api-error";
import type {
  AddChannelOptions,
  AddUserOptions,
  FakeChannel,
  FakeEphemeral,
  FakeFile,
  FakeMessage,
  FakeResponse,
  FakeUser,
  FakeView,
  WorkspaceSnapshot,
} from "./types";

export const BOT_USER_ID = "U0BOT";
export const SEEDED_CHANNEL_CREATOR = "U0ADMIN";
export const BOT_ID = "B0BOT";
export const APP_ID = "A0APP";
export const TEAM_ID = "T0TEAM";
export const BOT_TOKEN = "xoxb-test-token";
export const DEFAULT_TRIGGER_USER = "U0USER";

export interface Trigger {
  expiresAt: number;
  used: boolean;
  user: string;
}

export interface ResponseUrlState {
  expiresAt: number;
  usesLeft: number;
}

export interface PendingUpload {
  id: string;
  filename: string;
  length: number;
  content?: Buffer;
}

/** Channel-name rules of `conversations.create`, in the order Slack applies them; null when valid. */
export function channelNameError(name: string): string | null {
  if (name === "") return "invalid_name_required";
  if (name.length > 80) return "invalid_name_maxlength";
  if (!/^[a-z0-9_-]+$/.test(name)) return "invalid_name_specials";
  if (/^[_-]+$/.test(name)) return "invalid_name_punctuation";
  return null;
}

/** "1712345678.000123" → microseconds, or undefined when it is not a Slack timestamp. */
export function tsToMicros(ts: string): number | undefined {
  const match = /^(\d{1,12})(?:\.(\d{1,6}))?$/.exec(ts);
  if (!match) return undefined;
  return Number(match[1]) * 1_000_000 + Number((match[2] ?? "").padEnd(6, "0"));
}

/** In-memory workspace: everything a Slack workspace remembers between calls. */
export class Workspace {
  readonly users = new Map<string, FakeUser>();
  readonly channels = new Map<string, FakeChannel>();
  /** Channel id by name: names are unique among channels (not DMs), and never change here. */
  private readonly channelIdsByName = new Map<string, string>();
  readonly messages: FakeMessage[] = [];
  readonly ephemerals: FakeEphemeral[] = [];
  readonly views: FakeView[] = [];
  readonly responses: FakeResponse[] = [];
  readonly files: FakeFile[] = [];
  readonly uploads = new Map<string, PendingUpload>();
  readonly triggers = new Map<string, Trigger>();
  readonly responseUrls = new Map<string, ResponseUrlState>();
  /** The app holds chat:write.public: it may post to public channels it is not in. */
  chatWritePublic = true;
  /** Issues the URL apps.connections.open answers with (a fake Socket Mode server); kept over reset(). */
  socketModeUrl: (() => string) | null = null;
  /** The bot token's scopes; null: every scope (calls are not checked for missing_scope). */
  scopes: ReadonlySet<string> | null = null;
  /** Channels whose human membership is fully known: members were given, or the API created them. */
  readonly strictMembership = new Set<string>();
  private readonly ims = new Map<string, string>();
  /** Each user's open modals, bottom first, as the Slack client stacks them. */
  readonly modalStacks = new Map<string, string[]>();
  /** Bumps on every change a person could see; see onChange. */
  version = 0;
  private readonly listeners = new Set<() => void>();
  // Indexes over `messages` (which only grows until a reset), so a lookup does not scan every
  // message of the workspace: benchmarks keep tens of thousands of them.
  private readonly byChannel = new Map<string, FakeMessage[]>();
  private readonly byKey = new Map<string, FakeMessage>();
  private readonly repliesByThread = new Map<string, FakeMessage[]>();
  // Never reset, so ids and timestamps from before a reset() cannot alias new objects.
  private counter = 0;
  private lastTsMicros = 0;

  constructor() {
    this.reset();
  }

  reset(): void {
    for (const map of [
      this.users,
      this.channels,
      this.uploads,
      this.triggers,
      this.responseUrls,
      this.ims,
      this.modalStacks,
      this.byChannel,
      this.byKey,
      this.repliesByThread,
    ]) {
      map.clear();
    }
    for (const list of [this.messages, this.ephemerals, this.views, this.responses, this.files])
      list.length = 0;
    this.strictMembership.clear();
    this.chatWritePublic = true;
    this.scopes = null;
    this.users.set(BOT_USER_ID, {
      id: BOT_USER_ID,
      name: "switchboard",
      real_name: "Switchboard",
      tz: "UTC",
      deleted: false,
      is_bot: true,
    });
  }

  /** Records a change and tells the listeners (synchronously; they should only schedule work). */
  changed(): void {
    this.version += 1;
    for (const listener of this.listeners) listener();
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Everything a restart should keep: users, channels, messages, pins, views, files, ids. */
  snapshot(): WorkspaceSnapshot {
    return {
      format: 1,
      counter: this.counter,
      lastTsMicros: this.lastTsMicros,
      users: [...this.users.values()],
      channels: [...this.channels.values()].map((c) => ({
        ...c,
        members: [...c.members],
        pins: [...c.pins],
      })),
      strictMembership: [...this.strictMembership],
      ims: [...this.ims],
      messages: this.messages,
      ephemerals: this.ephemerals,
      views: this.views,
      files: this.files.map((f) => ({ ...f, content: f.content.toString("base64") })),
      modalStacks: [...this.modalStacks],
    };
  }

  /** Replaces the workspace with a snapshot's; ids and timestamps continue after it. */
  restore(snapshot: WorkspaceSnapshot): void {
    this.reset();
    this.counter = Math.max(this.counter, snapshot.counter);
    this.lastTsMicros = Math.max(this.lastTsMicros, snapshot.lastTsMicros);
    for (const user of snapshot.users) this.users.set(user.id, user);
    for (const c of snapshot.channels) {
      this.channels.set(c.id, { ...c, members: new Set(c.members), pins: new Set(c.pins) });
      if (!c.is_im && !c.is_mpim) this.channelIdsByName.set(c.name, c.id);
    }
    for (const id of snapshot.strictMembership) this.strictMembership.add(id);
    for (const [user, channel] of snapshot.ims) this.ims.set(user, channel);
    for (const message of snapshot.messages) this.index(message);
    this.ephemerals.push(...snapshot.ephemerals);
    this.views.push(...snapshot.views);
    for (const f of snapshot.files) this.files.push({ ...f, content: Buffer.from(f.content, "base64") });
    for (const [user, stack] of snapshot.modalStacks) this.modalStacks.set(user, stack);
    this.changed();
  }

  /** `prefix` + 10 upper-case alphanumerics, unique for the life of the fake. */
  nextId(prefix: string): string {
    this.counter += 1;
    return prefix + this.counter.toString(36).toUpperCase().padStart(10, "0");
  }

  /** "<unix seconds>.<6 digits>", strictly increasing even within one millisecond. */
  nextTs(): string {
    this.lastTsMicros = Math.max(Date.now() * 1000, this.lastTsMicros + 1);
    const seconds = Math.floor(this.lastTsMicros / 1_000_000);
    return `${seconds}.${String(this.lastTsMicros % 1_000_000).padStart(6, "0")}`;
  }

  nowSeconds(): number {
    return Math.floor(Date.now() / 1000);
  }

  addUser(id: string, opts: AddUserOptions = {}): FakeUser {
    if (!/^[UW][A-Z0-9]{2,}$/.test(id))
      throw new Error(`fake-slack: "${id}" does not look like a Slack user id`);
    const tz = opts.tz ?? "Europe/London";
    new Intl.DateTimeFormat("en-GB", { timeZone: tz }); // throws RangeError on an unknown zone
    const name = opts.name ?? id.toLowerCase();
    const user = {
      id,
      name,
      real_name: opts.real_name ?? name,
      tz,
      deleted: opts.deleted ?? false,
      is_bot: false,
    };
    this.users.set(id, user);
    return user;
  }

  /** `strict`: human membership is exactly `members` (default: only when members were given). */
  addChannel(name: string, opts: AddChannelOptions = {}, strict = opts.members !== undefined): FakeChannel {
    const invalid = channelNameError(name);
    if (invalid) throw new Error(`fake-slack: channel name "${name}" is invalid (${invalid})`);
    if (this.channelByName(name)) throw new Error(`fake-slack: channel name "${name}" is taken`);
    const id = this.nextId("C");
    const members = new Set<string>();
    if (opts.botIsMember ?? true) members.add(BOT_USER_ID);
    for (const member of opts.members ?? []) {
      if (!this.users.has(member)) this.addUser(member);
      members.add(member);
    }
    if (strict) this.strictMembership.add(id);
    const channel: FakeChannel = {
      id,
      name,
      is_private: opts.is_private ?? false,
      is_archived: opts.is_archived ?? false,
      members,
      pins: new Set(),
      topic: "",
      purpose: "",
      created: this.nowSeconds(),
      creator: opts.creator ?? SEEDED_CHANNEL_CREATOR,
    };
    this.channels.set(id, channel);
    this.channelIdsByName.set(name, id);
    return channel;
  }

  channelByName(name: string): FakeChannel | undefined {
    const id = this.channelIdsByName.get(name);
    return id === undefined ? undefined : this.channels.get(id);
  }

  /** The bot's DM with `user`, created on first use. */
  openIm(user: string): FakeChannel {
    const existing = this.ims.get(user);
    if (existing) return this.channels.get(existing)!;
    const channel = this.conversation("D", user, [user]);
    channel.is_im = true;
    this.ims.set(user, channel.id);
    return channel;
  }

  hasIm(user: string): boolean {
    return this.ims.has(user);
  }

  /** A DM-like conversation (IM or group DM) of the bot and `users`. */
  conversation(prefix: string, name: string, users: string[]): FakeChannel {
    const id = this.nextId(prefix);
    const channel: FakeChannel = {
      id,
      name,
      is_private: true,
      is_archived: false,
      members: new Set([BOT_USER_ID, ...users]),
      pins: new Set(),
      topic: "",
      purpose: "",
      created: this.nowSeconds(),
      creator: BOT_USER_ID,
    };
    this.channels.set(id, channel);
    this.strictMembership.add(id);
    return channel;
  }

  /** The channel as the bot sees it: private channels it is not in do not exist for it. */
  visibleChannel(id: string | undefined): FakeChannel {
    const channel = id === undefined ? undefined : this.channels.get(id);
    if (!channel || (channel.is_private && !channel.members.has(BOT_USER_ID))) {
      throw new ApiError("channel_not_found");
    }
    return channel;
  }

  /** Whether `user` can find the channel: any channel, if public; a private one (or DM) only as a member. */
  visibleTo(channel: FakeChannel, user: string): boolean {
    if (channel.is_private) return channel.members.has(user);
    return this.users.has(user) && !this.users.get(user)?.deleted;
  }

  /** Membership of a human; lenient (always true) for channels whose membership was never given. */
  isMember(channel: FakeChannel, user: string): boolean {
    return !this.strictMembership.has(channel.id) || channel.members.has(user);
  }

  storeMessage(input: Omit<FakeMessage, "ts">): FakeMessage {
    const message: FakeMessage = { ...input, ts: this.nextTs() };
    for (const key of Object.keys(message) as Array<keyof FakeMessage>) {
      if (message[key] === undefined) delete message[key];
    }
    this.index(message);
    return message;
  }

  private index(message: FakeMessage): void {
    this.messages.push(message);
    appendTo(this.byChannel, message.channel, message);
    this.byKey.set(messageKey(message.channel, message.ts), message);
    if (message.thread_ts && message.thread_ts !== message.ts) {
      appendTo(this.repliesByThread, messageKey(message.channel, message.thread_ts), message);
    }
  }

  findMessage(channel: string, ts: string | undefined): FakeMessage | undefined {
    return ts === undefined ? undefined : this.byKey.get(messageKey(channel, ts));
  }

  /** Replies in the thread under the message `ts`, oldest first. */
  repliesTo(channel: string, ts: string): FakeMessage[] {
    return this.repliesByThread.get(messageKey(channel, ts)) ?? [];
  }

  messagesIn(channel: string): FakeMessage[] {
    return [...(this.byChannel.get(channel) ?? [])].sort(
      (a, b) => (tsToMicros(a.ts) ?? 0) - (tsToMicros(b.ts) ?? 0),
    );
  }
}

function messageKey(channel: string, ts: string): string {
  return `${channel} ${ts}`;
}

function appendTo<T>(map: Map<string, T[]>, key: string, value: T): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
