/**
 * Block Kit → HTML, for the sandbox page: messages, modals and the App Home.
 *
 * Pure: takes blocks as the bot sent them and returns HTML strings. Interactive elements carry
 * data attributes that app.js reads to build Slack's action objects and `view.state.values`:
 *
 * - `data-bk-action`: a button (or an overflow/select that acts at once); `data-bk-input`: an
 *   element with state (inputs, selects, pickers, checkboxes, radios);
 * - `data-type`, `data-action-id`, `data-block-id`, `data-value` (buttons), `data-url`,
 *   `data-confirm` (Slack's confirm object as JSON), `data-dispatch` ("1": changes are sent as
 *   block_actions at once; inputs without it only count on submit).
 *
 * A block or element the page does not know is shown as a visible "[unsupported …]" box.
 */
import { escapeHtml as esc, renderMrkdwn, renderPlain, renderText, zonedParts } from "./mrkdwn.js";

/**
 * @typedef {import("./mrkdwn.js").MrkdwnContext & {
 *   errors?: Record<string, string>,
 *   botId?: string,
 *   idPrefix?: string,
 * }} BlockContext
 * `errors`: block_id → message (a modal's `response_action: "errors"`); `botId`: left out of
 * user pickers; `idPrefix`: makes element ids unique on the page.
 */

/** @typedef {Record<string, any>} Json */

/** A counter per render call, for label/field ids. */
class Ids {
  /** @param {string} prefix */
  constructor(prefix) {
    this.prefix = prefix;
    this.n = 0;
  }
  next() {
    this.n += 1;
    return `${this.prefix}-${this.n}`;
  }
}

/**
 * Renders a list of blocks (a message's, a modal's or the Home tab's).
 * @param {unknown} blocks
 * @param {BlockContext} [ctx]
 * @returns {string}
 */
export function renderBlocks(blocks, ctx = {}) {
  if (!Array.isArray(blocks)) return "";
  const ids = new Ids(ctx.idPrefix ?? "bk");
  return blocks.map((block, i) => renderBlock(block, i, ctx, ids)).join("");
}

/**
 * Renders a view. A modal gets its title bar, body and footer (Cancel / Submit buttons marked
 * `data-view-close` / `data-view-submit`); a Home view is its blocks.
 * @param {Json | null | undefined} view
 * @param {BlockContext} [ctx]
 * @returns {string}
 */
export function renderView(view, ctx = {}) {
  if (!view) return "";
  const body = renderBlocks(view.blocks, ctx);
  if (view.type !== "modal") return `<div class="bk-view bk-view-${esc(view.type ?? "home")}">${body}</div>`;
  const titleId = `${ctx.idPrefix ?? "bk"}-title`;
  const close = view.close ? renderPlain(view.close) : "Cancel";
  const submit = view.submit
    ? `<button type="submit" class="bk-btn bk-btn-primary" data-view-submit>${renderPlain(view.submit)}</button>`
    : "";
  return (
    `<div class="bk-view bk-view-modal" aria-labelledby="${titleId}">` +
    `<header class="bk-modal-head"><h2 id="${titleId}">${renderPlain(view.title)}</h2>` +
    `<button type="button" class="bk-modal-x" data-view-close aria-label="Close">×</button></header>` +
    `<div class="bk-modal-body">${body}</div>` +
    `<footer class="bk-modal-foot"><button type="button" class="bk-btn" data-view-close>${close}</button>${submit}</footer>` +
    "</div>"
  );
}

/**
 * Legacy attachments (a coloured bar with text, fields or blocks).
 * @param {unknown} attachments
 * @param {BlockContext} [ctx]
 * @returns {string}
 */
export function renderAttachments(attachments, ctx = {}) {
  if (!Array.isArray(attachments)) return "";
  return attachments
    .map((a) => {
      const color = /^#?[0-9a-f]{3,6}$/i.test(a?.color ?? "") ? `#${a.color.replace(/^#/, "")}` : "#dddddd";
      const parts = [
        a.pretext ? `<div class="bk-att-pretext">${renderMrkdwn(a.pretext, ctx)}</div>` : "",
        a.title ? `<div class="bk-att-title">${esc(a.title)}</div>` : "",
        a.text ? `<div class="bk-mrkdwn">${renderMrkdwn(a.text, ctx)}</div>` : "",
        Array.isArray(a.fields)
          ? `<div class="bk-fields">${a.fields
              .map(
                (/** @type {Json} */ f) =>
                  `<div class="bk-field"><strong>${esc(f.title ?? "")}</strong><br>${renderMrkdwn(f.value ?? "", ctx)}</div>`,
              )
              .join("")}</div>`
          : "",
        renderBlocks(a.blocks, ctx),
        a.footer ? `<div class="bk-context">${renderMrkdwn(a.footer, ctx)}</div>` : "",
      ];
      return `<div class="bk-attachment" style="border-left-color:${color}">${parts.join("")}</div>`;
    })
    .join("");
}

