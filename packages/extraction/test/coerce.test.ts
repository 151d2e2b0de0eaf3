import { describe, expect, it } from "vitest";
import { coerceValue } from "../src/index.ts";

describe("coerceValue numbers", () => {
  const cases: [string, number, string | undefined][] = [
    ["1,200", 1200, undefined],
    ["5.1 billion", 5_100_000_000, undefined],
    ["$12.5 billion", 12_500_000_000, "currency USD"],
    ["$95m", 95_000_000, "currency USD"],
    ["€3 million", 3_000_000, "currency EUR"],
    ["three thousand four hundred", 3400, undefined],
    ["twenty-five", 25, undefined],
    ["a hundred", 100, undefined],
    ["about 3,400", 3400, "approximate"],
    ["more than 300", 300, "lower bound"],
    ["12%", 12, "percent"],
    ["-40", -40, undefined],
    ["Page count: 288", 288, undefined],
  ];
  it.each(cases)("reads %s", (raw, value, note) => {
    const result = coerceValue("number", raw);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value).toBe(value);
    if (note === undefined) expect(result.note).toBeUndefined();
    else expect(result.note).toContain(note);
  });

  const invalid: [string, string][] = [
    ["none", "no number"],
    ["200-260", "range"],
    ["3 offices and 240 staff", "2 numbers"],
  ];
  it.each(invalid)("rejects %s", (raw, reason) => {
    const result = coerceValue("number", raw);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toContain(reason);
  });
});

describe("coerceValue dates", () => {
  const cases: [string, string][] = [
    ["2010", "2010"],
    ["June 2010", "2010-06"],
    ["Sept. 2021", "2021-09"],
    ["March 3, 2011", "2011-03-03"],
    ["12 May 2015", "2015-05-12"],
    ["2022-11-30", "2022-11-30"],
    ["2015-07-24T05:36:09+01:00", "2015-07-24T05:36:09+01:00"],
    ["2015-07-24T05:36:09+0100", "2015-07-24T05:36:09+01:00"],
    ["Tuesday, 5 March 2019, 10:30 GMT", "2019-03-05T10:30:00Z"],
  ];
  it.each(cases)("reads %s at its precision", (raw, iso) => {
    expect(coerceValue("date", raw)).toEqual({ ok: true, value: iso });
  });

  it("notes an ambiguous day and month", () => {
    const result = coerceValue("date", "03/04/2011");
    expect(result).toMatchObject({ ok: true, value: "2011-03-04" });
    if (result.ok) expect(result.note).toContain("ambiguous");
  });

  const invalid: [string, string][] = [
    ["next Tuesday", "no year"],
    ["June 3", "no year"],
    ["2010-13-01", "month 13"],
    ["2011-02-30", "day 30"],
    ["soon", "no date"],
    ["", "empty"],
  ];
  it.each(invalid)("rejects %j", (raw, reason) => {
    const result = coerceValue("date", raw);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toContain(reason);
  });
});

describe("coerceValue booleans, urls, emails, lists, strings", () => {
  const booleans: [string, boolean][] = [
    ["Yes", true],
    ["no", false],
    ["TRUE", true],
    ["false", false],
    ["Yes (since 2019)", true],
  ];
  it.each(booleans)("reads boolean %s", (raw, value) => {
    expect(coerceValue("boolean", raw)).toEqual({ ok: true, value });
  });

  it("rejects a boolean that is not a yes/no word", () => {
    const result = coerceValue("boolean", "maybe");
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toContain("yes/no");
  });

  it("validates urls", () => {
    expect(coerceValue("url", "https://example.com/a?b=1")).toEqual({
      ok: true,
      value: "https://example.com/a?b=1",
    });
    expect(coerceValue("url", "www.example.com")).toEqual({
      ok: true,
      value: "https://www.example.com",
      note: "added https://",
    });
    expect(coerceValue("url", "javascript:alert(1)").ok).toBe(false);
    expect(coerceValue("url", "not a url").ok).toBe(false);
  });

  it("validates emails", () => {
    expect(coerceValue("email", "mailto:Sales@Example.com")).toEqual({
      ok: true,
      value: "sales@example.com",
    });
    const result = coerceValue("email", "sales at example");
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toContain("not an email");
  });

  it("splits lists on their strongest separator", () => {
    expect(coerceValue("list", "Ann Lee, Bo Park and Cy Moss")).toEqual({
      ok: true,
      value: ["Ann Lee", "Bo Park", "Cy Moss"],
    });
    expect(coerceValue("list", "red; green, light; blue")).toEqual({
      ok: true,
      value: ["red", "green, light", "blue"],
    });
  });

  it("trims strings and rejects punctuation only", () => {
    expect(coerceValue("string", '  "Harbor Lane Press" ')).toEqual({ ok: true, value: "Harbor Lane Press" });
    expect(coerceValue("string", " -- ").ok).toBe(false);
    expect(coerceValue("string", "   ")).toEqual({ ok: false, reason: "empty value" });
  });
});
