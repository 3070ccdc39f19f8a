/**
 * The sandbox page: a Slack-like workspace over the demo's Sandbox API (src/demo/README.md).
 *
 * One state object from `GET /api/state?as=…` is drawn whole on every change the server
 * announces on `/api/events`; what the visitor does goes back through `/api/message`,
 * `/api/action`, `/api/submit`, `/api/close`, `/api/options`, `/api/home` and `/api/shortcut`,
 * and the backend hands it to the bot exactly as Slack would.
 */
import { fromZonedInput, renderAttachments, renderBlocks, renderOptions, renderView } from "./blockkit.js";
import { escapeHtml as esc, formatSlackDate, renderMrkdwn, renderText } from "./mrkdwn.js";

/** @typedef {Record<string, any>} Json */

const STORAGE_KEY = "switchboard-sandbox:as";

/** @param {string} id @returns {HTMLElement} */
const $ = (id) => /** @type {HTMLElement} */ (document.getElementById(id));
const ui = {
  persona: /** @type {HTMLSelectElement} */ ($("persona")),
  team: $("team-name"),
  sidebar: $("sidebar"),
  sidebarList: $("sidebar-list"),
  menuToggle: $("menu-toggle"),
  title: $("channel-title"),
  topic: $("channel-topic"),
  messages: $("messages"),
  home: $("home"),
  composer: /** @type {HTMLFormElement} */ ($("composer")),
  composerText: /** @type {HTMLTextAreaElement} */ ($("composer-text")),
  thread: $("thread"),
  threadChannel: $("thread-channel"),
  threadMessages: $("thread-messages"),
  threadComposer: /** @type {HTMLFormElement} */ ($("thread-composer")),
  threadText: /** @type {HTMLTextAreaElement} */ ($("thread-text")),
  modalRoot: $("modal-root"),
  confirm: /** @type {HTMLDialogElement} */ ($("confirm")),
  toast: $("toast"),
};

/** The page's own state. */
const page = {
  /** @type {Json | null} the last answer of /api/state */
  state: null,
  /** @type {string | null} the persona acting and viewing */
  as: null,
  /** @type {{ kind: "channel", id: string } | { kind: "home" } | null} */
  view: null,
  /** @type {{ channel: string, ts: string } | null} the open thread */
  thread: null,
  /** Ephemeral ids the visitor dismissed. */
  dismissed: new Set(),
  /** channel id → how many top-level messages the persona has seen there (for unread marks). */
  seen: /** @type {Map<string, Map<string, number>>} */ (new Map()),
  /** The drawn modal's identity, so a re-draw happens only when it changed. */
  modalKey: "",
  /** The errors last shown in the modal. */
  modalErrorsKey: "{}",
  /** A refresh is running / another one is wanted after it. */
  loading: false,
  again: false,
};

// ---------------------------------------------------------------------------------------------
// Talking to the backend

/**
 * POSTs JSON to the Sandbox API; shows `error` answers to the visitor.
 * @param {string} path
 * @param {Json} body
 * @returns {Promise<Json | null>}
 */
