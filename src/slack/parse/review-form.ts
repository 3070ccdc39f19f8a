import { z } from "zod";
import { actionDeadline } from "../../domain/action-due.js";
import { REVIEW_FIELDS as F, REVIEW_ACTION_ROWS, REVIEW_LIMITS } from "../../messages/ids.js";
import type { ReviewFormData } from "../../services/review.js";
import { optionalText, requiredText } from "./fields.js";

const ACTION_BLOCKS = Array.from({ length: REVIEW_ACTION_ROWS }, (_, i) => [
  F.actionText(i),
  F.actionOwner(i),
  F.actionDue(i),
]);

/** Every block id the form can put an error on, for `toBlockErrors`. */
export const REVIEW_BLOCKS: readonly string[] = [
  F.category,
  F.rootCause,
  F.factors,
  F.wentWell,
  F.wentBadly,
  ...ACTION_BLOCKS.flat(),
];

const DAY_MS = 86_400_000;
/** Further out than this is almost certainly a mistyped year. */
const MAX_DUE_DAYS = 2 * 366;

/**
 * The review form. `today` is the date (YYYY-MM-DD) in the policy's zone: an action due today
 * is fine, one due yesterday is a mistake. A row with some but not all of description, owner
 * and due date is an error on the missing field; an empty row is ignored.
 */
export function reviewForm(categoryKeys: readonly string[], today: string) {
  const rowShape = Object.fromEntries(
    ACTION_BLOCKS.flatMap(([text, owner, due]) => [
      [text, optionalText("The action", REVIEW_LIMITS.action)],
      [owner, z.string().optional()],
      [due, z.string().optional()],
    ]),
  );
  return z
    .object({
      [F.category]: z
        .string({ error: "Choose a root-cause category." })
        .refine(
          (c) => categoryKeys.includes(c),
          "That category is not in the policy any more: choose another.",
        ),
      [F.rootCause]: requiredText("The root cause", REVIEW_LIMITS.text),
      [F.factors]: optionalText("Contributing factors", REVIEW_LIMITS.text),
      [F.wentWell]: optionalText("What went well", REVIEW_LIMITS.text),
      [F.wentBadly]: optionalText("What did not go well", REVIEW_LIMITS.text),
      ...rowShape,
    })
    .superRefine((f, ctx) => {
      const values = f as Record<string, string | undefined>;
      for (const [text, owner, due] of ACTION_BLOCKS) {
        for (const issue of rowIssues(values[text!], values[owner!], values[due!], today)) {
          const block = { text, owner, due }[issue.field]!;
          ctx.addIssue({ code: "custom", path: [block], message: issue.message });
        }
      }
    })
    .transform((f): ReviewFormData => {
      const values = f as Record<string, string | undefined>;
      const actions = ACTION_BLOCKS.flatMap(([text, owner, due]) => {
        const description = values[text!];
        return description ? [{ description, ownerId: values[owner!]!, dueOn: values[due!]! }] : [];
      });
      return {
        category: values[F.category]!,
        rootCause: values[F.rootCause]!,
        contributingFactors: values[F.factors] ?? null,
        wentWell: values[F.wentWell] ?? null,
        wentBadly: values[F.wentBadly] ?? null,
        actions,
      };
    });
}

type RowField = "text" | "owner" | "due";

function rowIssues(
  text: string | undefined,
  owner: string | undefined,
  due: string | undefined,
  today: string,
): Array<{ field: RowField; message: string }> {
  if (!text && !owner && !due) return [];
  const issues: Array<{ field: RowField; message: string }> = [];
  if (!text)
    issues.push({ field: "text", message: "Say what is to be done, or clear this action's owner and date." });
  if (!owner) issues.push({ field: "owner", message: "Choose who owns this action." });
  if (!due) issues.push({ field: "due", message: "Choose when this action is due." });
  else if (actionDeadline(due, "UTC") === null) {
    issues.push({ field: "due", message: "That is not a date." });
  } else if (due < today) {
    issues.push({ field: "due", message: "The due date is in the past: choose today or later." });
  } else if (Date.parse(due) - Date.parse(today) > MAX_DUE_DAYS * DAY_MS) {
    issues.push({ field: "due", message: "The due date is more than two years away: check the year." });
  }
  return issues;
}
