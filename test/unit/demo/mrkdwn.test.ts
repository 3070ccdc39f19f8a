import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formatSlackDate, renderMrkdwn, renderPlain } from "../../../src/demo/web/mrkdwn.js";
import { escapeMrkdwn, slackDate } from "../../../src/messages/text.js";

const ctx = {
  users: { U0ANA: { name: "Ana Agent" }, U0LEAD: { name: "Lee Lead" } },
  channels: { C0OPS: { name: "ops-floor" } },
  timezone: "Europe/London",
  now: Date.UTC(2026, 10, 23, 10, 0),
};

describe("renderMrkdwn: escaping", () => {
  it("shows a typed <script> as text", () => {
    expect(renderMrkdwn("<script>alert(1)</script>", ctx)).toBe("&lt;script&gt;alert(1)&lt;/script&gt;");
  });

  it("shows Slack's escaped markup as the characters it stands for, escaped for HTML", () => {
    expect(renderMrkdwn(escapeMrkdwn("<b>A & B</b>"), ctx)).toBe("&lt;b&gt;A &amp; B&lt;/b&gt;");
    // Slack's entities are undone once: a literal "&lt;" typed by someone stays that text.
    expect(renderMrkdwn(escapeMrkdwn("&lt;"), ctx)).toBe("&amp;lt;");
  });

  it("escapes quotes, which could end an attribute", () => {
    expect(renderMrkdwn(`say "hi" it's`, ctx)).toBe("say &quot;hi&quot; it&#39;s");
  });

  it("never links a script: URL, and escapes what a link carries", () => {
    expect(renderMrkdwn("<javascript:alert(1)|click>", ctx)).toBe("&lt;javascript:alert(1)|click&gt;");
    const html = renderMrkdwn('<https://example.com/?a=1&amp;b="x"|A <b> label>', ctx);
    expect(html).toBe("&lt;https://example.com/?a=1&amp;b=&quot;x&quot;|A &lt;b&gt; label&gt;");
    expect(renderMrkdwn("<https://example.com/?a=1&amp;b=%22x%22|A &lt;b&gt; label>", ctx)).toBe(
      '<a class="mk-link" href="https://example.com/?a=1&amp;b=%22x%22" target="_blank" rel="noopener noreferrer">A &lt;b&gt; label</a>',
    );
  });

  it("keeps code and preformatted text literal", () => {
    expect(renderMrkdwn("`*not bold* <@U0ANA>`", ctx)).toBe(
      '<code class="mk-code">*not bold* &lt;@U0ANA&gt;</code>',
    );
    expect(renderMrkdwn("before\n```a &lt; b\n*x*```\nafter", ctx)).toBe(
      'before<pre class="mk-pre">a &lt; b\n*x*</pre>after',
    );
  });

  it("shows a <…> or a `…` that wraps code as typed, never HTML inside HTML", () => {
    expect(renderMrkdwn("<`<```>", ctx)).toBe("&lt;`&lt;```&gt;");
    expect(renderMrkdwn("<https://x.test/`a`|lab>", ctx)).toBe(
      '<a class="mk-link" href="https://x.test/`a`" target="_blank" rel="noopener noreferrer">lab</a>',
    );
    expect(renderMrkdwn("`a```b```c`", ctx)).toBe('<code class="mk-code">a```b```c</code>');
  });
});

