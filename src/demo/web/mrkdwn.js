/**
 * Slack mrkdwn → HTML, for the sandbox page.
 *
 * Everything here renders text that callers, agents and the bot typed, so every character of it
 * is HTML-escaped before any markup is added; the only tags in the output are the renderer's
 * own. Slack's own escaping is honoured: in mrkdwn a literal `<`, `>` or `&` arrives as `&lt;`,
 * `&gt;`, `&amp;`, and only a raw `<…>` is a control sequence (mention, link, date).
 *
 * Pure: no DOM, no globals; `ctx.now` stands in for the clock (relative dates).
 */

/**
 * @typedef {object} MrkdwnContext
 * @property {Record<string, { name: string }>} [users] user id → display name, for `<@U…>`
 * @property {Record<string, { name: string }>} [channels] channel id → name, for `<#C…>`
 * @property {string} [timezone] IANA zone dates are shown in (the viewer's); default UTC
 * @property {number | Date} [now] the current time, for `{date_pretty}` and `{ago}`; default now
 * @property {boolean} [hour12] 12-hour clock for `{time}`; default false (24-hour)
 */

const HTML_ESCAPES = /** @type {Record<string, string>} */ ({
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
});

/**
 * Escapes text for HTML element content and double- or single-quoted attributes.
 * @param {unknown} text
 * @returns {string}
 */
export function escapeHtml(text) {
  return String(text ?? "").replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] ?? c);
}

/**
 * Undoes Slack's three mrkdwn entities (one pass, so `&amp;lt;` stays the text `&lt;`).
 * @param {string} text
 * @returns {string}
 */
export function decodeSlack(text) {
  return text.replace(/&(amp|lt|gt);/g, (_, name) => (name === "amp" ? "&" : name === "lt" ? "<" : ">"));
}

/**
 * The emoji shortcodes the bot uses (and a few people type), as Unicode. Others stay as text.
 * @type {Record<string, string>}
 */
export const EMOJI = {
  alarm_clock: "⏰",
  arrow_forward: "▶️",
  arrow_right: "➡️",
  arrow_up_down: "↕️",
  arrows_counterclockwise: "🔄",
  bell: "🔔",
  bust_in_silhouette: "👤",
  busts_in_silhouette: "👥",
  calendar: "📆",
  dart: "🎯",
  clipboard: "📋",
  double_vertical_bar: "⏸️",
  email: "📧",
  envelope: "✉️",
  eyes: "👀",
  fire: "🔥",
  hammer_and_wrench: "🛠️",
  heavy_check_mark: "✔️",
  hourglass_flowing_sand: "⏳",
  information_source: "ℹ️",
  iphone: "📱",
  label: "🏷️",
  large_blue_circle: "🔵",
  large_orange_circle: "🟠",
  large_yellow_circle: "🟡",
  leftwards_arrow_with_hook: "↩️",
  link: "🔗",
  lock: "🔒",
  mega: "📣",
  memo: "📝",
  pray: "🙏",
  pushpin: "📌",
  radio: "📻",
  raised_hand: "✋",
  red_circle: "🔴",
  rotating_light: "🚨",
  satellite_antenna: "📡",
  slightly_smiling_face: "🙂",
  smile: "😄",
  sos: "🆘",
  speech_balloon: "💬",
  stopwatch: "⏱️",
  tada: "🎉",
  telephone_receiver: "📞",
  thumbsup: "👍",
  "+1": "👍",
  warning: "⚠️",
  wave: "👋",
  white_check_mark: "✅",
  white_circle: "⚪",
  x: "❌",
};

/**
 * Replaces known `:shortcode:` emoji; unknown ones (and times like `10:05:30`) stay as they are.
 * @param {string} text
 * @returns {string}
 */
export function emojify(text) {
  let out = "";
  let i = 0;
  while (i < text.length) {
    const open = text.indexOf(":", i);
    if (open < 0) break;
    const match = /^:([a-z0-9_+-]+):/.exec(text.slice(open));
    const glyph = match ? EMOJI[/** @type {string} */ (match[1])] : undefined;
    if (match && glyph) {
      out += text.slice(i, open) + glyph;
      i = open + match[0].length;
    } else {
      // Keep the colon and look again from the next character: `a:b:tada:` still finds :tada:.
      out += text.slice(i, open + 1);
      i = open + 1;
    }
  }
  return out + text.slice(i);
}

