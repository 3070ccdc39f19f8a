import type { Socket } from "node:net";
import { simpleParser } from "mailparser";
import { SMTPServer, type SMTPServerAddress, type SMTPServerSession } from "smtp-server";

/**
 * A real SMTP server on 127.0.0.1 for tests: records every mail it accepts, refuses what
 * `reject` says to refuse, and can go down and come back on the same port.
 */

export type SmtpStage = "mail" | "rcpt" | "data";

export interface SmtpReply {
  /** 4xx (try later) or 5xx (never). */
  code: number;
  message: string;
}

export interface SmtpServerOptions {
  /**
   * Called at MAIL FROM (with the sender), at RCPT TO (with each recipient) and after DATA
   * (with the sender, the whole envelope in `envelope`); a reply refuses that step.
   */
  reject?: (stage: SmtpStage, address: string, envelope: { from: string; to: string[] }) => SmtpReply | null;
  /**
   * How long to wait, after a mail is recorded, before answering 250 (a number for every mail,
   * or chosen per mail). A client that dies meanwhile never learns the mail was accepted.
   */
  holdAnswerMs?: number | ((mail: ReceivedMail) => number);
}

export interface ReceivedMail {
  /** As the client addressed it (MAIL FROM / RCPT TO). */
  envelope: { from: string; to: string[] };
  /** The Message-ID header as sent, angle brackets included; null when missing. */
  messageId: string | null;
  /** The From header's address and display name. */
  from: string;
  fromName: string;
  /** The To header's addresses. */
  to: string[];
  subject: string;
  text: string;
  html: string;
  raw: string;
}

export interface TestSmtpServer {
  port: number;
  /** `smtp://127.0.0.1:<port>`. */
  url: string;
  /** Every accepted mail, in order; each is recorded before the server answers 250. */
  mails: ReceivedMail[];
  /**
   * Down: connections are cut and the port refuses new ones, as if the server had stopped.
   * Up: listening again on the same port.
   */
  setDown(down: boolean): Promise<void>;
  close(): Promise<void>;
}

function refusal(reply: SmtpReply): Error {
  return Object.assign(new Error(reply.message), { responseCode: reply.code });
}

const envelopeOf = (session: SMTPServerSession) => ({
  from: session.envelope.mailFrom ? session.envelope.mailFrom.address : "",
  to: session.envelope.rcptTo.map((a) => a.address),
});

const headerLine = (raw: string, name: string): string | null => {
  const head = raw.split(/\r?\n\r?\n/, 1)[0] ?? "";
  const match = new RegExp(`^${name}:[ \\t]*(.*(?:\\r?\\n[ \\t].*)*)`, "im").exec(head);
  return match ? match[1]!.replace(/\r?\n[ \t]+/g, " ").trim() : null;
};

export async function startSmtpServer(options: SmtpServerOptions = {}): Promise<TestSmtpServer> {
  const mails: ReceivedMail[] = [];
  const sockets = new Set<Socket>();
  const check = (stage: SmtpStage, address: string, session: SMTPServerSession) => {
    const env = envelopeOf(session);
    if (stage === "rcpt") env.to.push(address);
    const reply = options.reject?.(stage, address, env) ?? null;
    return reply ? refusal(reply) : null;
  };

  const server = new SMTPServer({
    // Plain SMTP without login: the tests are about delivery, not TLS or credentials.
    disabledCommands: ["AUTH", "STARTTLS"],
    authOptional: true,
    logger: false,
    onMailFrom(address: SMTPServerAddress, session, callback) {
      callback(check("mail", address.address, session) ?? undefined);
    },
    onRcptTo(address: SMTPServerAddress, session, callback) {
      callback(check("rcpt", address.address, session) ?? undefined);
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("error", callback);
      stream.on("end", () => {
        const envelope = envelopeOf(session);
        const refused = check("data", envelope.from, session);
        if (refused) return callback(refused);
        const raw = Buffer.concat(chunks).toString("utf8");
        simpleParser(raw).then(
          (parsed) => {
            const mail: ReceivedMail = {
              envelope,
              messageId: headerLine(raw, "Message-ID"),
              from: parsed.from?.value[0]?.address ?? "",
              fromName: parsed.from?.value[0]?.name ?? "",
              to: [parsed.to ?? []].flat().flatMap((a) => a.value.map((v) => v.address ?? "")),
              subject: parsed.subject ?? "",
              text: parsed.text ?? "",
              html: typeof parsed.html === "string" ? parsed.html : "",
              raw,
            };
            mails.push(mail);
            const hold =
              typeof options.holdAnswerMs === "function"
                ? options.holdAnswerMs(mail)
                : (options.holdAnswerMs ?? 0);
            if (hold > 0) setTimeout(() => callback(), hold);
            else callback();
          },
          (err: Error) => callback(err),
        );
      });
    },
  });
  server.on("error", () => {
    // A client cut off by setDown shows up here; the test sees the outcome at the client.
  });
  // Kept so that going down can cut live connections (a pooled client would keep using them).
  server.server.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });

  const listen = (port: number) =>
    new Promise<number>((resolve, reject) => {
      server.server.once("error", reject);
      server.server.listen(port, "127.0.0.1", () => {
        server.server.off("error", reject);
        const address = server.server.address();
        resolve(typeof address === "object" && address ? address.port : port);
      });
    });
  const stopListening = () =>
    new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      if (!server.server.listening) return resolve();
      server.server.close(() => resolve());
    });

  const port = await listen(0);
  return {
    port,
    url: `smtp://127.0.0.1:${port}`,
    mails,
    async setDown(down) {
      if (down) await stopListening();
      else if (!server.server.listening) await listen(port);
    },
    close: stopListening,
  };
}
