import { randomUUID } from "node:crypto";
import { createServer, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { createMailer, failureOutcome, type Mailer } from "../../../src/delivery/email.js";
import { type SmtpServerOptions, startSmtpServer, type TestSmtpServer } from "../../helpers/smtp.js";

const FROM = "Switchboard <switchboard@example.test>";

const opened: Array<{ mailer: Mailer; server: TestSmtpServer }> = [];

afterEach(async () => {
  for (const { mailer, server } of opened.splice(0)) {
    mailer.close();
    await server.close();
  }
});

async function setUp(options: SmtpServerOptions = {}) {
  const server = await startSmtpServer(options);
  // Short timeouts: a server that is down refuses at once, so these only bound a hang.
  const mailer = createMailer({ smtpUrl: server.url, from: FROM, timeoutMs: 10_000 });
  opened.push({ mailer, server });
  return { server, mailer };
}

const mail = (over: Partial<Parameters<Mailer["send"]>[0]> = {}) => ({
  messageId: `<${randomUUID()}@switchboard>`,
  to: ["exec1@example.test", "exec2@example.test"],
  subject: "[P1 · MAJOR] INC-000123 resolved: Payments line down",
  text: "Resolved by Sam Jones.\n",
  html: "<p>Resolved by Sam Jones.</p>",
  ...over,
});

describe("the SMTP mailer", () => {
  it("sends both parts to the recipients, from the sender, with the given Message-ID", async () => {
    const { server, mailer } = await setUp();
    const m = mail();
    const outcome = await mailer.send(m);
    expect(outcome).toMatchObject({ ok: true });
    expect(outcome.ok && outcome.detail).toMatch(/^accepted for 2 recipients/);
    expect(server.mails).toHaveLength(1);
    const got = server.mails[0]!;
    expect(got.messageId).toBe(m.messageId);
    expect(got.envelope).toEqual({ from: "switchboard@example.test", to: m.to });
    expect([got.fromName, got.from]).toEqual(["Switchboard", "switchboard@example.test"]);
    expect(got.to).toEqual(m.to);
    expect(got.subject).toBe(m.subject);
    expect(got.text.trim()).toBe("Resolved by Sam Jones.");
    expect(got.html).toContain("<p>Resolved by Sam Jones.</p>");
  });

  it("sends the same Message-ID when the same mail is sent again", async () => {
    const { server, mailer } = await setUp();
    const m = mail();
    expect((await mailer.send(m)).ok).toBe(true);
    expect((await mailer.send(m)).ok).toBe(true);
    expect(server.mails.map((x) => x.messageId)).toEqual([m.messageId, m.messageId]);
  });

  it("says to try again when the server answers 451 to a recipient", async () => {
    const { server, mailer } = await setUp({
      reject: (stage) => (stage === "rcpt" ? { code: 451, message: "Try again later" } : null),
    });
    const outcome = await mailer.send(mail());
    expect(outcome).toMatchObject({ ok: false, permanent: false });
    expect(!outcome.ok && outcome.error).toMatch(/^SMTP 451\b/);
    expect(server.mails).toHaveLength(0);
  });

  it("says to try again when the server answers 451 to the content", async () => {
    const { server, mailer } = await setUp({
      reject: (stage) => (stage === "data" ? { code: 451, message: "Queue full" } : null),
    });
    const outcome = await mailer.send(mail());
    expect(outcome).toMatchObject({ ok: false, permanent: false });
    expect(!outcome.ok && outcome.error).toMatch(/^SMTP 451 .*Queue full/);
    expect(server.mails).toHaveLength(0);
  });

  it("gives up when every recipient is refused with 550, naming the reply but not the content", async () => {
    const { mailer } = await setUp({
      reject: (stage) => (stage === "rcpt" ? { code: 550, message: "No such user" } : null),
    });
    const outcome = await mailer.send(mail({ text: "secret body text", html: "<p>secret body html</p>" }));
    expect(outcome).toMatchObject({ ok: false, permanent: true });
    expect(!outcome.ok && outcome.error).toMatch(/^SMTP 550 .*No such user/);
    expect(JSON.stringify(outcome)).not.toMatch(/secret body/);
  });

  it("gives up when the content is refused with 550", async () => {
    const { mailer } = await setUp({
      reject: (stage) => (stage === "data" ? { code: 550, message: "Message refused" } : null),
    });
    expect(await mailer.send(mail())).toMatchObject({ ok: false, permanent: true });
  });

  it("tries again when recipients are refused, some only for now", async () => {
    const { mailer } = await setUp({
      reject: (stage, address) =>
        stage !== "rcpt"
          ? null
          : address.startsWith("exec1")
            ? { code: 550, message: "No such user" }
            : { code: 452, message: "Mailbox busy" },
    });
    expect(await mailer.send(mail())).toMatchObject({ ok: false, permanent: false });
  });

  it("counts a mail as sent when only some recipients are refused, with their number", async () => {
    const { server, mailer } = await setUp({
      reject: (stage, address) =>
        stage === "rcpt" && address.startsWith("exec2") ? { code: 550, message: "No such user" } : null,
    });
    const outcome = await mailer.send(mail());
    expect(outcome).toMatchObject({ ok: true });
    expect(outcome.ok && outcome.detail).toMatch(/^accepted for 1 recipient; 1 of 2 recipients refused/);
    expect(server.mails.map((m) => m.envelope.to)).toEqual([["exec1@example.test"]]);
  });

  it("says to try again while the server is down, and delivers once it is back", async () => {
    const { server, mailer } = await setUp();
    expect((await mailer.send(mail())).ok).toBe(true);
    await server.setDown(true);
    const m = mail();
    const down = await mailer.send(m);
    expect(down).toMatchObject({ ok: false, permanent: false });
    await server.setDown(false);
    expect(await mailer.send(m)).toMatchObject({ ok: true });
    expect(server.mails.map((x) => x.messageId).at(-1)).toBe(m.messageId);
  });

  it("says to try again when nothing listens at the address", async () => {
    const server = await startSmtpServer();
    await server.close();
    const mailer = createMailer({ smtpUrl: server.url, from: FROM });
    try {
      const outcome = await mailer.send(mail());
      expect(outcome).toMatchObject({ ok: false, permanent: false });
      expect(!outcome.ok && outcome.error).toMatch(/ECONNREFUSED|ECONNECTION|ESOCKET/);
    } finally {
      mailer.close();
    }
  });

  it("says to try again when the server never greets", async () => {
    const sockets = new Set<Socket>();
    const silent = createServer((socket) => sockets.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const address = silent.address();
    const port = typeof address === "object" && address ? address.port : 0;
    const mailer = createMailer({ smtpUrl: `smtp://127.0.0.1:${port}`, from: FROM, timeoutMs: 200 });
    try {
      const outcome = await mailer.send(mail());
      expect(outcome).toMatchObject({ ok: false, permanent: false });
      expect(!outcome.ok && outcome.error).toMatch(/^ETIMEDOUT/);
    } finally {
      mailer.close();
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });
});

describe("failureOutcome", () => {
  it.each<[string, object, boolean, RegExp]>([
    [
      "a 421 reply",
      { code: "EPROTOCOL", response: "421 Closing", responseCode: 421 },
      false,
      /^SMTP 421 Closing$/,
    ],
    [
      "a 503 reply: wrong state, not a refusal",
      { response: "503 Bad sequence", responseCode: 503 },
      false,
      /^SMTP 503/,
    ],
    [
      "a 554 reply without nodemailer's verdict",
      { response: "554 Rejected", responseCode: 554 },
      true,
      /^SMTP 554/,
    ],
    [
      "a reset connection",
      { code: "ECONNECTION", message: "Connection closed unexpectedly" },
      false,
      /^ECONNECTION/,
    ],
    [
      "a DNS failure",
      { code: "EDNS", originalCode: "ENOTFOUND", message: "getaddrinfo" },
      false,
      /^EDNS \(ENOTFOUND\)/,
    ],
    [
      "an address nodemailer refuses",
      { code: "EENVELOPE", message: "Invalid recipient" },
      true,
      /^EENVELOPE/,
    ],
    ["missing credentials", { code: "ENOAUTH", message: "Missing credentials" }, true, /^ENOAUTH/],
    ["something thrown that is not an error", { toString: () => "odd" }, false, /^error: /],
  ])("%s", (_, err, permanent, error) => {
    const outcome = failureOutcome(err);
    expect(outcome).toMatchObject({ ok: false, permanent });
    expect(!outcome.ok && outcome.error).toMatch(error);
  });
});