/**
 * @param {unknown} block
 * @param {number} index
 * @param {BlockContext} ctx
 * @param {Ids} ids
 * @returns {string}
 */
function renderBlock(block, index, ctx, ids) {
  if (!block || typeof block !== "object") return unsupported("block", typeof block);
  const b = /** @type {Json} */ (block);
  const blockId = typeof b.block_id === "string" ? b.block_id : `b${index}`;
  const attr = `data-block-id="${esc(blockId)}"`;
  switch (b.type) {
    case "header":
      return `<div class="bk-block bk-header" ${attr}>${renderPlain(b.text)}</div>`;
    case "divider":
      return `<hr class="bk-block bk-divider" ${attr}>`;
    case "section":
      return section(b, blockId, ctx, ids);
    case "context":
      return `<div class="bk-block bk-context" ${attr}>${(b.elements ?? [])
        .map((/** @type {Json} */ e) =>
          e.type === "image" ? image(e, "bk-context-img") : `<span>${renderText(e, ctx)}</span>`,
        )
        .join("")}</div>`;
    case "actions":
      return `<div class="bk-block bk-actions" ${attr}>${(b.elements ?? [])
        .map((/** @type {Json} */ e) => element(e, blockId, ctx, ids, { dispatch: true }))
        .join("")}</div>`;
    case "input":
      return input(b, blockId, ctx, ids);
    case "image":
      return (
        `<figure class="bk-block bk-image" ${attr}>${image(b, "")}` +
        (b.title ? `<figcaption>${renderText(b.title, ctx)}</figcaption>` : "") +
        "</figure>"
      );
    case "rich_text":
      return `<div class="bk-block bk-rich" ${attr}>${(b.elements ?? []).map((/** @type {Json} */ e) => richBlock(e, ctx)).join("")}</div>`;
    default:
      return unsupported("block", b.type);
  }
}

/**
 * @param {Json} b
 * @param {string} blockId
 * @param {BlockContext} ctx
 * @param {Ids} ids
 */
function section(b, blockId, ctx, ids) {
  const text = b.text ? `<div class="bk-text">${renderText(b.text, ctx)}</div>` : "";
  const fields = Array.isArray(b.fields)
    ? `<div class="bk-fields">${b.fields.map((/** @type {Json} */ f) => `<div class="bk-field">${renderText(f, ctx)}</div>`).join("")}</div>`
    : "";
  const accessory = b.accessory
    ? `<div class="bk-accessory">${element(b.accessory, blockId, ctx, ids, { dispatch: true })}</div>`
    : "";
  return `<div class="bk-block bk-section" data-block-id="${esc(blockId)}"><div class="bk-section-main">${text}${fields}</div>${accessory}</div>`;
}

/**
 * An input block: label (with "(optional)"), the element, the hint and any error for it.
 * @param {Json} b
 * @param {string} blockId
 * @param {BlockContext} ctx
 * @param {Ids} ids
 */
function input(b, blockId, ctx, ids) {
  const id = ids.next();
  const error = ctx.errors?.[blockId];
  const errorId = `${id}-error`;
  const hintId = `${id}-hint`;
  const described = [b.hint ? hintId : "", error ? errorId : ""].filter(Boolean).join(" ");
  const group = b.element?.type === "checkboxes" || b.element?.type === "radio_buttons";
  const optional = b.optional ? ' <span class="bk-optional">(optional)</span>' : "";
  const label = group
    ? `<span class="bk-label" id="${id}-label">${renderPlain(b.label)}${optional}</span>`
    : `<label class="bk-label" for="${id}" id="${id}-label">${renderPlain(b.label)}${optional}</label>`;
  const control = element(b.element ?? {}, blockId, ctx, ids, {
    dispatch: b.dispatch_action === true,
    id,
    describedBy: described,
    labelledBy: `${id}-label`,
    required: !b.optional,
    invalid: Boolean(error),
  });
  return (
    `<div class="bk-block bk-input${error ? " bk-has-error" : ""}" data-block-id="${esc(blockId)}">` +
    label +
    control +
    (b.hint ? `<div class="bk-hint" id="${hintId}">${renderText(b.hint, ctx)}</div>` : "") +
    (error ? `<div class="bk-error" id="${errorId}" role="alert">${esc(error)}</div>` : "") +
    "</div>"
  );
}

