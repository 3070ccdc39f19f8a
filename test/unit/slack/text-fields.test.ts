import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { z } from "zod";
import { cleanText } from "../../../src/domain/clean-text.js";
import {
  ACTION_FIELDS,
  FLOOR_FIELDS,
  LOG_FIELDS,
  REVIEW_FIELDS,
  WORK_FIELDS,
} from "../../../src/messages/ids.js";
import { rescheduleForm } from "../../../src/slack/parse/action-forms.js";
import { normaliseText, optionalText, requiredText } from "../../../src/slack/parse/fields.js";
import { AskForHelpForm, briefAgentsForm, RecordImpactForm } from "../../../src/slack/parse/floor-forms.js";
import { logIncidentForm } from "../../../src/slack/parse/log-incident.js";
import { reviewForm } from "../../../src/slack/parse/review-form.js";
import { readViewState, toBlockErrors } from "../../../src/slack/parse/view-state.js";
import {
  HoldForm,
  ReopenForm,
  ResolveForm,
  recategoriseForm,
  updateForm,
} from "../../../src/slack/parse/work-forms.js";
import { logFormState, validLogForm } from "../../helpers/slack-payloads.js";

/** Generous: the unit suite also runs on a loaded 2-core machine. */
const TIMEOUT = 60_000;
const NOW = new Date("2026-11-23T10:00:00Z");
const RLO = "\u202E";
const PDF = "\u202C";
const ZWSP = "\u200B";
/** Looks blank, is not empty: what the findings typed. */
const INVISIBLE_ONLY = [
  ZWSP.repeat(5),
  `${ZWSP} ${ZWSP}\u200C\u2060\uFEFF`,
  `${RLO}${PDF}\u2066\u2069\u200E\u200F\u061C`,
  "\u00AD\u3164\u115F",
];
const BIDI_OR_ZERO_WIDTH = /[\u202A-\u202E\u2066-\u2069\u200E\u200F\u061C\u200B\u200C\u2060\uFEFF]/;

const logForm = logIncidentForm(["service_failure"], () => NOW);
const parseLog = (overrides: Parameters<typeof validLogForm>[0]) =>
  logForm.safeParse(
    readViewState(logFormState(validLogForm({ reportedAt: NOW.getTime() / 1000 - 60, ...overrides }))),
  );

function blockErrors(result: z.ZodSafeParseResult<unknown>, blocks: readonly string[]) {
  expect(result.success).toBe(false);
  return toBlockErrors(result.error!, blocks);
}

describe("text fields", () => {
  it("normaliseText drops NUL, bidi controls and zero-width characters, keeping emoji whole", () => {
    expect(normaliseText(`Invoice ${RLO}gnp.exe${PDF}\u0000`)).toBe("Invoice gnp.exe");
    expect(normaliseText("Queue 4 👨‍👩‍👧 🇬🇧 1️⃣")).toBe("Queue 4 👨‍👩‍👧 🇬🇧 1️⃣");
  });

  it.each(INVISIBLE_ONLY.map((t) => [t]))("a required field of only %j is refused as missing", (text) => {
    const result = requiredText("A title", 150).safeParse(text);
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toBe("A title is required.");
  });

  it.each(INVISIBLE_ONLY.map((t) => [t]))("an optional field of only %j counts as not given", (text) => {
    expect(optionalText("The workaround", 500).parse(text)).toBeUndefined();
  });

  it("counts the length after cleaning: invisible padding does not make a text too long", () => {
    expect(requiredText("A title", 10).parse(`${ZWSP.repeat(50)}Phones${RLO}`)).toBe("Phones");
  });

  it(
    "never lets a bidi control or zero-width character through a text field (property)",
    () => {
      const junk = fc.constantFrom(
        RLO,
        PDF,
        ZWSP,
        "\u2066",
        "\u2069",
        "\u200E",
        "\u200F",
        "\u061C",
        "\uFEFF",
        "\u2060",
      );
      const text = fc
        .array(fc.oneof(junk, fc.string({ unit: "binary", maxLength: 6 })), { maxLength: 12 })
        .map((p) => p.join(""));
      fc.assert(
        fc.property(text, (t) => {
          const required = requiredText("A note", 4_000).safeParse(t);
          const optional = optionalText("A note", 4_000).safeParse(t);
          if (required.success) expect(required.data).not.toMatch(BIDI_OR_ZERO_WIDTH);
          if (optional.success && optional.data) expect(optional.data).not.toMatch(BIDI_OR_ZERO_WIDTH);
          // Required and optional agree on what is blank.
          expect(required.success).toBe(optional.success && optional.data !== undefined);
          if (required.success) expect(required.data).toBe(cleanText(required.data));
        }),
        { numRuns: 1_000 },
      );
    },
    TIMEOUT,
  );
});

