import { and, eq, inArray } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listLog } from "../../../src/db/queries/incident-log.js";
import { type IncidentRow, outbox } from "../../../src/db/schema/index.js";
import { DEFAULT_CALLERS_NOW } from "../../../src/domain/floor.js";
import type { Milestone } from "../../../src/domain/milestones.js";
import { CARD_ACTION, FLOOR_ACTION } from "../../../src/messages/ids.js";
import { eventually } from "../../helpers/eventually.js";
import { readyIncident } from "../../helpers/factories.js";
import { type Harness, startHarness, USERS } from "../../helpers/harness.js";
import { click, EVERY, form, walkEveryMilestone } from "../../helpers/milestone-walk.js";
import { formValue } from "../../helpers/slack-payloads.js";

const { text, choice, when } = formValue;

/** The milestone each stakeholder post of an incident was for, from its outbox key. */
function milestoneOf(row: { purpose: string; dedupeKey: string }): Milestone {
  if (row.purpose === "announcement") return "logged";
  if (row.purpose === "stakeholder_update") return "update";
  return row.dedupeKey.split(":")[3] as Milestone;
}

async function stakeholderPosts(h: Harness, incident: IncidentRow, channel: string) {
  const rows = await h.system.deps.db
    .select()
    .from(outbox)
    .where(
      and(
        eq(outbox.incidentId, incident.id),
        eq(outbox.channel, channel),
        inArray(outbox.purpose, ["announcement", "stakeholder_update", "milestone"]),
      ),
    );
  return rows.sort((a, b) => a.seq - b.seq);
}

describe("every milestone reaches each stakeholder channel once, in order", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
    h.slack.setChannelRateLimit({ perSecond: 1, burst: 1 });
  });
  afterAll(async () => {
    await h?.stop();
  });

  it("tells both stakeholder channels of the type each milestone, logged with its ts, never the caller", async () => {
    const incident = await readyIncident(h.system.deps, {
      impact: "medium",
      urgency: "medium",
      callerReference: "ACC-CALLER-7731",
    });
    await walkEveryMilestone(h, incident);
    const deps = h.system.deps;
    for (const channel of [h.channels.stake, h.channels.telephony]) {
      const posts = await eventually(
        "every stakeholder post sent",
        async () => {
          const rows = await stakeholderPosts(h, incident, channel);
          return rows.length === EVERY.length && rows.every((r) => r.status === "sent") ? rows : undefined;
        },
        { timeoutMs: 60_000 },
      );
      expect(posts.map(milestoneOf)).toEqual(EVERY);
      // In order: each landed no earlier than the one before (a roundup carries several at once).
      const landed = posts.map((p) => Number(p.ts));
      expect([...landed].sort((a, b) => a - b)).toEqual(landed);
      const messages = h.slack.messagesIn(channel);
      for (const post of posts) expect(messages.some((m) => m.ts === post.ts)).toBe(true);
      const shown = JSON.stringify(messages);
      expect(shown).not.toContain("ACC-CALLER-7731");
      expect(shown).toContain("Carrier fixed the route");
    }
    const log = await listLog(deps.db, incident.id);
    const milestones = log.filter((e) => e.kind === "milestone_posted");
    // Nine milestone notices (all but logged and update, which have their own entries) per channel.
    expect(milestones).toHaveLength(2 * (EVERY.length - 2));
    for (const entry of milestones)
      expect(entry.details).toMatchObject({
        channel: expect.stringMatching(/^C/),
        ts: expect.any(String),
        permalink: expect.stringContaining("https://"),
      });
    expect(JSON.stringify(log)).not.toContain("ACC-CALLER-7731");
  });

  it("tells the incident channel its own story and the reporter when it is resolved and closed", async () => {
    const incident = await readyIncident(h.system.deps, { impact: "medium", urgency: "medium" });
    await walkEveryMilestone(h, incident);
    const lines = await h.slack.waitFor(
      () => {
        const found = h.slack
          .messagesIn(incident.channelId!)
          .map((m) => String(m.text))
          .filter((t) =>
            /acknowledged it|took ownership|re-categorised|on hold|resumed|resolved it|reopened|closed it/.test(
              t,
            ),
          );
        return found.some((t) => t.includes("closed it")) ? found : undefined;
      },
      { timeoutMs: 60_000 },
    );
    expect(lines.join("\n")).toMatch(/<@U0AGENT> acknowledged it and is now its owner/);
    expect(lines.join("\n")).toMatch(/<@U0LEAD> took ownership from <@U0AGENT>/);
    expect(lines.join("\n")).toMatch(/re-categorised it: .*priority P3 → P2/);
    expect(lines.join("\n")).toMatch(/put it on hold \(awaiting third party\)/);
    expect(lines.join("\n")).toMatch(/reopened it: Calls dropping again/);
    const dm = await h.slack.waitFor(() => {
      const dms = h.slack.messages.filter(
        (m) =>
          h.slack.channels.get(m.channel)?.members.has(USERS.agent) &&
          String(m.text).includes("which you logged"),
      );
      return dms.some((m) => String(m.text).includes("closed")) ? dms : undefined;
    });
    expect(dm.map((m) => String(m.text)).join("\n")).toMatch(/is resolved: .*Carrier fixed the route/s);
  });
});

