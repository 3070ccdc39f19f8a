/** Public shapes of the fake Slack Web API used by the test suite. */

export interface RecordedCall {
  method: string;
  /** Parsed arguments without `token`; JSON-string fields (blocks, view, …) are parsed into values. */
  args: Record<string, unknown>;
  at: number;
  ok: boolean;
  error?: string;
  /** HTTP status sent; 0 while the call is still being answered. */
  status: number;
}

export interface FakeFileRef {
  id: string;
  name: string;
  title?: string;
}

export interface FakeMessage {
  channel: string;
  ts: string;
  text?: string;
  blocks?: unknown[];
  thread_ts?: string;
  user: string;
  edited?: boolean;
  metadata?: unknown;
  attachments?: unknown[];
  files?: FakeFileRef[];
  reply_broadcast?: boolean;
}

export interface FakeChannel {
  id: string;
  name: string;
  is_private: boolean;
  is_archived: boolean;
  members: Set<string>;
  /** Timestamps of pinned messages. */
  pins: Set<string>;
  topic: string;
  purpose: string;
  created: number;
  /** Who created it: a human admin for seeded channels, the bot for conversations.create. */
  creator: string;
  /** Direct-message conversations ("D…") opened by the bot live in `channels` too. */
  is_im?: boolean;
  is_mpim?: boolean;
}

export interface FakeView {
  id: string;
  // biome-ignore lint/suspicious/noExplicitAny: Block Kit view JSON is opaque; tests index into it freely.
  view: Record<string, any>;
  user: string;
  type: "modal" | "home";
  hash: string;
  triggerId?: string;
}

/** A body POSTed to a `responseUrl()` endpoint. */
export interface FakeResponse {
  url: string;
  body: Record<string, unknown>;
  at: number;
}

export interface FakeEphemeral {
  channel: string;
  user: string;
  text?: string;
  blocks?: unknown[];
  at: number;
}

export interface FakeFile {
  id: string;
  filename: string;
  title?: string;
  content: Buffer;
  channel?: string;
  initial_comment?: string;
}

export interface FakeUser {
  id: string;
  name: string;
  real_name: string;
  tz: string;
  deleted: boolean;
  is_bot: boolean;
}

export interface FailureSpec {
  /** Answer HTTP 200 `{ok:false, error}`; the code must be one the method can return. */
  error?: string;
  /** 429 → `ratelimited` with `Retry-After`; other statuses → that status with a text body. */
  status?: number;
  /** Seconds for `Retry-After` when `status` is 429; default 1. */
  retryAfter?: number;
  /**
   * Delay the answer. Alone: the call is handled normally at once (its effect lands) and only the
   * response is late — a client timeout then models "Slack did it but we never heard back".
   * With `error`/`status`: wait, then fail without any effect.
   */
  delayMs?: number;
  /** How many matching calls fail; default 1. */
  times?: number;
  /** Only calls whose `channel` (or `channel_id`) argument equals this. */
  channel?: string;
  /** Apply the call's effect, then answer `status` (default 500) instead of the real response. */
  afterEffect?: boolean;
  /** Close the connection without any answer (the client sees ECONNRESET). */
  reset?: boolean;
}

export interface AddChannelOptions {
  is_private?: boolean;
  /** Human members. Giving this makes membership checks for the channel strict (see README.md). */
  members?: string[];
  is_archived?: boolean;
  /** Default true. */
  botIsMember?: boolean;
  /** Default "U0ADMIN" (a workspace admin), so tests can tell seeded channels from the bot's. */
  creator?: string;
}

export interface AddUserOptions {
  name?: string;
  real_name?: string;
  tz?: string;
  deleted?: boolean;
}

export interface AddMessageInput {
  channel: string;
  user: string;
  text?: string;
  blocks?: unknown[];
  thread_ts?: string;
  metadata?: unknown;
}

/** A workspace as JSON (see FakeSlack.snapshot): Sets become arrays, file contents base64. */
export interface WorkspaceSnapshot {
  format: 1;
  counter: number;
  lastTsMicros: number;
  users: FakeUser[];
  channels: Array<Omit<FakeChannel, "members" | "pins"> & { members: string[]; pins: string[] }>;
  strictMembership: string[];
  ims: Array<[string, string]>;
  messages: FakeMessage[];
  ephemerals: FakeEphemeral[];
  views: FakeView[];
  files: Array<Omit<FakeFile, "content"> & { content: string }>;
  modalStacks: Array<[string, string[]]>;
}