async function post(path, body) {
  try {
    const res = await fetch(path, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    const answer = await res.json().catch(() => ({ ok: false, error: `HTTP ${res.status}` }));
    if (!res.ok || answer.ok === false) {
      toast(`That did not work: ${answer.error ?? `HTTP ${res.status}`}`);
      return null;
    }
    return answer;
  } catch (err) {
    toast(`The sandbox is not answering (${err instanceof Error ? err.message : String(err)}).`);
    return null;
  }
}

/** Fetches the state and draws it; calls that arrive while one runs are folded into one more. */
async function refresh() {
  if (page.loading) {
    page.again = true;
    return;
  }
  page.loading = true;
  try {
    do {
      page.again = false;
      const query = page.as ? `?as=${encodeURIComponent(page.as)}` : "";
      let res = await fetch(`/api/state${query}`);
      if (res.status === 400 && page.as && !page.state) {
        // A remembered persona the workspace no longer has: let the server choose.
        localStorage.removeItem(STORAGE_KEY);
        page.as = null;
        res = await fetch("/api/state");
      }
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      const state = await res.json();
      page.state = state;
      adoptPersona(state.me);
      draw();
    } while (page.again);
  } catch (err) {
    toast(`Could not load the workspace (${err instanceof Error ? err.message : String(err)}).`);
  } finally {
    page.loading = false;
  }
}

/** Follows the server's change events; the browser reconnects by itself if the stream drops. */
function listen() {
  const events = new EventSource("/api/events");
  events.addEventListener("change", (e) => {
    const version = Number(JSON.parse(/** @type {MessageEvent} */ (e).data || "{}").version);
    if (!page.state || version !== page.state.version) refresh();
  });
  // After a reconnect, changes may have been missed.
  events.addEventListener("open", () => {
    if (page.state) refresh();
  });
}

// ---------------------------------------------------------------------------------------------
// Persona and navigation

/** @param {string} id */
function adoptPersona(id) {
  page.as = id;
  if (localStorage.getItem(STORAGE_KEY) !== id) localStorage.setItem(STORAGE_KEY, id);
  const url = new URL(location.href);
  if (url.searchParams.get("as") === id) return;
  url.searchParams.set("as", id);
  history.replaceState(null, "", url);
}

/**
 * Switches the persona: their view of the workspace, their modals, their Home.
 * @param {string} id
 */
async function switchPersona(id) {
  if (id === page.as) return;
  adoptPersona(id);
  page.thread = null;
  page.modalKey = "";
  await refresh();
  if (page.view?.kind === "home") openHome();
}

/** @param {string} channel */
function openChannel(channel) {
  page.view = { kind: "channel", id: channel };
  if (page.thread && page.thread.channel !== channel) page.thread = null;
  location.hash = channel;
  closeSidebar();
  draw();
  ui.composerText.focus({ preventScroll: true });
}

/** Opens the App Home tab: the bot hears `app_home_opened` and publishes the persona's view. */
function openHome() {
  page.view = { kind: "home" };
  page.thread = null;
  location.hash = "home";
  closeSidebar();
  draw();
  post("/api/home", { as: page.as });
}

/**
 * @param {string} channel
 * @param {string} ts
 */
function openThread(channel, ts) {
  page.thread = { channel, ts };
  draw();
  ui.threadText.focus({ preventScroll: true });
}

function closeSidebar() {
  ui.sidebar.classList.remove("open");
  ui.menuToggle.setAttribute("aria-expanded", "false");
}

// ---------------------------------------------------------------------------------------------
// Drawing

/** The context every renderer gets: names, channels, the workspace's zone. */
function renderContext() {
  const s = /** @type {Json} */ (page.state);
  /** @type {Record<string, { name: string }>} */
  const channels = {};
  for (const c of s.channels) channels[c.id] = { name: c.name };
  return { users: s.users, channels, timezone: s.timezone, botId: s.bot?.id, now: Date.now() };
}

function draw() {
  const s = page.state;
  if (!s) return;
  const visible = new Set(s.channels.map((/** @type {Json} */ c) => c.id));
  if (!page.view || (page.view.kind === "channel" && !visible.has(page.view.id))) page.view = defaultView(s);
  if (page.thread && !visible.has(page.thread.channel)) page.thread = null;
  drawPersonas(s);
  drawSidebar(s);
  drawMain(s);
  drawThread(s);
  drawModal(s);
  // Whose workspace the page shows (the browser tests wait on it).
  document.body.dataset.as = s.me;
}

/** @param {Json} s @returns {{ kind: "channel", id: string } | { kind: "home" }} */
function defaultView(s) {
  const hash = decodeURIComponent(location.hash.slice(1));
  if (hash === "home") return { kind: "home" };
  const wanted = s.channels.find((/** @type {Json} */ c) => c.id === hash);
  const first =
    wanted ??
    s.channels.find((/** @type {Json} */ c) => c.member && c.kind !== "im") ??
    s.channels.find((/** @type {Json} */ c) => c.kind !== "im") ??
    s.channels[0];
  return first ? { kind: "channel", id: first.id } : { kind: "home" };
}

/** @param {Json} s */
function drawPersonas(s) {
  const html = s.people
    .map(
      (/** @type {Json} */ p) =>
        `<option value="${esc(p.id)}"${p.id === s.me ? " selected" : ""}>${esc(p.name)}${p.title ? ` — ${esc(p.title)}` : ""}</option>`,
    )
    .join("");
  if (ui.persona.innerHTML !== html) ui.persona.innerHTML = html;
  ui.persona.value = s.me;
}

/**
 * Top-level messages of a channel (thread replies stay in their thread).
 * @param {Json} s
 * @param {string} channel
 * @returns {Json[]}
 */
function topLevel(s, channel) {
  return (s.messages[channel] ?? []).filter((/** @type {Json} */ m) => !m.thread_ts || m.thread_ts === m.ts);
}

/** @param {Json} s */
function drawSidebar(s) {
  ui.team.textContent = s.team?.name ?? "Workspace";
  let seen = page.seen.get(s.me);
  const firstLook = !seen;
  if (!seen) {
    seen = new Map();
    page.seen.set(s.me, seen);
  }
  const current = page.view?.kind === "channel" ? page.view.id : null;
  /** @param {Json} c */
  const item = (c) => {
    const count = topLevel(s, c.id).length;
    // Everything there when the persona first looks counts as read.
    if (firstLook || c.id === current || !seen.has(c.id))
      seen.set(c.id, firstLook || c.id === current ? count : 0);
    const unread = Math.max(0, count - (seen.get(c.id) ?? 0));
    const icon = c.kind === "im" ? "●" : c.kind === "private" ? "🔒" : "#";
    const label = c.kind === "im" ? `${c.name}` : c.name;
    return (
      `<li><button type="button" class="side-item${c.id === current ? " active" : ""}${unread ? " unread" : ""}${c.member ? "" : " outside"}" data-channel="${esc(c.id)}"` +
      `${c.member ? "" : ' title="You are not a member of this channel"'}` +
      `${c.id === current ? ' aria-current="page"' : ""}><span class="side-icon" aria-hidden="true">${icon}</span>` +
      `<span class="side-name">${esc(label)}</span>${unread ? `<span class="side-badge" aria-label="${unread} new">${unread}</span>` : ""}</button></li>`
    );
  };
  const channels = s.channels.filter((/** @type {Json} */ c) => c.kind !== "im");
  const dms = s.channels.filter((/** @type {Json} */ c) => c.kind === "im");
  const home = page.view?.kind === "home";
  ui.sidebarList.innerHTML =
    `<ul class="side-list"><li><button type="button" class="side-item${home ? " active" : ""}" data-home${home ? ' aria-current="page"' : ""}>` +
    `<span class="side-icon" aria-hidden="true">⌂</span><span class="side-name">Home</span></button></li></ul>` +
    `<h2 class="side-heading">Channels</h2><ul class="side-list">${channels.map(item).join("")}</ul>` +
    `<h2 class="side-heading">Direct messages</h2><ul class="side-list">${dms.map(item).join("") || '<li class="side-empty">None yet</li>'}</ul>`;
}

/** @param {Json} s */
function drawMain(s) {
  const ctx = renderContext();
  if (page.view?.kind === "home") {
    ui.title.textContent = `${s.bot?.name ?? "Switchboard"} · Home`;
    ui.topic.textContent = "Your App Home: your incidents and the team's.";
    ui.messages.hidden = true;
    ui.composer.hidden = true;
    ui.home.hidden = false;
    const html = s.home
      ? `<div data-source="${esc(JSON.stringify({ type: "home" }))}">${renderView(s.home, { ...ctx, idPrefix: "home" })}</div>`
      : '<p class="empty">Loading your Home…</p>';
    if (ui.home.innerHTML !== html) ui.home.innerHTML = html;
    document.title = "Home · Switchboard sandbox";
    return;
  }
  const channelId = /** @type {{ id: string }} */ (page.view).id;
  const channel = s.channels.find((/** @type {Json} */ c) => c.id === channelId);
  ui.home.hidden = true;
  ui.messages.hidden = false;
  ui.composer.hidden = false;
  const name =
    channel.kind === "im" ? channel.name : `${channel.kind === "private" ? "🔒 " : "#"}${channel.name}`;
  ui.title.textContent = name;
  ui.topic.innerHTML = channel.topic ? renderMrkdwn(channel.topic, ctx) : esc(channel.purpose ?? "");
  ui.composerText.placeholder =
    channel.kind === "im"
      ? `Message ${channel.name}`
      : `Message #${channel.name} — type /incident to log an incident`;
  document.title = `${name} · Switchboard sandbox`;

  const items = [
    ...topLevel(s, channelId).map((/** @type {Json} */ m) => ({
      at: Number(m.ts),
      html: messageHtml(s, m, channelId, ctx),
    })),
    ...s.ephemerals
      .filter((/** @type {Json} */ e) => e.channel === channelId && !page.dismissed.has(e.id))
      .map((/** @type {Json} */ e) => ({ at: seconds(e.at), html: ephemeralHtml(s, e, ctx) })),
  ].sort((a, b) => a.at - b.at);
  const html = items.length
    ? items.map((i) => i.html).join("")
    : `<p class="empty">This is the very beginning of ${esc(name)}.</p>`;
  redrawList(ui.messages, html, `channel:${channelId}`);
}

/** @param {Json} s */
function drawThread(s) {
  const t = page.thread;
  if (!t) {
    ui.thread.hidden = true;
    document.body.classList.remove("thread-open");
    return;
  }
  const ctx = renderContext();
  const all = s.messages[t.channel] ?? [];
  const parent = all.find((/** @type {Json} */ m) => m.ts === t.ts);
  if (!parent) {
    page.thread = null;
    ui.thread.hidden = true;
    return;
  }
  const replies = all.filter((/** @type {Json} */ m) => m.thread_ts === t.ts && m.ts !== t.ts);
  const channel = s.channels.find((/** @type {Json} */ c) => c.id === t.channel);
  ui.threadChannel.textContent = channel ? (channel.kind === "im" ? channel.name : `#${channel.name}`) : "";
  const html =
    messageHtml(s, parent, t.channel, ctx, { inThread: true }) +
    `<div class="thread-count">${replies.length} ${replies.length === 1 ? "reply" : "replies"}</div>` +
    replies.map((/** @type {Json} */ m) => messageHtml(s, m, t.channel, ctx, { inThread: true })).join("");
  ui.thread.hidden = false;
  document.body.classList.add("thread-open");
  redrawList(ui.threadMessages, html, `thread:${t.channel}:${t.ts}`);
}

/** The HTML each list was last drawn with, to skip redraws that change nothing. */
const drawn = new WeakMap();

/**
 * Replaces a scrolling list's content, keeping the reader at the bottom if they were there.
 * @param {HTMLElement} list
 * @param {string} html
 * @param {string} key what the list shows; a new one scrolls to the end
 */
function redrawList(list, html, key) {
  const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 80;
  const same = list.dataset.key === key;
  if (same && drawn.get(list) === html) return;
  list.innerHTML = html;
  drawn.set(list, html);
  list.dataset.key = key;
  if (!same || atBottom) list.scrollTop = list.scrollHeight;
}

/**
 * A message's time: unix seconds from a Slack ts, or from ms / ISO strings.
 * @param {unknown} at
 * @returns {number}
 */
function seconds(at) {
  const n = Number(at);
  if (Number.isFinite(n)) return n > 1e12 ? n / 1000 : n;
  const parsed = Date.parse(String(at));
  return Number.isFinite(parsed) ? parsed / 1000 : 0;
}

/** @param {string} id */
function initials(id) {
  const name = page.state?.users?.[id]?.name ?? id;
  const words = String(name).split(/\s+/).filter(Boolean);
  return (
    (words[0]?.[0] ?? "?") + (words.length > 1 ? (words[words.length - 1]?.[0] ?? "") : "")
  ).toUpperCase();
}

/** @param {string} id */
function avatar(id) {
  let hash = 0;
  for (const ch of id) hash = (hash * 31 + ch.charCodeAt(0)) % 360;
  const bot = id === page.state?.bot?.id;
  return `<div class="avatar${bot ? " avatar-bot" : ""}" style="--hue:${hash}" aria-hidden="true">${bot ? "☎" : esc(initials(id))}</div>`;
}

/**
 * The header line of a message: name, app badge, time.
 * @param {Json} s
 * @param {string} user
 * @param {number} at unix seconds
 * @param {Json} ctx
 */
function byline(s, user, at, ctx) {
  const name = s.users?.[user]?.name ?? user;
  const app = user === s.bot?.id ? '<span class="app-badge">APP</span>' : "";
  const time = formatSlackDate(at, "{time}", ctx);
  const full = formatSlackDate(at, "{date_long} {time_secs}", ctx);
  return (
    `<span class="msg-name">${esc(name)}</span>${app}` +
    `<time class="msg-time" datetime="${new Date(at * 1000).toISOString()}" title="${esc(full)}">${esc(time)}</time>`
  );
}

/**
 * The content of a message or ephemeral: its blocks, or its text as mrkdwn; attachments; files.
 * @param {Json} m
 * @param {Json} ctx
 * @param {string} idPrefix
 */
function content(m, ctx, idPrefix) {
  const blocks = Array.isArray(m.blocks) && m.blocks.length > 0;
  const body = blocks
    ? renderBlocks(m.blocks, { ...ctx, idPrefix })
    : `<div class="bk-mrkdwn">${renderMrkdwn(m.text ?? "", ctx)}</div>`;
  const files = (m.files ?? [])
    .map((/** @type {Json} */ f) => {
      const url = /^(https?:\/\/|\/)/.test(String(f.url ?? "")) ? String(f.url) : "";
      const title = esc(f.title || f.name || "file");
      if (!url) return `<div class="file">📄 ${title}</div>`;
      const image = /\.(png|jpe?g|gif|svg|webp)$/i.test(String(f.name ?? ""));
      return image
        ? `<figure class="file file-image"><img src="${esc(url)}" alt="${title}" loading="lazy"><figcaption>${title}</figcaption></figure>`
        : `<a class="file" href="${esc(url)}" target="_blank" rel="noopener noreferrer">📄 ${title}</a>`;
    })
    .join("");
  return body + renderAttachments(m.attachments, ctx) + files;
}

/**
 * One message, with its hover menu (reply in thread, Log as incident) and thread summary.
 * @param {Json} s
 * @param {Json} m
 * @param {string} channel
 * @param {Json} ctx
 * @param {{ inThread?: boolean }} [opts]
 */
function messageHtml(s, m, channel, ctx, opts = {}) {
  const source = esc(JSON.stringify({ type: "message", channel, ts: m.ts }));
  const prefix = `m${String(m.ts).replace(/\W/g, "")}${opts.inThread ? "t" : ""}`;
  const pinned = m.pinned ? '<span class="pin" title="Pinned to this channel">📌 Pinned</span>' : "";
  const edited = m.edited ? '<span class="edited">(edited)</span>' : "";
  const replies =
    !opts.inThread && m.reply_count > 0
      ? `<button type="button" class="thread-link" data-open-thread="${esc(m.ts)}" data-thread-channel="${esc(channel)}">` +
        `${m.reply_count} ${m.reply_count === 1 ? "reply" : "replies"}</button>`
      : "";
  const reply = opts.inThread
    ? ""
    : `<button type="button" class="msg-tool" data-open-thread="${esc(m.ts)}" data-thread-channel="${esc(channel)}" aria-label="Reply in thread" title="Reply in thread">💬</button>`;
  return (
    `<article class="msg${m.pinned ? " msg-pinned" : ""}" data-ts="${esc(m.ts)}" data-source="${source}">` +
    avatar(m.user ?? "") +
    `<div class="msg-body"><div class="msg-head">${byline(s, m.user ?? "", Number(m.ts), ctx)}${pinned}</div>` +
    `<div class="msg-content">${content(m, ctx, prefix)}${edited}</div>${replies}</div>` +
    `<div class="msg-tools">${reply}` +
    `<button type="button" class="msg-tool" data-message-menu aria-haspopup="menu" aria-expanded="false" aria-label="More actions" title="More actions">⋯</button>` +
    '<div class="msg-menu" role="menu" hidden>' +
    '<button type="button" role="menuitem" data-shortcut>Log as incident <span class="menu-app">Switchboard</span></button>' +
    "</div></div></article>"
  );
}

/**
 * An ephemeral: only the persona sees it, and may dismiss it.
 * @param {Json} s
 * @param {Json} e
 * @param {Json} ctx
 */
function ephemeralHtml(s, e, ctx) {
  const source = esc(JSON.stringify({ type: "ephemeral", id: e.id }));
  const at = seconds(e.at);
  return (
    `<article class="msg msg-ephemeral" data-ephemeral="${esc(e.id)}" data-source="${source}">` +
    avatar(s.bot?.id ?? "") +
    `<div class="msg-body"><div class="msg-head">${byline(s, s.bot?.id ?? "", at, ctx)}` +
    '<span class="only-you">👁 Only visible to you</span></div>' +
    `<div class="msg-content">${content(e, ctx, `e${String(e.id).replace(/\W/g, "")}`)}</div>` +
    `<button type="button" class="dismiss" data-dismiss="${esc(e.id)}">Dismiss message</button></div></article>`
  );
}

// ---------------------------------------------------------------------------------------------
// Modals

/** @param {Json} s */
function drawModal(s) {
  const modal = s.modal;
  const key = modal ? JSON.stringify([modal.view_id, modal.depth, modal.view, s.modalErrors ?? {}]) : "";
  if (key === page.modalKey) return;
  const previous = ui.modalRoot.querySelector("form.modal");
  const sameView = previous instanceof HTMLElement && modal && previous.dataset.viewId === modal.view_id;
  // An updated view keeps what the visitor typed, as Slack keeps input on views.update.
  const kept = sameView ? readValues(previous) : null;
  const focused = sameView ? focusKey() : null;
  const scroll = previous?.querySelector(".bk-modal-body")?.scrollTop ?? 0;
  page.modalKey = key;
  if (!modal) {
    ui.modalRoot.hidden = true;
    ui.modalRoot.innerHTML = "";
    document.body.classList.remove("modal-open");
    // Back to where the visitor was typing.
    if (previous && page.view?.kind === "channel") ui.composerText.focus({ preventScroll: true });
    return;
  }
  const ctx = {
    ...renderContext(),
    errors: s.modalErrors ?? {},
    idPrefix: `v${String(modal.view_id).replace(/\W/g, "")}`,
  };
  const source = esc(JSON.stringify({ type: "view", view_id: modal.view_id }));
  ui.modalRoot.innerHTML =
    `<form class="modal" role="dialog" aria-modal="true" novalidate data-view-id="${esc(modal.view_id)}" data-depth="${Number(modal.depth) || 1}" data-source="${source}">` +
    `${renderView(modal.view, ctx)}</form>`;
  ui.modalRoot.hidden = false;
  document.body.classList.add("modal-open");
  const form = /** @type {HTMLFormElement} */ (ui.modalRoot.querySelector("form.modal"));
  const labelled = form.querySelector(".bk-view-modal")?.getAttribute("aria-labelledby");
  if (labelled) form.setAttribute("aria-labelledby", labelled);
  if (kept) restoreValues(form, kept);
  const body = form.querySelector(".bk-modal-body");
  if (body) body.scrollTop = scroll;
  // New errors from the bot: take the visitor to the first field it named.
  const errorsKey = JSON.stringify(s.modalErrors ?? {});
  const freshErrors = errorsKey !== "{}" && errorsKey !== page.modalErrorsKey;
  page.modalErrorsKey = errorsKey;
  const invalid = form.querySelector('[aria-invalid="true"]');
  if (freshErrors && invalid instanceof HTMLElement) {
    invalid.scrollIntoView({ block: "center" });
    invalid.focus({ preventScroll: true });
    return;
  }
  const target =
    (focused &&
      form.querySelector(
        `[data-block-id="${CSS.escape(focused.block)}"][data-action-id="${CSS.escape(focused.action)}"]`,
      )) ||
    (sameView
      ? null
      : (form.querySelector('[aria-invalid="true"]') ??
        form.querySelector(".bk-modal-body .bk-field-input, .bk-modal-body .bk-select") ??
        form.querySelector(".bk-modal-foot button")));
  if (target instanceof HTMLElement) target.focus({ preventScroll: sameView === true });
}

/** Which element has focus, by block and action id. */
function focusKey() {
  const el = document.activeElement;
  if (!(el instanceof HTMLElement) || !el.dataset.actionId) return null;
  return { block: el.dataset.blockId ?? "", action: el.dataset.actionId };
}

/**
 * Submits the top modal with its `state.values`.
 * @param {HTMLFormElement} form
 */
async function submitModal(form) {
  const missing = [...form.querySelectorAll("[required]")].find((el) =>
    el instanceof HTMLInputElement || el instanceof HTMLSelectElement || el instanceof HTMLTextAreaElement
      ? !el.value.trim()
      : false,
  );
  if (missing instanceof HTMLElement) {
    // Slack checks required inputs itself before it sends anything.
    markMissing(form);
    missing.focus();
    return;
  }
  const button = form.querySelector("[data-view-submit]");
  if (button instanceof HTMLButtonElement) button.disabled = true;
  try {
    await post("/api/submit", { as: page.as, view_id: form.dataset.viewId, values: readValues(form) });
  } finally {
    if (button instanceof HTMLButtonElement && button.isConnected) button.disabled = false;
  }
}

/** @param {HTMLFormElement} form */
function markMissing(form) {
  for (const block of form.querySelectorAll(".bk-input")) {
    const control = block.querySelector("[required]");
    const empty =
      control instanceof HTMLInputElement ||
      control instanceof HTMLSelectElement ||
      control instanceof HTMLTextAreaElement
        ? !control.value.trim()
        : false;
    block.querySelector(".bk-error-local")?.remove();
    if (!empty || !control) continue;
    control.setAttribute("aria-invalid", "true");
    block.insertAdjacentHTML(
      "beforeend",
      '<div class="bk-error bk-error-local" role="alert">Please complete this required field.</div>',
    );
  }
}

/** @param {HTMLFormElement} form */
function closeModal(form) {
  post("/api/close", { as: page.as, view_id: form.dataset.viewId });
}

// ---------------------------------------------------------------------------------------------
// Slack's state.values and action objects, read from the drawn elements

/**
 * An option as Slack sends it back.
 * @param {HTMLOptionElement | HTMLInputElement} o
 */
function optionOf(o) {
  const text = o instanceof HTMLOptionElement ? (o.textContent ?? "") : (o.dataset.label ?? "");
  return { text: { type: "plain_text", text, emoji: true }, value: o.value };
}

/**
 * The value of one stateful element, in the shape Slack uses in `state.values` and actions.
 * @param {HTMLElement} el
 * @returns {Json}
 */
function stateOf(el) {
  const type = el.dataset.type ?? "";
  const selected =
    el instanceof HTMLSelectElement ? [...el.selectedOptions].filter((o) => o.value !== "") : [];
  const checked = [...el.querySelectorAll("input:checked")].map((i) => /** @type {HTMLInputElement} */ (i));
  const text = el instanceof HTMLInputElement || el instanceof HTMLTextAreaElement ? el.value : "";
  switch (type) {
    case "plain_text_input":
    case "email_text_input":
    case "url_text_input":
    case "number_input":
      return { type, value: text === "" ? null : text };
    case "static_select":
    case "external_select":
      return { type, selected_option: selected[0] ? optionOf(selected[0]) : null };
    case "multi_static_select":
    case "multi_external_select":
      return { type, selected_options: selected.map(optionOf) };
    case "users_select":
      return { type, selected_user: selected[0]?.value ?? null };
    case "multi_users_select":
      return { type, selected_users: selected.map((o) => o.value) };
    case "conversations_select":
      return { type, selected_conversation: selected[0]?.value ?? null };
    case "multi_conversations_select":
      return { type, selected_conversations: selected.map((o) => o.value) };
    case "channels_select":
      return { type, selected_channel: selected[0]?.value ?? null };
    case "multi_channels_select":
      return { type, selected_channels: selected.map((o) => o.value) };
    case "datepicker":
      return { type, selected_date: text || null };
    case "timepicker":
      return { type, selected_time: text || null };
    case "datetimepicker":
      return { type, selected_date_time: fromZonedInput(text, el.dataset.timezone) };
    case "checkboxes":
      return { type, selected_options: checked.map(optionOf) };
    case "radio_buttons":
      return { type, selected_option: checked[0] ? optionOf(checked[0]) : null };
    default:
      return { type };
  }
}

/**
 * `state.values` of a view: `{ [block_id]: { [action_id]: value } }`.
 * @param {Element} root
 * @returns {Record<string, Record<string, Json>>}
 */
function readValues(root) {
  /** @type {Record<string, Record<string, Json>>} */
  const values = {};
  for (const el of root.querySelectorAll("[data-bk-input]")) {
    if (!(el instanceof HTMLElement)) continue;
    const block = el.dataset.blockId ?? "";
    const action = el.dataset.actionId ?? "";
    values[block] = { ...(values[block] ?? {}), [action]: stateOf(el) };
  }
  return values;
}

/**
 * Puts back what was typed or chosen, into the elements with the same block and action ids.
 * @param {Element} root
 * @param {Record<string, Record<string, Json>>} values
 */
function restoreValues(root, values) {
  for (const el of root.querySelectorAll("[data-bk-input]")) {
    if (!(el instanceof HTMLElement)) continue;
    const v = values[el.dataset.blockId ?? ""]?.[el.dataset.actionId ?? ""];
    if (!v || v.type !== el.dataset.type) continue;
    if (el instanceof HTMLInputElement || el instanceof HTMLTextAreaElement) {
      if (v.value !== undefined) el.value = v.value ?? "";
      else if (v.selected_date !== undefined) el.value = v.selected_date ?? "";
      else if (v.selected_time !== undefined) el.value = v.selected_time ?? "";
      else if (v.selected_date_time !== undefined && v.selected_date_time !== null) {
        const fresh = el.value;
        // Redraw the picker at the chosen instant, in the workspace's zone.
        el.value =
          fresh && fromZonedInput(fresh, el.dataset.timezone) === v.selected_date_time
            ? fresh
            : toLocal(v.selected_date_time, el);
      }
    } else if (el instanceof HTMLSelectElement) {
      const chosen = new Set(
        [
          v.selected_option?.value,
          ...(v.selected_options ?? []).map((/** @type {Json} */ o) => o.value),
          v.selected_user,
          ...(v.selected_users ?? []),
          v.selected_conversation,
          v.selected_channel,
        ].filter((x) => x != null),
      );
      for (const o of el.options)
        o.selected = chosen.has(o.value) || (chosen.size === 0 && o.value === "" && !el.multiple);
    } else {
      const chosen = new Set([
        v.selected_option?.value,
        ...(v.selected_options ?? []).map((/** @type {Json} */ o) => o.value),
      ]);
      /** @type {HTMLInputElement} */ for (const i of el.querySelectorAll("input"))
        i.checked = chosen.has(/** @type {HTMLInputElement} */ (i).value);
    }
  }
}

/**
 * @param {number} unix
 * @param {HTMLElement} el
 */
function toLocal(unix, el) {
  const ctx = { timezone: el.dataset.timezone ?? "UTC" };
  return `${formatSlackDate(unix, "{date_num}", ctx)}T${formatSlackDate(unix, "{time}", ctx)}`;
}

/**
 * The action object Slack sends for an element the visitor used.
 * @param {HTMLElement} el
 * @returns {Json}
 */
function actionOf(el) {
  const base = {
    type: el.dataset.type ?? "button",
    action_id: el.dataset.actionId ?? "",
    block_id: el.dataset.blockId ?? "",
    action_ts: (Date.now() / 1000).toFixed(6),
  };
  if (base.type === "button") {
    return {
      ...base,
      text: { type: "plain_text", text: el.textContent ?? "", emoji: true },
      ...(el.dataset.value !== undefined ? { value: el.dataset.value } : {}),
    };
  }
  if (base.type === "overflow" && el instanceof HTMLSelectElement) {
    const o = el.selectedOptions[0];
    return { ...base, selected_option: o ? optionOf(o) : null };
  }
  const { type: _type, ...value } = stateOf(el);
  // In an action, an empty text input sends its value as "" (state.values uses null).
  return { ...base, ...value };
}

/**
 * Sends a block action from an element, after its confirm dialog if it has one.
 * @param {HTMLElement} el
 */
async function act(el) {
  if (el.dataset.confirm && !(await confirmDialog(JSON.parse(el.dataset.confirm)))) {
    if (el instanceof HTMLSelectElement && el.dataset.type === "overflow") el.value = "";
    return;
  }
  const holder = el.closest("[data-source]");
  if (!(holder instanceof HTMLElement)) return;
  const source = JSON.parse(holder.dataset.source ?? "{}");
  const action = actionOf(el);
  const url =
    el.dataset.url ?? (el instanceof HTMLSelectElement ? el.selectedOptions[0]?.dataset.url : undefined);
  if (url) followLink(url);
  if (el instanceof HTMLSelectElement && el.dataset.type === "overflow") el.value = "";
  /** @type {Json} */
  const body = { as: page.as, source, action };
  if (source.type === "view") body.state = readValues(holder);
  if (el instanceof HTMLButtonElement) el.disabled = true;
  try {
    await post("/api/action", body);
  } finally {
    if (el instanceof HTMLButtonElement && el.isConnected) el.disabled = false;
  }
}

/**
 * A link from a button: Slack's app_redirect to a channel opens it here; others open a tab.
 * @param {string} url
 */
function followLink(url) {
  try {
    const u = new URL(url);
    const channel = u.searchParams.get("channel");
    if (u.hostname === "slack.com" && u.pathname === "/app_redirect" && channel) {
      if (page.state?.channels.some((/** @type {Json} */ c) => c.id === channel)) openChannel(channel);
      else toast("You are not a member of that channel.");
      return;
    }
    if (u.protocol === "http:" || u.protocol === "https:") window.open(url, "_blank", "noopener,noreferrer");
  } catch {
    toast("That link is not valid.");
  }
}

/**
 * Slack's confirm dialog. Resolves true when the visitor confirms.
 * @param {Json} c
 * @returns {Promise<boolean>}
 */
function confirmDialog(c) {
  const ctx = page.state ? renderContext() : {};
  $("confirm-title").innerHTML = renderText(c.title ?? { type: "plain_text", text: "Are you sure?" });
  $("confirm-text").innerHTML = renderText(c.text, ctx);
  $("confirm-ok").innerHTML = renderText(c.confirm ?? { type: "plain_text", text: "Yes" });
  $("confirm-deny").innerHTML = renderText(c.deny ?? { type: "plain_text", text: "Cancel" });
  $("confirm-ok").className = `bk-btn ${c.style === "danger" ? "bk-btn-danger" : "bk-btn-primary"}`;
  ui.confirm.returnValue = "";
  ui.confirm.showModal();
  $("confirm-ok").focus();
  return new Promise((resolve) => {
    ui.confirm.addEventListener("close", () => resolve(ui.confirm.returnValue === "confirm"), { once: true });
  });
}

// ---------------------------------------------------------------------------------------------
// Sending messages

/**
 * @param {HTMLTextAreaElement} box
 * @param {string | undefined} threadTs
 * @param {string} channel
 */
async function send(box, channel, threadTs) {
  const text = box.value.trim();
  if (!text) return;
  box.disabled = true;
  const answer = await post("/api/message", {
    as: page.as,
    channel,
    text,
    ...(threadTs ? { thread_ts: threadTs } : {}),
  });
  box.disabled = false;
  if (answer) box.value = "";
  box.focus();
}

/** @type {ReturnType<typeof setTimeout> | undefined} */
let toastTimer;
/** @param {string} text */
function toast(text) {
  ui.toast.textContent = text;
  ui.toast.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => {
    ui.toast.hidden = true;
  }, 6000);
}