// Private-use characters mark where a piece of finished HTML goes back in; user text that
// contains them has them replaced first, so nobody can forge a marker.
const OPEN = "\uE000";
const CLOSE = "\uE001";
const MARKER = /\uE000(\d+)\uE001/g;

// *bold*, _italic_, ~strike~: the opening mark follows the start, a space or punctuation and is
// followed by a non-space; the closing mark follows a non-space and precedes the end, a space or
// punctuation (as Slack does, so snake_case_names and 2*3*4 stay as they are).
const before = "(^|[\\s\\p{P}\\p{S}\\uE001])";
const after = "(?=$|[\\s\\p{P}\\p{S}\\uE000])";
/** @param {string} mark */
const styleRule = (mark) => {
  const m = mark === "*" ? "\\*" : mark;
  return new RegExp(`${before}${m}(?!\\s)([^${m}\\n]*?[^\\s${m}])${m}${after}`, "gu");
};
const STYLES = /** @type {const} */ ([
  [styleRule("*"), "strong"],
  [styleRule("_"), "em"],
  [styleRule("~"), "del"],
]);

/**
 * Renders Slack mrkdwn as HTML.
 * @param {unknown} text mrkdwn as Slack stores it (`&lt;` for a literal `<`)
 * @param {MrkdwnContext} [ctx]
 * @returns {string}
 */
export function renderMrkdwn(text, ctx = {}) {
  // Each held piece keeps the text it replaced: a later rule that takes in a marker (a `<…>`
  // around a `code` span, a `code` span around a ```block```) reads the original text instead,
  // so no finished HTML ends up inside other HTML or an attribute.
  /** @type {{ html: string, source: string }[]} */
  const held = [];
  /** @param {string} text */
  const source = (text) => text.replace(MARKER, (_, i) => held[Number(i)]?.source ?? "");
  /** @param {string} html @param {string} from */
  const hold = (html, from) => `${OPEN}${held.push({ html, source: from }) - 1}${CLOSE}`;

  let s = String(text ?? "").replace(/[\uE000\uE001]/g, "\uFFFD");
  // ```preformatted``` (may span lines; the line breaks around it belong to it).
  s = s.replace(/\n?```([\s\S]*?)```\n?/g, (whole, body) =>
    hold(`<pre class="mk-pre">${escapeHtml(decodeSlack(body.replace(/^\n/, "")))}</pre>`, whole),
  );
  // `code`
  s = s.replace(/`([^`\n]+)`/g, (whole, body) =>
    hold(`<code class="mk-code">${escapeHtml(decodeSlack(source(body)))}</code>`, source(whole)),
  );
  // <control sequences>: mentions, links, dates. Anything not understood is shown as typed.
  s = s.replace(/<([^<>\n]*)>/g, (whole, inner) => {
    const typed = source(whole);
    return hold(control(source(inner), ctx) ?? escapeHtml(decodeSlack(typed)), typed);
  });
  // Everything left is text: escape it, then style it.
  s = escapeHtml(decodeSlack(s));

  const lines = s.split("\n");
  /** @type {string[]} */
  const out = [];
  /** @type {string[] | null} */
  let quote = null;
  for (let n = 0; n < lines.length; n++) {
    const line = /** @type {string} */ (lines[n]);
    if (line.startsWith("&gt;&gt;&gt;")) {
      // >>> quotes everything after it.
      const rest = [line.slice(12).replace(/^ /, ""), ...lines.slice(n + 1)];
      flush();
      out.push(`<blockquote class="mk-quote">${rest.map(inline).join("<br>")}</blockquote>`);
      quote = null;
      break;
    }
    if (line.startsWith("&gt;")) {
      quote = [...(quote ?? []), inline(line.slice(4).replace(/^ /, ""))];
      continue;
    }
    flush();
    out.push(inline(line));
  }
  flush();
  // Pre and quote are blocks: no extra break next to them.
  return out
    .join("<br>")
    .replace(MARKER, (_, i) => held[Number(i)]?.html ?? "")
    .replace(/<br>(<pre |<blockquote )/g, "$1")
    .replace(/(<\/pre>|<\/blockquote>)<br>/g, "$1");

  function flush() {
    if (quote) out.push(`<blockquote class="mk-quote">${quote.join("<br>")}</blockquote>`);
    quote = null;
  }
}

/**
 * Bold, italic, strike and emoji on one escaped line.
 * @param {string} line
 * @returns {string}
 */
function inline(line) {
  let s = line;
  for (const [rule, tag] of STYLES) s = s.replace(rule, (_, lead, body) => `${lead}<${tag}>${body}</${tag}>`);
  return emojify(s);
}

/**
 * One `<…>` control sequence as HTML, or null when it is not one Slack would render.
 * @param {string} inner what is between `<` and `>`
 * @param {MrkdwnContext} ctx
 * @returns {string | null}
 */
function control(inner, ctx) {
  const bar = inner.indexOf("|");
  const target = bar < 0 ? inner : inner.slice(0, bar);
  const label = bar < 0 ? "" : decodeSlack(inner.slice(bar + 1));
  if (target.startsWith("@")) {
    const id = target.slice(1);
    if (!/^[UW][A-Z0-9]+$/.test(id)) return null;
    const name = label || ctx.users?.[id]?.name || id;
    return `<span class="mk-mention" data-user="${escapeHtml(id)}">@${escapeHtml(name)}</span>`;
  }
  if (target.startsWith("#")) {
    const id = target.slice(1);
    if (!/^[CGD][A-Z0-9]+$/.test(id)) return null;
    const name = label || ctx.channels?.[id]?.name || id;
    return `<a class="mk-channel" href="#${escapeHtml(id)}" data-channel="${escapeHtml(id)}">#${escapeHtml(name)}</a>`;
  }
  if (target.startsWith("!")) return special(target.slice(1), label, ctx);
  const url = decodeSlack(target);
  if (!/^(https?:\/\/|mailto:)/i.test(url)) return null;
  return (
    `<a class="mk-link" href="${escapeHtml(url)}" target="_blank" rel="noopener noreferrer">` +
    `${emojify(escapeHtml(label || url))}</a>`
  );
}