/**
 * @typedef {object} ElementOptions
 * @property {boolean} [dispatch] changes are sent as block_actions at once
 * @property {string} [id] the element's id (its label points at it)
 * @property {string} [describedBy] ids of its hint and error
 * @property {string} [labelledBy] id of its label (groups)
 * @property {boolean} [required]
 * @property {boolean} [invalid]
 */

/**
 * One interactive (or image) element.
 * @param {Json} e
 * @param {string} blockId
 * @param {BlockContext} ctx
 * @param {Ids} ids
 * @param {ElementOptions} opts
 * @returns {string}
 */
function element(e, blockId, ctx, ids, opts) {
  const id = opts.id ?? ids.next();
  const data =
    `data-type="${esc(e.type)}" data-action-id="${esc(e.action_id ?? "")}" data-block-id="${esc(blockId)}"` +
    (opts.dispatch ? ' data-dispatch="1"' : "") +
    (e.confirm ? ` data-confirm="${esc(JSON.stringify(e.confirm))}"` : "");
  // Outside an input block nothing labels the control: its placeholder (or kind) names it.
  const named =
    opts.id ||
    e.type === "button" ||
    e.type === "overflow" ||
    e.type === "checkboxes" ||
    e.type === "radio_buttons"
      ? ""
      : ` aria-label="${esc(e.placeholder?.text ?? LABELS[e.type] ?? "Choose")}"`;
  const aria =
    named +
    (opts.describedBy ? ` aria-describedby="${opts.describedBy}"` : "") +
    (opts.invalid ? ' aria-invalid="true"' : "");
  const common = `id="${id}" ${data}${aria}`;
  /** @param {Json | undefined} p */
  const placeholder = (p) => (p ? ` placeholder="${esc(p.text ?? "")}"` : "");
  switch (e.type) {
    case "button": {
      const style = e.style === "primary" || e.style === "danger" ? ` bk-btn-${e.style}` : "";
      return (
        `<button type="button" class="bk-btn${style}" data-bk-action ${common}` +
        (e.value !== undefined ? ` data-value="${esc(e.value)}"` : "") +
        (e.url ? ` data-url="${esc(e.url)}"` : "") +
        (e.accessibility_label ? ` aria-label="${esc(e.accessibility_label)}"` : "") +
        `>${renderPlain(e.text)}</button>`
      );
    }
    case "static_select":
    case "multi_static_select": {
      const multi = e.type === "multi_static_select";
      const chosen = new Set(
        (multi ? (e.initial_options ?? []) : e.initial_option ? [e.initial_option] : []).map(
          (/** @type {Json} */ o) => o.value,
        ),
      );
      return selectHtml(common, multi, e.placeholder, optionsHtml(e, chosen), chosen.size === 0, opts);
    }
    case "external_select":
    case "multi_external_select": {
      const multi = e.type === "multi_external_select";
      const initial = multi ? (e.initial_options ?? []) : e.initial_option ? [e.initial_option] : [];
      const chosen = new Set(initial.map((/** @type {Json} */ o) => o.value));
      const search =
        `<input type="search" class="bk-external-search" data-external-for="${id}" autocomplete="off"` +
        ` data-min-query="${Number(e.min_query_length ?? 3)}" aria-label="Search options"${placeholder(e.placeholder ?? { text: "Type to search" })}>`;
      const options = initial.map((/** @type {Json} */ o) => option(o, chosen)).join("");
      return `<div class="bk-external">${search}${selectHtml(`${common} data-external`, multi, undefined, options, chosen.size === 0, opts)}</div>`;
    }
    case "users_select":
    case "multi_users_select": {
      const multi = e.type === "multi_users_select";
      const chosen = new Set(multi ? (e.initial_users ?? []) : e.initial_user ? [e.initial_user] : []);
      const people = Object.entries(ctx.users ?? {})
        .filter(([uid]) => uid !== ctx.botId)
        .sort((a, b) => a[1].name.localeCompare(b[1].name))
        .map(
          ([uid, u]) =>
            `<option value="${esc(uid)}"${chosen.has(uid) ? " selected" : ""}>${esc(u.name)}</option>`,
        )
        .join("");
      return selectHtml(
        common,
        multi,
        e.placeholder ?? { text: "Choose a person" },
        people,
        chosen.size === 0,
        opts,
      );
    }
    case "conversations_select":
    case "channels_select":
    case "multi_conversations_select":
    case "multi_channels_select": {
      const multi = e.type.startsWith("multi_");
      const initial = e.initial_conversation ?? e.initial_channel;
      const chosen = new Set(
        multi ? (e.initial_conversations ?? e.initial_channels ?? []) : initial ? [initial] : [],
      );
      const list = Object.entries(ctx.channels ?? {})
        .map(
          ([cid, c]) =>
            `<option value="${esc(cid)}"${chosen.has(cid) ? " selected" : ""}>#${esc(c.name)}</option>`,
        )
        .join("");
      return selectHtml(
        common,
        multi,
        e.placeholder ?? { text: "Choose a channel" },
        list,
        chosen.size === 0,
        opts,
      );
    }
    case "overflow":
      return (
        `<select class="bk-overflow" data-bk-action ${common} aria-label="More actions">` +
        `<option value="" selected>⋯</option>${(e.options ?? []).map((/** @type {Json} */ o) => option(o, new Set(), o.url)).join("")}</select>`
      );
    case "datepicker":
      return `<input type="date" class="bk-field-input" data-bk-input ${common}${req(opts)}${e.initial_date ? ` value="${esc(e.initial_date)}"` : ""}>`;
    case "timepicker":
      return `<input type="time" class="bk-field-input" data-bk-input ${common}${req(opts)}${e.initial_time ? ` value="${esc(e.initial_time)}"` : ""}>`;
    case "datetimepicker": {
      const value =
        typeof e.initial_date_time === "number"
          ? ` value="${toZonedInput(e.initial_date_time, ctx.timezone)}"`
          : "";
      return `<input type="datetime-local" class="bk-field-input" data-bk-input data-timezone="${esc(ctx.timezone ?? "UTC")}" ${common}${req(opts)}${value}>`;
    }
    case "plain_text_input":
    case "email_text_input":
    case "url_text_input":
    case "number_input": {
      const lengths =
        (e.min_length !== undefined ? ` minlength="${Number(e.min_length)}"` : "") +
        (e.max_length !== undefined ? ` maxlength="${Number(e.max_length)}"` : "");
      const initial = e.initial_value ?? "";
      if (e.type === "plain_text_input" && e.multiline)
        return `<textarea class="bk-field-input" rows="4" data-bk-input ${common}${lengths}${req(opts)}${placeholder(e.placeholder)}>${esc(initial)}</textarea>`;
      const kind = {
        plain_text_input: "text",
        email_text_input: "email",
        url_text_input: "url",
        number_input: "number",
      }[/** @type {"plain_text_input"} */ (e.type)];
      const numeric =
        e.type === "number_input"
          ? ` step="${e.is_decimal_allowed ? "any" : "1"}"` +
            (e.min_value !== undefined ? ` min="${esc(e.min_value)}"` : "") +
            (e.max_value !== undefined ? ` max="${esc(e.max_value)}"` : "")
          : lengths;
      return `<input type="${kind}" class="bk-field-input" data-bk-input ${common}${numeric}${req(opts)}${placeholder(e.placeholder)}${initial !== "" ? ` value="${esc(initial)}"` : ""}>`;
    }
    case "checkboxes":
    case "radio_buttons": {
      const radio = e.type === "radio_buttons";
      const initial = radio ? (e.initial_option ? [e.initial_option] : []) : (e.initial_options ?? []);
      const chosen = new Set(initial.map((/** @type {Json} */ o) => o.value));
      const name = `${id}-choice`;
      const items = (e.options ?? [])
        .map((/** @type {Json} */ o, /** @type {number} */ n) => {
          const itemId = `${id}-${n}`;
          return (
            `<div class="bk-choice"><input type="${radio ? "radio" : "checkbox"}" id="${itemId}" name="${name}"` +
            ` value="${esc(o.value)}" data-label="${esc(o.text?.text ?? "")}"${chosen.has(o.value) ? " checked" : ""}>` +
            `<label for="${itemId}">${renderText(o.text, ctx)}` +
            (o.description ? `<span class="bk-choice-desc">${renderText(o.description, ctx)}</span>` : "") +
            "</label></div>"
          );
        })
        .join("");
      const labelled = opts.labelledBy ? ` aria-labelledby="${opts.labelledBy}"` : ' aria-label="Options"';
      return `<div role="${radio ? "radiogroup" : "group"}" class="bk-choices" data-bk-input ${common}${labelled}>${items}</div>`;
    }
    case "image":
      return image(e, "bk-accessory-img");
    default:
      return unsupported("element", e.type);
  }
}