// ---------------------------------------------------------------------------------------------
// Wiring

/** @type {ReturnType<typeof setTimeout> | undefined} */
let searchTimer;

function wire() {
  ui.persona.addEventListener("change", () => switchPersona(ui.persona.value));
  ui.menuToggle.addEventListener("click", () => {
    const open = ui.sidebar.classList.toggle("open");
    ui.menuToggle.setAttribute("aria-expanded", String(open));
  });
  $("thread-close").addEventListener("click", () => {
    page.thread = null;
    draw();
  });
  ui.composer.addEventListener("submit", (e) => {
    e.preventDefault();
    if (page.view?.kind === "channel") send(ui.composerText, page.view.id);
  });
  ui.threadComposer.addEventListener("submit", (e) => {
    e.preventDefault();
    if (page.thread) send(ui.threadText, page.thread.channel, page.thread.ts);
  });
  for (const [box, form] of [
    [ui.composerText, ui.composer],
    [ui.threadText, ui.threadComposer],
  ]) {
    box.addEventListener("keydown", (e) => {
      const key = /** @type {KeyboardEvent} */ (e);
      if (key.key === "Enter" && !key.shiftKey && !key.isComposing) {
        e.preventDefault();
        /** @type {HTMLFormElement} */ (form).requestSubmit();
      }
    });
  }

  document.addEventListener("click", (e) => {
    const target = /** @type {HTMLElement} */ (e.target);
    const menuButton = target.closest("[data-message-menu]");
    for (const open of document.querySelectorAll(".msg-menu:not([hidden])")) {
      if (open.parentElement?.contains(menuButton)) continue;
      /** @type {HTMLElement} */ (open).hidden = true;
      open.parentElement?.querySelector("[data-message-menu]")?.setAttribute("aria-expanded", "false");
    }
    const hit = /** @type {HTMLElement | null} */ (
      target.closest(
        "[data-channel], [data-home], [data-open-thread], [data-message-menu], [data-shortcut], [data-dismiss], button[data-bk-action], [data-view-close], [data-view-submit]",
      )
    );
    if (!hit) return;
    if (hit.matches("[data-view-submit]")) {
      e.preventDefault();
      submitModal(/** @type {HTMLFormElement} */ (hit.closest("form")));
    } else if (hit.matches("[data-view-close]")) {
      closeModal(/** @type {HTMLFormElement} */ (hit.closest("form")));
    } else if (hit.matches("button[data-bk-action]")) {
      act(hit);
    } else if (hit.dataset.channel) {
      e.preventDefault();
      if (page.state?.channels.some((/** @type {Json} */ c) => c.id === hit.dataset.channel))
        openChannel(hit.dataset.channel);
      else toast("That channel is private, or you are not in it.");
    } else if (hit.matches("[data-home]")) {
      openHome();
    } else if (hit.dataset.openThread) {
      openThread(hit.dataset.threadChannel ?? "", hit.dataset.openThread);
    } else if (hit.matches("[data-message-menu]")) {
      const menu = /** @type {HTMLElement | null} */ (hit.parentElement?.querySelector(".msg-menu") ?? null);
      if (menu) {
        menu.hidden = !menu.hidden;
        hit.setAttribute("aria-expanded", String(!menu.hidden));
        if (!menu.hidden) /** @type {HTMLElement | null} */ (menu.querySelector("button"))?.focus();
      }
    } else if (hit.matches("[data-shortcut]")) {
      const source = JSON.parse(
        /** @type {HTMLElement} */ (hit.closest("[data-source]")).dataset.source ?? "{}",
      );
      /** @type {HTMLElement} */ (hit.closest(".msg-menu")).hidden = true;
      post("/api/shortcut", { as: page.as, channel: source.channel, ts: source.ts });
    } else if (hit.dataset.dismiss) {
      page.dismissed.add(hit.dataset.dismiss);
      draw();
    }
  });

  document.addEventListener("change", (e) => {
    const target = /** @type {HTMLElement} */ (e.target);
    const el = /** @type {HTMLElement | null} */ (target.closest("[data-bk-input], select[data-bk-action]"));
    if (!el) return;
    el.removeAttribute("aria-invalid");
    el.closest(".bk-input")?.querySelector(".bk-error-local")?.remove();
    if (el.matches("select[data-bk-action]")) {
      if (/** @type {HTMLSelectElement} */ (el).value) act(el);
    } else if (el.dataset.dispatch === "1" && !isTextInput(el)) {
      act(el);
    }
  });

  document.addEventListener("keydown", (e) => {
    const target = /** @type {HTMLElement} */ (e.target);
    // Text inputs that dispatch send on Enter, as Slack's default trigger does.
    if (
      e.key === "Enter" &&
      target instanceof HTMLInputElement &&
      target.dataset.dispatch === "1" &&
      isTextInput(target)
    ) {
      e.preventDefault();
      act(target);
      return;
    }
    if (e.key === "Enter" && target instanceof HTMLInputElement && target.closest("form.modal")) {
      e.preventDefault(); // Slack does not submit a modal on Enter
      return;
    }
    if (e.key === "Escape") {
      if (ui.confirm.open) return; // the dialog closes itself
      const menu = document.querySelector(".msg-menu:not([hidden])");
      if (menu instanceof HTMLElement) {
        menu.hidden = true;
        /** @type {HTMLElement | null} */ (
          menu.parentElement?.querySelector("[data-message-menu]") ?? null
        )?.focus();
        return;
      }
      const form = ui.modalRoot.querySelector("form.modal");
      if (form instanceof HTMLFormElement && !ui.modalRoot.hidden) {
        e.preventDefault();
        closeModal(form);
      }
    }
    if (e.key === "Tab" && !ui.modalRoot.hidden) trapFocus(/** @type {KeyboardEvent} */ (e));
  });

  document.addEventListener("input", (e) => {
    const target = e.target;
    if (!(target instanceof HTMLInputElement) || !target.dataset.externalFor) return;
    clearTimeout(searchTimer);
    searchTimer = setTimeout(() => searchOptions(target), 250);
  });

  window.addEventListener("hashchange", () => {
    const hash = decodeURIComponent(location.hash.slice(1));
    if (hash === "home" && page.view?.kind !== "home") openHome();
    else if (
      hash &&
      page.view?.kind === "channel" &&
      page.view.id !== hash &&
      page.state?.channels.some((/** @type {Json} */ c) => c.id === hash)
    )
      openChannel(hash);
  });
}

