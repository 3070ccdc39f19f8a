import { mkdir } from "node:fs/promises";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PERSONAS } from "../../src/demo/workspace.js";
import {
  ESCALATION_TIMEOUT_MS,
  launchChromium,
  type Sandbox,
  SandboxPage,
  STEP_TIMEOUT_MS,
  startSandbox,
  watchErrors,
} from "../helpers/sandbox-browser.js";

/**
 * The demo's page in Chromium, against a demo of its own: what a visitor does, step by step,
 * with no console error or page error at any step. Pictures of each surface go to
 * test-results/screenshots/.
 */

const SHOTS = "test-results/screenshots";

let sandbox: Sandbox;
let browser: Browser;

beforeAll(async () => {
  await mkdir(SHOTS, { recursive: true });
  [sandbox, browser] = await Promise.all([startSandbox(), launchChromium()]);
});

afterAll(async () => {
  await browser?.close();
  await sandbox?.stop();
});

/** A page at 1280×800 whose console and page errors are collected, and a checker for them. */
async function newPage(viewport = { width: 1280, height: 800 }) {
  const page: Page = await browser.newPage({ viewport });
  const errors = watchErrors(page);
  const ui = new SandboxPage(page, sandbox.url);
  const clean = (step: string) => expect(errors, `console or page errors after: ${step}`).toEqual([]);
  return { page, ui, clean };
}