/** How the app answered a view_submission (its `response_action` and what goes with it). */
export interface ViewAnswer {
  response_action?: string;
  errors?: Record<string, string>;
  view?: object;
}

export interface FakeSlack {
  /** e.g. "http://127.0.0.1:43111/api/" — pass as `slackApiUrl`. */
  url: string;
  baseUrl: string;
  botUserId: string;
  teamId: string;
  botToken: string;
  calls: RecordedCall[];
  messages: FakeMessage[];
  ephemerals: FakeEphemeral[];
  channels: Map<string, FakeChannel>;
  users: Map<string, FakeUser>;
  views: FakeView[];
  responses: FakeResponse[];
  files: FakeFile[];
  addChannel(name: string, opts?: AddChannelOptions): string;
  addUser(id: string, opts?: AddUserOptions): void;
  /** Stores a message as if `user` had posted it (fresh ts); returns it. */
  addMessage(input: AddMessageInput): FakeMessage;
  /** trigger_id valid `ttlMs` (default 3000) and usable once; `user` (default "U0USER") owns the views. */
  issueTrigger(opts?: { ttlMs?: number; user?: string }): string;
  /** A fresh `${baseUrl}/response/<id>`: valid 30 minutes, 5 uses (override for tests). */
  responseUrl(opts?: { ttlMs?: number; maxUses?: number }): string;
  failNext(method: string, failure: FailureSpec): void;
  /** Socket Mode: what apps.connections.open answers with (see test/helpers/fake-socket-mode.ts). */
  setSocketModeUrl(issue: (() => string) | null): void;
  /** Drops the failures queued by failNext that have not been used yet. */
  clearFaults(): void;
  /** Whether the app holds chat:write.public (default true; reset() restores it). Without it,
   * chat.postMessage to a public channel the bot is not in answers `not_in_channel`. */
  setChatWritePublic(enabled: boolean): void;
  /**
   * The bot token's scopes (default null: every scope; reset() restores it). When set, a call
   * lacking the scope Slack's method reference lists for it, for the type of conversation it
   * touches (groups:write to create a private channel, groups:history to read one), answers
   * `missing_scope` with `needed` and `provided`; chat:write.public follows the list.
   */
  setScopes(scopes: readonly string[] | null): void;
  /** Whether `user` can find the channel in Slack: a public one always, a private one as a member. */
  visibleTo(channel: string, user: string): boolean;
  setChannelRateLimit(opts: { perSecond: number; burst: number } | null): void;
  messagesIn(channel: string): FakeMessage[];
  callsTo(method: string): RecordedCall[];
  waitFor<T>(
    predicate: () => T | undefined | false | null,
    opts?: { timeoutMs?: number; intervalMs?: number },
  ): Promise<T>;
  reset(): void;
  close(): Promise<void>;
  /** Bumps on every change a person could see: API calls that write, response_url posts, changed(). */
  readonly version: number;
  /** Calls `listener` after every change (synchronously: schedule work, do not do it there). */
  onChange(listener: () => void): () => void;
  /** Records a change made directly to the arrays above (e.g. an ephemeral added by the caller). */
  changed(): void;
  snapshot(): WorkspaceSnapshot;
  /** Replaces the whole workspace with a snapshot (ids and timestamps go on after it). */
  restore(snapshot: WorkspaceSnapshot): void;
  /** `user`'s open modals, bottom first (views.open starts a stack, views.push adds to it). */
  modalStack(user: string): FakeView[];
  /**
   * What the Slack client does with the app's answer to a view_submission of `viewId`: errors
   * keep the modal; update replaces it; push stacks a new one; clear closes all; none closes it.
   * Throws an ApiError when the answer's view is invalid (Slack shows the user an error).
   */
  answerSubmission(user: string, viewId: string, answer: ViewAnswer): void;
  /** The user closes (cancels) the modal `viewId`, and any pushed above it. */
  closeModal(user: string, viewId: string): void;
}