describe("renderMrkdwn: formatting", () => {
  it("bold, italic, strike", () => {
    expect(renderMrkdwn("*bold* _italic_ ~gone~", ctx)).toBe(
      "<strong>bold</strong> <em>italic</em> <del>gone</del>",
    );
  });

  it("nests formatting, mentions and emoji", () => {
    expect(renderMrkdwn("*_both_ for <@U0ANA>* :tada:", ctx)).toBe(
      '<strong><em>both</em> for <span class="mk-mention" data-user="U0ANA">@Ana Agent</span></strong> 🎉',
    );
  });

  it("leaves marks inside words alone", () => {
    expect(renderMrkdwn("snake_case_name and 2*3*4 and a~b~c", ctx)).toBe(
      "snake_case_name and 2*3*4 and a~b~c",
    );
  });

  it("quotes lines that start with >", () => {
    expect(renderMrkdwn("Title\n>first *line*\n>second\nafter", ctx)).toBe(
      'Title<blockquote class="mk-quote">first <strong>line</strong><br>second</blockquote>after',
    );
    expect(renderMrkdwn(">>> all\nof it", ctx)).toBe(
      '<blockquote class="mk-quote">all<br>of it</blockquote>',
    );
  });

  it("renders user and channel mentions as names, and broadcasts", () => {
    expect(renderMrkdwn("<@U0LEAD> <@U0NOBODY> <#C0OPS> <#C0NEW|inc-000001-x> <!here> <!channel>", ctx)).toBe(
      '<span class="mk-mention" data-user="U0LEAD">@Lee Lead</span> ' +
        '<span class="mk-mention" data-user="U0NOBODY">@U0NOBODY</span> ' +
        '<a class="mk-channel" href="#C0OPS" data-channel="C0OPS">#ops-floor</a> ' +
        '<a class="mk-channel" href="#C0NEW" data-channel="C0NEW">#inc-000001-x</a> ' +
        '<span class="mk-mention mk-broadcast">@here</span> <span class="mk-mention mk-broadcast">@channel</span>',
    );
  });

  it("links http, https and mailto with their labels", () => {
    expect(renderMrkdwn("<mailto:ops@example.com|Email ops>", ctx)).toBe(
      '<a class="mk-link" href="mailto:ops@example.com" target="_blank" rel="noopener noreferrer">Email ops</a>',
    );
    expect(renderMrkdwn("<https://example.com>", ctx)).toContain(">https://example.com</a>");
  });

  it("turns the bot's emoji into Unicode and leaves times alone", () => {
    expect(renderMrkdwn(":rotating_light: at 10:05:30 :white_check_mark: :unknown_one:", ctx)).toBe(
      "🚨 at 10:05:30 ✅ :unknown_one:",
    );
  });
});