/**
 * `<!here>`, `<!channel>`, `<!everyone>`, `<!subteam^S…|@team>` and `<!date^…|fallback>`.
 * @param {string} command
 * @param {string} label
 * @param {MrkdwnContext} ctx
 * @returns {string | null}
 */
function special(command, label, ctx) {
  if (command === "here" || command === "channel" || command === "everyone")
    return `<span class="mk-mention mk-broadcast">@${command}</span>`;
  if (command.startsWith("subteam^"))
    return `<span class="mk-mention">${escapeHtml(label || `@${command.slice(8)}`)}</span>`;
  if (command.startsWith("date^")) {
    const [, unix, format = "", link] = command.split("^");
    const seconds = Number(unix);
    if (!unix || !Number.isFinite(seconds))
      return label ? `<span class="mk-date">${escapeHtml(label)}</span>` : null;
    const shown = escapeHtml(formatSlackDate(seconds, decodeSlack(format), ctx));
    const title = escapeHtml(label || new Date(seconds * 1000).toISOString());
    const url = link ? decodeSlack(link) : "";
    return /^https?:\/\//i.test(url)
      ? `<a class="mk-date" href="${escapeHtml(url)}" title="${title}" target="_blank" rel="noopener noreferrer">${shown}</a>`
      : `<time class="mk-date" datetime="${new Date(seconds * 1000).toISOString()}" title="${title}">${shown}</time>`;
  }
  return label ? escapeHtml(label) : null;
}

const MONTHS = [
  "January",
  "February",
  "March",
  "April",
  "May",
  "June",
  "July",
  "August",
  "September",
  "October",
  "November",
  "December",
];
const WEEKDAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];

/** @type {Map<string, Intl.DateTimeFormat>} */
const partFormats = new Map();

/**
 * The wall-clock fields of an instant in a time zone.
 * @param {number} ms
 * @param {string} timeZone
 * @returns {{ year: number, month: number, day: number, hour: number, minute: number, second: number, weekday: number }}
 */
export function zonedParts(ms, timeZone) {
  let format = partFormats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat("en-US", {
      timeZone,
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
      hourCycle: "h23",
    });
    partFormats.set(timeZone, format);
  }
  /** @type {Record<string, number>} */
  const p = {};
  for (const part of format.formatToParts(new Date(ms)))
    if (part.type !== "literal") p[part.type] = Number(part.value);
  const year = p.year ?? 1970;
  const month = p.month ?? 1;
  const day = p.day ?? 1;
  const weekday = new Date(Date.UTC(year, month - 1, day)).getUTCDay();
  return {
    year,
    month,
    day,
    hour: (p.hour ?? 0) % 24,
    minute: p.minute ?? 0,
    second: p.second ?? 0,
    weekday,
  };
}