describe("every form drops bidi controls and zero-width characters", () => {
  it("the log-incident form: a right-to-left override is dropped from the title", () => {
    const result = parseLog({
      title: `Invoice ${RLO}gnp.exe${PDF} attached`,
      description: `${ZWSP}Opened it${ZWSP}`,
    });
    expect(result.data?.title).toBe("Invoice gnp.exe attached");
    expect(result.data?.description).toBe("Opened it");
  });

  it("the log-incident form: a title and description of zero-width spaces get field errors", () => {
    const errors = blockErrors(
      parseLog({ title: ZWSP.repeat(3), description: ZWSP }),
      Object.values(LOG_FIELDS),
    );
    expect(errors[LOG_FIELDS.title]).toBe("A title is required.");
    expect(errors[LOG_FIELDS.description]).toBe("A description is required.");
  });

  it("the log-incident form: an override reason of zero-width spaces is no reason", () => {
    const errors = blockErrors(
      parseLog({ priorityOverride: "P1", overrideReason: `${ZWSP}${RLO}` }),
      Object.values(LOG_FIELDS),
    );
    expect(errors[LOG_FIELDS.overrideReason]).toMatch(/why/);
  });

  it("the work forms", () => {
    const W = WORK_FIELDS;
    expect(ReopenForm.safeParse({ [W.reason]: ZWSP }).success).toBe(false);
    expect(ReopenForm.parse({ [W.reason]: `It came ${RLO}back` }).reason).toBe("It came back");
    expect(ResolveForm.safeParse({ [W.summary]: `${ZWSP}\u2060`, [W.closeCode]: "fixed" }).success).toBe(
      false,
    );
    expect(HoldForm.safeParse({ [W.holdReason]: "other", [W.holdNote]: ZWSP }).success).toBe(false);
    const update = updateForm(NOW).safeParse({
      [W.happening]: ZWSP,
      [W.customerImpact]: `Some ${RLO}calls drop`,
      [W.nextUpdate]: NOW.getTime() / 1000 + 1_800,
    });
    expect(update.success).toBe(false);
    const recategorise = recategoriseForm(["complaint"]).safeParse({
      [W.impact]: "low",
      [W.urgency]: "low",
      [W.priority]: "matrix",
      [W.type]: "complaint",
      [W.reason]: "\uFEFF\u200B",
    });
    expect(recategorise.success).toBe(false);
  });

  it("the floor forms", () => {
    const F = FLOOR_FIELDS;
    expect(AskForHelpForm.safeParse({ [F.helpRequest]: ZWSP }).success).toBe(false);
    expect(RecordImpactForm.safeParse({ [F.affectedQueue]: `${ZWSP}${RLO}` }).success).toBe(false);
    const brief = briefAgentsForm(NOW).parse({
      [F.affected]: `Queue ${RLO}4${PDF}`,
      [F.script]: "Apologise and take a number",
      [F.workaround]: ZWSP,
    });
    expect(brief).toMatchObject({ affected: "Queue 4", workaround: null });
  });

  it("the review form and its actions", () => {
    const R = REVIEW_FIELDS;
    const form = reviewForm(["third_party"], "2026-11-23");
    expect(form.safeParse({ [R.category]: "third_party", [R.rootCause]: ZWSP }).success).toBe(false);
    const parsed = form.parse({
      [R.category]: "third_party",
      [R.rootCause]: `Carrier ${RLO}trunk`,
      [R.actionText(0)]: ZWSP,
    });
    expect(parsed).toMatchObject({ rootCause: "Carrier trunk", actions: [] });
  });

  it("the reschedule form: no reason made of zero-width spaces, no year 9999", () => {
    const A = ACTION_FIELDS;
    const form = rescheduleForm(NOW, "Europe/London");
    expect(form.safeParse({ [A.dueOn]: "2026-12-01", [A.reason]: ZWSP }).success).toBe(false);
    const far = blockErrors(form.safeParse({ [A.dueOn]: "9999-12-31", [A.reason]: "Supplier late" }), [
      A.dueOn,
      A.reason,
    ]);
    expect(far[A.dueOn]).toMatch(/more than two years away/);
    expect(form.parse({ [A.dueOn]: "2027-06-01", [A.reason]: `Supplier ${RLO}late` })).toEqual({
      dueOn: "2027-06-01",
      reason: "Supplier late",
    });
  });
});