describe("renderMrkdwn: dates", () => {
  // 2026-11-23 10:05 UTC (GMT in London, 05:05 in New York) and 2026-07-01 09:05 UTC (BST).
  const winter = Date.UTC(2026, 10, 23, 10, 5, 7) / 1000;
  const summer = Date.UTC(2026, 6, 1, 9, 5) / 1000;
  const london = { timezone: "Europe/London", now: Date.UTC(2026, 10, 23, 12, 0) };
  const newYork = { timezone: "America/New_York", now: Date.UTC(2026, 10, 23, 12, 0) };

  it("renders each token in the viewer's zone", () => {
    const tokens = "{date_num}|{date_slash}|{date}|{date_short}|{date_long}|{time}|{time_secs}";
    expect(formatSlackDate(winter, tokens, london)).toBe(
      "2026-11-23|23/11/2026|November 23rd, 2026|Nov 23, 2026|Monday, November 23rd, 2026|10:05|10:05:07",
    );
    expect(formatSlackDate(winter, tokens, newYork)).toBe(
      "2026-11-23|23/11/2026|November 23rd, 2026|Nov 23, 2026|Monday, November 23rd, 2026|05:05|05:05:07",
    );
    expect(formatSlackDate(summer, "{date_short} {time}", london)).toBe("Jul 1, 2026 10:05");
    expect(formatSlackDate(summer, "{date_short} {time}", newYork)).toBe("Jul 1, 2026 05:05");
    expect(formatSlackDate(winter, "{time_secs}", { ...london, hour12: true })).toBe("10:05:07 AM");
  });

  it("says today, yesterday and tomorrow by the viewer's calendar", () => {
    const lateEvening = Date.UTC(2026, 10, 23, 23, 30) / 1000; // 23rd in London, 23rd in New York
    const afterMidnight = Date.UTC(2026, 10, 24, 2, 0) / 1000; // 24th in London, 23rd in New York
    expect(formatSlackDate(lateEvening, "{date_short_pretty}", london)).toBe("today");
    expect(formatSlackDate(afterMidnight, "{date_short_pretty}", london)).toBe("tomorrow");
    expect(formatSlackDate(afterMidnight, "{date_short_pretty}", newYork)).toBe("today");
    expect(formatSlackDate(Date.UTC(2026, 10, 22, 12) / 1000, "{date_long_pretty}", london)).toBe(
      "yesterday",
    );
    expect(formatSlackDate(Date.UTC(2026, 10, 2, 12) / 1000, "{date_pretty}", london)).toBe(
      "November 2nd, 2026",
    );
    expect(formatSlackDate(Date.UTC(2026, 10, 23, 11, 0) / 1000, "{ago}", london)).toBe("1 hour ago");
  });

  it("renders the bot's own date mentions, with the fallback as the title", () => {
    const mention = slackDate(new Date(winter * 1000), "Europe/London");
    expect(renderMrkdwn(`due ${mention}`, london)).toBe(
      'due <time class="mk-date" datetime="2026-11-23T10:05:07.000Z" title="23 Nov 2026 10:05 GMT">today 10:05</time>',
    );
    expect(renderMrkdwn(`due ${mention}`, newYork)).toContain(">today 05:05</time>");
  });

  it("shows the fallback when the timestamp is not a number, and leaves unknown tokens", () => {
    expect(renderMrkdwn("<!date^soon^{date}|next week>", london)).toBe(
      '<span class="mk-date">next week</span>',
    );
    expect(formatSlackDate(winter, "{date} {nonsense}", london)).toBe("November 23rd, 2026 {nonsense}");
  });
});

describe("renderPlain", () => {
  it("escapes everything and parses nothing but emoji", () => {
    expect(renderPlain({ text: "*A* & <@U0ANA> :tada:", emoji: true })).toBe("*A* &amp; &lt;@U0ANA&gt; 🎉");
    expect(renderPlain({ text: ":tada:", emoji: false })).toBe(":tada:");
  });
});

describe("no user text escapes the renderer", () => {
  // The renderer's own tags, and nothing else, may open with "<".
  const OWN_TAG =
    /^<\/?(strong|em|del|code|pre|br|blockquote|span|a|time)(\s+(class|data-user|data-channel|href|target|rel|title|datetime)="[^"<>]*")*>/;

  const pieces = fc.constantFrom(
    "<",
    ">",
    "&",
    "&lt;",
    "&gt;",
    "&amp;",
    '"',
    "'",
    "*",
    "_",
    "~",
    "`",
    "```",
    "\n",
    ">",
    " ",
    "|",
    "<@U0ANA>",
    "<#C0OPS>",
    "<!here>",
    "<https://x.test/a?b=1|lab>",
    "<javascript:x>",
    "<!date^1795428300^{date_short} {time}|fb>",
    ":tada:",
    "<script>",
    "onerror=",
    "\uE000",
    "\uE001",
    "0",
  );
  const text = fc.oneof(
    fc.string({ maxLength: 60 }),
    fc.array(fc.oneof(pieces, fc.string({ maxLength: 4 })), { maxLength: 30 }).map((a) => a.join("")),
  );

  it("every '<' in the output starts one of the renderer's tags", () => {
    fc.assert(
      fc.property(text, (t) => {
        const html = renderMrkdwn(t, ctx);
        for (let i = html.indexOf("<"); i >= 0; i = html.indexOf("<", i + 1))
          expect(html.slice(i), `in ${JSON.stringify(html)}`).toMatch(OWN_TAG);
        expect(html).not.toMatch(/\uE000|\uE001/);
      }),
      { numRuns: 2000 },
    );
  });
});