/** Accessible names of controls outside input blocks, when they have no placeholder. */
const LABELS = /** @type {Record<string, string>} */ ({
  datepicker: "Select a date",
  timepicker: "Select time",
  datetimepicker: "Select date and time",
  users_select: "Select a person",
  multi_users_select: "Select people",
});

/** @param {ElementOptions} opts */
const req = (opts) => (opts.required ? " required" : "");

/**
 * @param {string} common
 * @param {boolean} multi
 * @param {Json | undefined} placeholder
 * @param {string} options
 * @param {boolean} nothingChosen
 * @param {ElementOptions} opts
 */
function selectHtml(common, multi, placeholder, options, nothingChosen, opts) {
  const first = multi
    ? ""
    : `<option value=""${nothingChosen ? " selected" : ""}>${esc(placeholder?.text ?? "Select an item")}</option>`;
  return `<select class="bk-select" data-bk-input ${common}${multi ? " multiple" : ""}${req(opts)}>${first}${options}</select>`;
}

/**
 * Options or option groups of a select.
 * @param {Json} e
 * @param {Set<string>} chosen
 */
function optionsHtml(e, chosen) {
  if (Array.isArray(e.option_groups))
    return e.option_groups
      .map(
        (/** @type {Json} */ g) =>
          `<optgroup label="${esc(g.label?.text ?? "")}">${(g.options ?? []).map((/** @type {Json} */ o) => option(o, chosen)).join("")}</optgroup>`,
      )
      .join("");
  return (e.options ?? []).map((/** @type {Json} */ o) => option(o, chosen)).join("");
}