/** @param {HTMLElement} el */
function isTextInput(el) {
  return (
    el instanceof HTMLTextAreaElement ||
    (el instanceof HTMLInputElement && ["text", "email", "url", "number"].includes(el.type))
  );
}

/**
 * Keeps Tab inside the open modal.
 * @param {KeyboardEvent} e
 */
function trapFocus(e) {
  const focusable = [...ui.modalRoot.querySelectorAll("button, input, select, textarea, a[href]")].filter(
    (el) => el instanceof HTMLElement && !el.hasAttribute("disabled") && el.offsetParent !== null,
  );
  const first = /** @type {HTMLElement | undefined} */ (focusable[0]);
  const last = /** @type {HTMLElement | undefined} */ (focusable[focusable.length - 1]);
  if (!first || !last) return;
  if (!ui.modalRoot.contains(document.activeElement)) {
    e.preventDefault();
    first.focus();
  } else if (e.shiftKey && document.activeElement === first) {
    e.preventDefault();
    last.focus();
  } else if (!e.shiftKey && document.activeElement === last) {
    e.preventDefault();
    first.focus();
  }
}

/**
 * Asks the bot for an external select's options (`block_suggestion`) and lists them.
 * @param {HTMLInputElement} search
 */
async function searchOptions(search) {
  const select = document.getElementById(search.dataset.externalFor ?? "");
  if (!(select instanceof HTMLSelectElement)) return;
  if (search.value.length < Number(search.dataset.minQuery ?? 3)) return;
  const form = select.closest("form.modal");
  const viewId = form instanceof HTMLElement ? form.dataset.viewId : undefined;
  if (!viewId) return;
  const answer = await post("/api/options", {
    as: page.as,
    view_id: viewId,
    block_id: select.dataset.blockId,
    action_id: select.dataset.actionId,
    value: search.value,
  });
  if (!answer) return;
  const kept = [...select.selectedOptions]
    .filter((o) => o.value)
    .map((o) => o.outerHTML)
    .join("");
  const placeholder = select.multiple ? "" : '<option value="">Select an item</option>';
  select.innerHTML = placeholder + (kept || "") + renderOptions(answer);
}

/** Starts the page: the persona from `?as=`, else the last one used, else the server's first. */
function start() {
  const fromUrl = new URL(location.href).searchParams.get("as");
  page.as = fromUrl || localStorage.getItem(STORAGE_KEY);
  wire();
  listen();
  refresh().then(() => {
    if (page.view?.kind === "home") post("/api/home", { as: page.as });
  });
}

start();