describe("the floor is told an outage is over", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h?.stop();
  });

  it("turns the briefing into a resolved banner, tells the agents what to say now, and again when it comes back", async () => {
    const incident = await readyIncident(h.system.deps, { title: "0800 number down" });
    await form(h, incident, FLOOR_ACTION.briefAgents, {
      briefing_affected: text("Our 0800 number"),
      briefing_script: text("We know about a problem with our 0800 number and are fixing it."),
      briefing_next_update: when(new Date(Date.now() + 30 * 60_000)),
    });
    const floor = h.channels.floor;
    const briefing = await h.slack.waitFor(() =>
      h.slack.messagesIn(floor).find((m) => String(m.text).startsWith("Agent briefing")),
    );
    expect(JSON.stringify(briefing.blocks)).toContain("Team briefed");

    await click(h, incident, CARD_ACTION.acknowledge);
    await form(h, incident, CARD_ACTION.resolve, {
      resolution_summary: text("Carrier fixed the route"),
      close_code: choice("fixed"),
      callers_now: text("The 0800 number works again; apologise for the wait."),
    });
    const banner = await h.slack.waitFor(() => {
      const m = h.slack.messagesIn(floor).find((x) => x.ts === briefing.ts);
      return m?.edited && JSON.stringify(m.blocks).includes("RESOLVED") ? m : undefined;
    });
    const shown = JSON.stringify(banner.blocks);
    expect(shown).toContain("The 0800 number works again; apologise for the wait.");
    expect(shown).not.toContain("Team briefed");
    const told = await h.slack.waitFor(() =>
      h.slack.messagesIn(floor).find((m) => String(m.text).includes("is resolved")),
    );
    expect(String(told.text)).toContain("The 0800 number works again");

    await form(h, incident, CARD_ACTION.reopen, { reason: text("Calls failing again") });
    const back = await h.slack.waitFor(() =>
      h.slack.messagesIn(floor).find((m) => String(m.text).includes("is back")),
    );
    expect(JSON.stringify(back.blocks)).toContain("Calls failing again");
    await h.slack.waitFor(() => {
      const m = h.slack.messagesIn(floor).find((x) => x.ts === briefing.ts);
      return m && JSON.stringify(m.blocks).includes("Team briefed") ? m : undefined;
    });
    const log = await listLog(h.system.deps.db, incident.id);
    expect(log.filter((e) => e.kind === "agents_told_resolved")).toHaveLength(1);
    expect(log.filter((e) => e.kind === "agents_told_reopened")).toHaveLength(1);
  });

  it("tells the agents a plain default when the resolver wrote nothing for callers", async () => {
    const incident = await readyIncident(h.system.deps, { title: "Chat down" });
    await form(h, incident, FLOOR_ACTION.briefAgents, {
      briefing_affected: text("Web chat"),
      briefing_script: text("Chat is down; please take the call."),
      briefing_next_update: when(new Date(Date.now() + 30 * 60_000)),
    });
    await click(h, incident, CARD_ACTION.acknowledge);
    await form(h, incident, CARD_ACTION.resolve, {
      resolution_summary: text("Chat servers restarted"),
      close_code: choice("fixed"),
    });
    const ref = `INC-${String(incident.number).padStart(6, "0")}`;
    const told = await h.slack.waitFor(() =>
      h.slack.messagesIn(h.channels.floor).find((m) => String(m.text).includes(`${ref} is resolved`)),
    );
    expect(String(told.text)).toContain(DEFAULT_CALLERS_NOW.slice(0, 40));
  });
});

describe("a type whose policy silences some milestones", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({
      editPolicy: (yaml) =>
        yaml.replace(
          "    label: Service failure\n",
          "    label: Service failure\n    notify: [logged, priority_changed, resolved, closed]\n",
        ),
    });
    h.slack.setChannelRateLimit({ perSecond: 1, burst: 1 });
  });
  afterAll(async () => {
    await h?.stop();
  });

  it("sends only the milestones its notify list names", async () => {
    const incident = await readyIncident(h.system.deps, { impact: "medium", urgency: "medium" });
    await walkEveryMilestone(h, incident);
    const wanted: Milestone[] = ["logged", "priority_changed", "resolved", "resolved", "closed"];
    for (const channel of [h.channels.stake, h.channels.telephony]) {
      const posts = await eventually(
        "the named milestones sent",
        async () => {
          const rows = await stakeholderPosts(h, incident, channel);
          return rows.length >= wanted.length && rows.every((r) => r.status === "sent") ? rows : undefined;
        },
        { timeoutMs: 60_000 },
      );
      expect(posts.map(milestoneOf)).toEqual(wanted);
    }
    // The incident channel still hears the update: only stakeholder channels are silenced.
    await eventually("the update posted in the incident channel", async () =>
      (await listLog(h.system.deps.db, incident.id)).some((e) => e.kind === "update_posted"),
    );
  });
});