/**
 * @param {Json} o a Slack option object
 * @param {Set<string>} chosen
 * @param {string} [url]
 */
function option(o, chosen, url) {
  return (
    `<option value="${esc(o.value ?? "")}"${chosen.has(o.value) ? " selected" : ""}` +
    `${url ? ` data-url="${esc(url)}"` : ""}>${esc(o.text?.text ?? o.value ?? "")}</option>`
  );
}

/**
 * Slack's options answer (for an external select), as `<option>`s.
 * @param {{ options?: Json[], option_groups?: Json[] }} answer
 * @returns {string}
 */
export function renderOptions(answer) {
  return optionsHtml(answer ?? {}, new Set());
}

/**
 * An image (only http(s) and same-origin paths are loaded).
 * @param {Json} e
 * @param {string} cls
 */
function image(e, cls) {
  const url = String(e.image_url ?? e.slack_file?.url ?? "");
  if (!/^(https?:\/\/|\/)/i.test(url))
    return `<span class="bk-img-missing">${esc(e.alt_text ?? "image")}</span>`;
  return `<img class="${cls}" src="${esc(url)}" alt="${esc(e.alt_text ?? "")}" loading="lazy">`;
}

/**
 * rich_text's sections, lists, quotes and preformatted blocks.
 * @param {Json} e
 * @param {BlockContext} ctx
 * @returns {string}
 */
function richBlock(e, ctx) {
  const inner = () => (e.elements ?? []).map((/** @type {Json} */ x) => richInline(x, ctx)).join("");
  switch (e.type) {
    case "rich_text_section":
      return `<div class="rt-section">${inner()}</div>`;
    case "rich_text_preformatted":
      return `<pre class="mk-pre">${inner()}</pre>`;
    case "rich_text_quote":
      return `<blockquote class="mk-quote">${inner()}</blockquote>`;
    case "rich_text_list": {
      const tag = e.style === "ordered" ? "ol" : "ul";
      const items = (e.elements ?? [])
        .map((/** @type {Json} */ x) => `<li>${richBlock(x, ctx)}</li>`)
        .join("");
      return `<${tag} class="rt-list">${items}</${tag}>`;
    }
    default:
      return unsupported("element", e.type);
  }
}