describe("the sandbox page", () => {
  it("logs a P1 from the message box and follows it to the team lead's Acknowledge", async () => {
    const { page, ui, clean } = await newPage();
    await ui.open(PERSONAS.agent.id);
    await ui.openChannel("agent-floor");
    clean("opening the agents' channel as the agent");

    // The Log form, from the message box, as a P1.
    await ui.type("/incident");
    await ui.fillLogForm({
      title: "Card payments failing at checkout",
      description: "Callers say card payments fail with error 502 since 09:40. <Nothing> & nobody is spared.",
      type: "Service failure",
      impact: "High",
      urgency: "High",
    });
    // Choosing urgency asks the bot (block_actions), which updates the view with the priority;
    // what was typed stays.
    await ui.modal.getByText("Priority from the matrix: P1").waitFor({ timeout: STEP_TIMEOUT_MS });
    expect(await ui.modal.getByLabel("Title").inputValue()).toBe("Card payments failing at checkout");
    await page.screenshot({ path: `${SHOTS}/log-form.png` });
    clean("filling the Log form");

    await ui.modal.getByRole("button", { name: "Log incident" }).click();
    await ui.modal.getByRole("heading", { name: "Incident logged" }).waitFor({ timeout: STEP_TIMEOUT_MS });
    await page.keyboard.press("Escape");
    await ui.modal.waitFor({ state: "detached", timeout: STEP_TIMEOUT_MS });
    clean("submitting the Log form");

    // The card, pinned in the new incident channel.
    await ui.openChannel(/^inc-000001-card-payments/);
    const card = page.locator("#messages .msg-pinned").filter({ hasText: "INC-000001 · P1" });
    await card.waitFor({ timeout: STEP_TIMEOUT_MS });
    await expect
      .poll(() => card.locator(".bk-field").allInnerTexts())
      .toEqual(
        expect.arrayContaining(["Status\nOpen", "Owner\nunassigned", `Reporter\n@${PERSONAS.agent.name}`]),
      );
    // What the caller typed is shown as text, never as markup.
    expect(await card.innerText()).toContain("<Nothing> & nobody is spared.");
    await ui.scrollToTop(card);
    await page.screenshot({ path: `${SHOTS}/card.png` });
    clean("opening the incident channel");

    // The announcement, in a stakeholder channel, seen by the stakeholder.
    await ui.actAs(PERSONAS.stakeholder);
    await ui.openChannel("client-updates");
    const announcement = ui.messages.filter({ hasText: "New P1 incident logged: INC-000001" });
    await announcement.waitFor({ timeout: STEP_TIMEOUT_MS });
    await page.screenshot({ path: `${SHOTS}/stakeholder-channel.png` });
    clean("reading the stakeholder channel as the stakeholder");

    // Nobody acknowledges: the team lead gets the escalation DM.
    await ui.actAs(PERSONAS.teamLead);
    await ui.channelEntry("Switchboard").waitFor({ timeout: ESCALATION_TIMEOUT_MS });
    await ui.openChannel("Switchboard");
    const dm = ui.messages.filter({ hasText: "Escalation level 1" });
    await dm.waitFor({ timeout: ESCALATION_TIMEOUT_MS });
    await page.screenshot({ path: `${SHOTS}/escalation-dm.png` });
    clean("opening the escalation DM as the team lead");

    await dm.getByRole("button", { name: "Acknowledge" }).click();
    await dm.getByText(`Acknowledged by @${PERSONAS.teamLead.name}`).waitFor({ timeout: STEP_TIMEOUT_MS });
    expect(await dm.getByRole("button", { name: "Acknowledge" }).count()).toBe(0);
    clean("pressing Acknowledge");

    // The card changes: acknowledged, and the team lead owns it.
    await ui.openChannel(/^inc-000001-card-payments/);
    await expect
      .poll(() => card.locator(".bk-field").allInnerTexts(), { timeout: STEP_TIMEOUT_MS })
      .toEqual(expect.arrayContaining(["Status\nAcknowledged", `Owner\n@${PERSONAS.teamLead.name}`]));
    expect(await card.innerText()).toContain("(edited)");
    await ui.scrollToTop(card);
    await page.screenshot({ path: `${SHOTS}/card-acknowledged.png` });
    clean("reading the changed card");

    // The team lead's Home tab lists it as theirs.
    await ui.openHome();
    const home = page.locator("#home");
    await home.getByText("Your open incidents").waitFor({ timeout: STEP_TIMEOUT_MS });
    await home
      .locator(".bk-section", { hasText: "INC-000001" })
      .first()
      .waitFor({ timeout: STEP_TIMEOUT_MS });
    await page.screenshot({ path: `${SHOTS}/home.png` });
    clean("opening the Home tab");
    await page.close();
  });

  it("shows ephemerals to their persona only, and logs a message through the shortcut", async () => {
    const { page, ui, clean } = await newPage();
    await ui.open(PERSONAS.secondAgent.id);
    await ui.openChannel("floor-support");

    await ui.type("/incident help");
    const help = page.locator("#messages .msg-ephemeral");
    await help.getByText("Only visible to you").waitFor({ timeout: STEP_TIMEOUT_MS });
    expect(await help.innerText()).toContain("/incident");
    clean("asking for help");

    // Nobody else sees it.
    await ui.actAs(PERSONAS.agent);
    await ui.openChannel("floor-support");
    expect(await page.locator("#messages .msg-ephemeral").count()).toBe(0);
    await ui.actAs(PERSONAS.secondAgent);
    await ui.openChannel("floor-support");
    await help.getByRole("button", { name: "Dismiss message" }).click();
    await help.waitFor({ state: "detached", timeout: STEP_TIMEOUT_MS });
    clean("dismissing the ephemeral");

    // A message, then "Log as incident" from its menu: the Log form opens from it.
    await ui.type("Caller says the IVR *loops* back to the main menu <again>");
    const message = ui.messages.filter({ hasText: "loops back to the main menu <again>" });
    await message.waitFor({ timeout: STEP_TIMEOUT_MS });
    expect(await message.locator("strong").innerText()).toBe("loops");
    await message.hover();
    await message.getByRole("button", { name: "More actions" }).click();
    await message.getByRole("menuitem", { name: /Log as incident/ }).click();
    await ui.modal.getByRole("heading", { name: "Log an incident" }).waitFor({ timeout: STEP_TIMEOUT_MS });
    clean("logging a message as an incident");

    // The bot's answer to a form it refuses shows next to the field it names.
    await ui.fillLogForm({
      title: "IVR loops to the main menu",
      description: "Callers choosing option 2 are sent back to the main menu.",
      type: "Telephony outage",
      impact: "Medium",
      urgency: "Medium",
    });
    await ui.modal.getByText("Priority from the matrix: P3").waitFor({ timeout: STEP_TIMEOUT_MS });
    await ui.modal.getByLabel("Override priority").selectOption("P2");
    await ui.modal.getByRole("button", { name: "Log incident" }).click();
    const reason = ui.modal.locator('.bk-input[data-block-id="override_reason"]');
    await reason
      .getByRole("alert")
      .filter({ hasText: "Say why the priority is overridden" })
      .waitFor({ timeout: STEP_TIMEOUT_MS });
    expect(await reason.getByRole("textbox").getAttribute("aria-invalid")).toBe("true");
    expect(await ui.modal.getByLabel("Title").inputValue()).toBe("IVR loops to the main menu");
    await page.screenshot({ path: `${SHOTS}/form-error.png` });
    clean("submitting a form the bot refuses");

    // Escape closes the modal.
    await page.keyboard.press("Escape");
    await ui.modal.waitFor({ state: "detached", timeout: STEP_TIMEOUT_MS });
    clean("closing the modal with Escape");
    await page.close();
  });

  it("is readable on a phone (the sidebar folds away) and remembers the persona", async () => {
    const { page, ui, clean } = await newPage({ width: 390, height: 844 });
    await ui.open(PERSONAS.dutyManager.id, "");
    const sidebar = page.locator("#sidebar");
    const inView = () => sidebar.evaluate((el) => el.getBoundingClientRect().right > 0);
    await expect.poll(inView).toBe(false);
    await page.getByRole("button", { name: "Show channels" }).click();
    await expect.poll(inView).toBe(true);
    await ui.openChannel("ops-managers");
    await expect.poll(inView, { timeout: STEP_TIMEOUT_MS }).toBe(false);
    await page.screenshot({ path: `${SHOTS}/phone.png` });
    clean("using the page at phone width");

    // The persona is remembered: the page opened again without ?as= is the duty manager's.
    await page.goto(sandbox.url);
    await page.locator(`body[data-as="${PERSONAS.dutyManager.id}"]`).waitFor({ timeout: STEP_TIMEOUT_MS });
    expect(new URL(page.url()).searchParams.get("as")).toBe(PERSONAS.dutyManager.id);
    clean("opening the page again");
    await page.close();
  });
});