/** @param {number} n */
const ordinal = (n) => {
  const tens = n % 100;
  if (tens >= 11 && tens <= 13) return `${n}th`;
  return `${n}${["th", "st", "nd", "rd"][n % 10] ?? "th"}`;
};
/** @param {number} n */
const pad = (n) => String(n).padStart(2, "0");

/**
 * Formats a Slack date token string (`{date_short_pretty} {time}`) as Slack does, in `ctx.timezone`.
 * Supported tokens: {date_num} {date_slash} {date} {date_short} {date_long} {date_pretty}
 * {date_short_pretty} {date_long_pretty} {time} {time_secs} {ago}; others are left as written.
 * @param {number} unixSeconds
 * @param {string} format
 * @param {MrkdwnContext} [ctx]
 * @returns {string}
 */
export function formatSlackDate(unixSeconds, format, ctx = {}) {
  const zone = ctx.timezone || "UTC";
  const ms = unixSeconds * 1000;
  const nowMs = ctx.now === undefined ? Date.now() : Number(ctx.now);
  const d = zonedParts(ms, zone);
  const today = zonedParts(nowMs, zone);
  const dayDiff =
    (Date.UTC(d.year, d.month - 1, d.day) - Date.UTC(today.year, today.month - 1, today.day)) / 86_400_000;
  const month = /** @type {string} */ (MONTHS[d.month - 1]);
  const date = `${month} ${ordinal(d.day)}, ${d.year}`;
  const short = `${month.slice(0, 3)} ${d.day}, ${d.year}`;
  const long = `${WEEKDAYS[d.weekday]}, ${date}`;
  /** @param {string} otherwise */
  const pretty = (otherwise) =>
    dayDiff === 0 ? "today" : dayDiff === -1 ? "yesterday" : dayDiff === 1 ? "tomorrow" : otherwise;
  /** @param {boolean} secs */
  const time = (secs) => {
    const tail = secs ? `:${pad(d.second)}` : "";
    if (!ctx.hour12) return `${pad(d.hour)}:${pad(d.minute)}${tail}`;
    const h = d.hour % 12 || 12;
    return `${h}:${pad(d.minute)}${tail} ${d.hour < 12 ? "AM" : "PM"}`;
  };
  /** @type {Record<string, () => string>} */
  const tokens = {
    date_num: () => `${d.year}-${pad(d.month)}-${pad(d.day)}`,
    date_slash: () => `${pad(d.day)}/${pad(d.month)}/${d.year}`,
    date: () => date,
    date_short: () => short,
    date_long: () => long,
    date_pretty: () => pretty(date),
    date_short_pretty: () => pretty(short),
    date_long_pretty: () => pretty(long),
    time: () => time(false),
    time_secs: () => time(true),
    ago: () => ago(nowMs - ms),
  };
  return format.replace(/\{([a-z_]+)\}/g, (whole, name) => tokens[name]?.() ?? whole);
}

/**
 * "5 minutes ago", "in 2 hours", "just now".
 * @param {number} ms how long ago (negative: in the future)
 * @returns {string}
 */
function ago(ms) {
  const abs = Math.abs(ms);
  if (abs < 60_000) return "just now";
  const units = /** @type {const} */ ([
    ["day", 86_400_000],
    ["hour", 3_600_000],
    ["minute", 60_000],
  ]);
  for (const [unit, size] of units) {
    if (abs >= size) {
      const n = Math.floor(abs / size);
      const span = `${n} ${unit}${n === 1 ? "" : "s"}`;
      return ms >= 0 ? `${span} ago` : `in ${span}`;
    }
  }
  return "just now";
}

/**
 * Slack `plain_text`: escaped only; `emoji: true` (Slack's default) also turns shortcodes into emoji.
 * @param {{ text?: unknown, emoji?: boolean } | string | null | undefined} obj
 * @returns {string}
 */
export function renderPlain(obj) {
  if (obj == null) return "";
  if (typeof obj === "string") return emojify(escapeHtml(obj));
  const escaped = escapeHtml(obj.text ?? "");
  return obj.emoji === false ? escaped : emojify(escaped);
}

/**
 * A text object of either kind (`mrkdwn` or `plain_text`).
 * @param {{ type?: string, text?: unknown, emoji?: boolean, verbatim?: boolean } | null | undefined} obj
 * @param {MrkdwnContext} [ctx]
 * @returns {string}
 */
export function renderText(obj, ctx = {}) {
  if (!obj) return "";
  return obj.type === "mrkdwn" ? renderMrkdwn(obj.text, ctx) : renderPlain(obj);
}