/**
 * One inline piece of rich text. Text is escaped; styles become tags.
 * @param {Json} x
 * @param {BlockContext} ctx
 * @returns {string}
 */
function richInline(x, ctx) {
  /** @param {string} html */
  const styled = (html) => {
    const s = x.style ?? {};
    let out = html;
    if (s.code) out = `<code class="mk-code">${out}</code>`;
    if (s.bold) out = `<strong>${out}</strong>`;
    if (s.italic) out = `<em>${out}</em>`;
    if (s.strike) out = `<del>${out}</del>`;
    return out;
  };
  switch (x.type) {
    case "text":
      return styled(esc(x.text ?? "").replace(/\n/g, "<br>"));
    case "link": {
      const url = String(x.url ?? "");
      if (!/^(https?:\/\/|mailto:)/i.test(url)) return styled(esc(x.text ?? url));
      return styled(
        `<a class="mk-link" href="${esc(url)}" target="_blank" rel="noopener noreferrer">${esc(x.text ?? url)}</a>`,
      );
    }
    case "user":
      return styled(renderMrkdwn(`<@${x.user_id}>`, ctx));
    case "channel":
      return styled(renderMrkdwn(`<#${x.channel_id}>`, ctx));
    case "usergroup":
      return styled(`<span class="mk-mention">@${esc(x.usergroup_id)}</span>`);
    case "broadcast":
      return styled(
        renderMrkdwn(`<!${x.range === "everyone" || x.range === "channel" ? x.range : "here"}>`, ctx),
      );
    case "emoji":
      return styled(
        x.unicode
          ? esc(
              String.fromCodePoint(
                ...String(x.unicode)
                  .split("-")
                  .map((h) => Number.parseInt(h, 16)),
              ),
            )
          : renderMrkdwn(`:${x.name}:`, ctx),
      );
    case "date":
      return styled(
        renderMrkdwn(
          `<!date^${Number(x.timestamp)}^${x.format ?? "{date_short} {time}"}|${x.fallback ?? ""}>`,
          ctx,
        ),
      );
    default:
      return unsupported("element", x.type);
  }
}

/**
 * The visible marker for something the page cannot draw.
 * @param {string} what
 * @param {unknown} type
 */
function unsupported(what, type) {
  return `<div class="bk-unsupported">[unsupported ${what}: ${esc(type ?? "?")}]</div>`;
}

/**
 * Unix seconds → the `datetime-local` value for that instant's wall time in `timeZone`.
 * @param {number} unixSeconds
 * @param {string} [timeZone]
 * @returns {string} "YYYY-MM-DDTHH:mm"
 */
export function toZonedInput(unixSeconds, timeZone = "UTC") {
  const p = zonedParts(unixSeconds * 1000, timeZone);
  const pad = (/** @type {number} */ n) => String(n).padStart(2, "0");
  return `${p.year}-${pad(p.month)}-${pad(p.day)}T${pad(p.hour)}:${pad(p.minute)}`;
}

/**
 * A `datetime-local` value read as wall time in `timeZone` → unix seconds (null if empty or bad).
 * A wall time that a DST change skips or repeats resolves to one of the instants near it.
 * @param {string} value "YYYY-MM-DDTHH:mm"
 * @param {string} [timeZone]
 * @returns {number | null}
 */
export function fromZonedInput(value, timeZone = "UTC") {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(value ?? "");
  if (!m) return null;
  const [y, mo, d, h, mi, s] = m.slice(1).map((v) => Number(v ?? 0));
  const wall = Date.UTC(y ?? 0, (mo ?? 1) - 1, d ?? 1, h ?? 0, mi ?? 0, s ?? 0);
  /** The zone's offset from UTC at an instant, in ms. @param {number} ms */
  const offset = (ms) => {
    const p = zonedParts(ms, timeZone);
    return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) - Math.floor(ms / 1000) * 1000;
  };
  // Two rounds: the offset at the wall time read as UTC, then at the instant that gives.
  const first = wall - offset(wall);
  return Math.floor((wall - offset(first)) / 1000);
}
