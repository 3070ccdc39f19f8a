import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { chooseLogFormat, createLogger, type LogFormat } from "../../../src/lib/logger.js";

function capture(format: LogFormat) {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { logger: createLogger("info", sink, format), lines };
}

describe("chooseLogFormat", () => {
  it("is readable at a terminal and JSON anywhere else", () => {
    expect(chooseLogFormat(undefined, true)).toBe("pretty");
    expect(chooseLogFormat(undefined, false)).toBe("json");
  });

  it("lets LOG_FORMAT force either", () => {
    expect(chooseLogFormat("json", true)).toBe("json");
    expect(chooseLogFormat("pretty", false)).toBe("pretty");
  });
});

describe("createLogger", () => {
  it("writes one JSON object per line in json mode", () => {
    const { logger, lines } = capture("json");
    logger.child({ component: "jobs.sla" }).warn({ incidentId: "inc_1" }, "sla breach escalated");
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] ?? "")).toMatchObject({
      level: 40,
      component: "jobs.sla",
      incidentId: "inc_1",
      msg: "sla breach escalated",
    });
  });

  it("writes a readable line in pretty mode: level, component, message and fields, no colour codes into a sink", () => {
    const { logger, lines } = capture("pretty");
    logger.child({ component: "jobs.sla" }).warn({ incidentId: "inc_1" }, "sla breach escalated");
    expect(lines).toHaveLength(1);
    const line = lines[0] ?? "";
    expect(line).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] WARN: \[jobs\.sla\] sla breach escalated /);
    expect(line).toContain('"incidentId":"inc_1"');
    expect(line).not.toContain("\u001b[");
    expect(line.endsWith("\n")).toBe(true);
  });

  it.each(["json", "pretty"] as const)(
    "redacts caller references, free text and tokens in %s mode",
    (format) => {
      const { logger, lines } = capture(format);
      logger.info(
        {
          callerReference: "ACC-12345",
          incident: { callerReference: "ACC-67890", description: "caller Jane Smith, 07700 900123" },
          token: "xoxb-secret",
          headers: { authorization: "Bearer secret-token" },
        },
        "incident logged",
      );
      const out = lines.join("");
      expect(out).toContain("[redacted]");
      for (const secret of ["ACC-12345", "ACC-67890", "Jane Smith", "07700", "xoxb-secret", "secret-token"]) {
        expect(out).not.toContain(secret);
      }
    },
  );
});
