import { describe, expect, it } from "vitest";
import { loadPolicy } from "../../../src/config/policy.js";
import { authorizePractice } from "../../../src/domain/permissions.js";
import { scenariosFor } from "../../../src/domain/practice-scenarios.js";
import {
  checkMessage,
  checkView,
  validateMessageBlocks,
  validateView,
} from "../../../src/emulator/block-kit.js";
import { PRACTICE_FIELDS as F, VIEW } from "../../../src/messages/ids.js";
import { headline } from "../../../src/messages/incident-card.js";
import { incidentLine } from "../../../src/messages/incident-list.js";
import {
  PRACTICE_DM_BLOCK,
  practiceContextLine,
  practiceDm,
  practiceIntro,
} from "../../../src/messages/practice-intro.js";
import { practiceStartedModal, practiceStartModal } from "../../../src/messages/practice-modal.js";
import { PracticeStartForm } from "../../../src/slack/parse/practice-form.js";
import { policyOf } from "../../helpers/policy-result.js";

const policy = policyOf(loadPolicy(undefined));
const drill = { leadId: "U0LEAD", traineeIds: ["U0AGENT", "U0NEW"], speed: 30 };

const state = (p: { scenario?: string; trainees?: string[]; speed?: string }) => ({
  [F.scenario]: {
    value: p.scenario
      ? { type: "static_select", selected_option: { value: p.scenario } }
      : { type: "static_select", selected_option: null },
  },
  [F.trainees]: { value: { type: "multi_users_select", selected_users: p.trainees ?? [] } },
  [F.speed]: { value: { type: "static_select", selected_option: p.speed ? { value: p.speed } : null } },
});

describe("practiceStartModal", () => {
  const view = practiceStartModal(scenariosFor(policy));

  it("is a valid view offering each scenario with its summary, and 10× by default", () => {
    expect(validateView(view)).toEqual([]);
    expect(checkView(view)).toBeNull();
    expect(view.callback_id).toBe(VIEW.practiceStart);
    const json = JSON.stringify(view);
    for (const s of scenariosFor(policy)) {
      expect(json).toContain(`"value":"${s.key}"`);
      expect(json).toContain(JSON.stringify(s.label));
    }
    const speed = view.blocks.find((b) => "block_id" in b && b.block_id === F.speed) as unknown as {
      element: { initial_option: { value: string }; options: Array<{ value: string }> };
    };
    expect(speed.element.initial_option.value).toBe("10");
    expect(speed.element.options.map((o) => o.value)).toEqual(["1", "5", "10", "30"]);
  });

  it("says when a drill was started before", () => {
    const again = practiceStartedModal({ number: 42, scenarioLabel: "Phones down", again: true });
    expect(validateView(again)).toEqual([]);
    expect(JSON.stringify(again)).toContain("already started as *INC-000042*");
  });
});

describe("PracticeStartForm", () => {
  it("reads the scenario, the trainees (once each) and the speed", () => {
    const parsed = PracticeStartForm.parse(
      state({ scenario: "complaint_escalates", trainees: ["U0AGENT", "U0NEW", "U0AGENT"], speed: "30" }),
    );
    expect(parsed).toEqual({
      scenarioKey: "complaint_escalates",
      traineeIds: ["U0AGENT", "U0NEW"],
      speed: 30,
    });
  });

  it("puts each missing answer on its own field", () => {
    const result = PracticeStartForm.safeParse(state({ speed: "7" }));
    expect(result.success).toBe(false);
    const paths = result.error?.issues.map((i) => String(i.path[0]));
    expect(paths).toEqual(expect.arrayContaining([F.scenario, F.trainees, F.speed]));
  });
});

describe("PRACTICE marking", () => {
  it("puts PRACTICE before a drill's headline and list line, not a real incident's", () => {
    const i = { number: 123, title: "Phones down", priority: "P3" as const, major: false };
    expect(headline({ ...i, practiceRunId: "run" })).toBe("PRACTICE · INC-000123 · P3 · Phones down");
    expect(headline(i)).toBe("INC-000123 · P3 · Phones down");
    const row = {
      id: "x",
      ...i,
      status: "open" as const,
      channelId: "C1",
      loggedAt: new Date("2026-12-07T10:00:00Z"),
      ownerId: null,
    };
    expect(incidentLine({ ...row, practiceRunId: "run" }, "Europe/London")).toMatch(
      /^\*PRACTICE\* · \*INC-000123\*/,
    );
    expect(incidentLine(row, "Europe/London")).toMatch(/^\*INC-000123\*/);
  });

  it("names the lead, the trainees and the speed", () => {
    expect(practiceContextLine(drill)).toBe(
      ":dart: Practice drill run by <@U0LEAD> for <@U0AGENT>, <@U0NEW> · 30× speed · nothing leaves this channel",
    );
  });

  it("marks a DM once, however often it passes", () => {
    const dm = {
      text: "INC-000123 (P2) is logged",
      blocks: [{ type: "section", text: { type: "mrkdwn", text: "hi" } }],
    };
    const once = practiceDm(dm);
    expect(once.text).toBe("PRACTICE · INC-000123 (P2) is logged");
    expect((once.blocks as Array<{ block_id?: string }>)[0]?.block_id).toBe(PRACTICE_DM_BLOCK);
    expect(practiceDm(once)).toEqual(once);
    expect(validateMessageBlocks(once.blocks)).toEqual([]);
  });

  it("introduces the drill: practice, speed, the caller's words, how to end it", () => {
    const intro = practiceIntro({
      number: 123,
      scenarioLabel: "Phones down",
      callerSays: "It rings once and cuts off.",
      drill,
    });
    expect(validateMessageBlocks(intro.blocks)).toEqual([]);
    expect(checkMessage(intro)).toBeNull();
    const json = JSON.stringify(intro);
    for (const words of [
      "PRACTICE DRILL · INC-000123",
      "30× faster",
      "It rings once",
      "/incident practice end",
    ])
      expect(json).toContain(words);
  });
});

describe("authorizePractice", () => {
  const roles = { team_lead: ["U0LEAD"], duty_manager: ["U0DUTY"], agent: ["U0AGENT"] };
  const permissions = { ...policy.permissions, practice: ["team_lead", "duty_manager"] };

  it("lets the roles in permissions.practice start a drill", () => {
    expect(authorizePractice({ roles, permissions }, "U0LEAD").ok).toBe(true);
    expect(authorizePractice({ roles, permissions }, "U0DUTY").ok).toBe(true);
  });

  it("tells anyone else who may", () => {
    const refused = authorizePractice({ roles, permissions }, "U0AGENT");
    expect(refused).toEqual({
      ok: false,
      error: { code: "forbidden", message: "Only a team lead or duty manager can start a practice drill." },
    });
    const nobody = authorizePractice({ roles, permissions: { ...permissions, practice: [] } }, "U0LEAD");
    expect(nobody.ok ? "" : nobody.error.message).toContain("Nobody can start a practice drill");
  });
});
