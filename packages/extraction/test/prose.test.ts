import { describe, expect, it } from "vitest";
import { extractFromPages } from "../src/index.ts";
import { column, textPage } from "./helpers.ts";

function extract(text: string, name: string, columns: ReturnType<typeof column>[], description?: string) {
  const page = textPage(text, "https://facts.example/page");
  const entity = description === undefined ? { key: { name } } : { key: { name }, description };
  return extractFromPages({ entity, columns, pages: [page] });
}

describe("prose facts", () => {
  it("reads a sentence that opens with a participle clause", () => {
    const cells = extract(
      "Tidewater Looms weaves sailcloth. Founded in 2004 by Nora Lind, the company is not listed on any stock exchange.",
      "Tidewater Looms",
      [column("founded_year", "number"), column("is_public", "boolean")],
    );
    expect(cells.founded_year!.value).toBe(2004);
    expect(cells.is_public!.value).toBe(false);
  });

  it("keeps a name followed by a comma as the subject", () => {
    const cells = extract(
      "Tidewater Looms weaves sailcloth. Fred Olsen, a rival weaver, was founded in 1950.",
      "Tidewater Looms",
      [column("founded_year", "number")],
    );
    expect(cells.founded_year!.value).toBeNull();
  });

  it("reads founding, location and staff from sentences about the entity", () => {
    const cells = extract(
      "Marlowe Instruments designs lab scales. The firm was established in 1998 and is based in Ghent, Belgium. It employs some two hundred engineers and staff.",
      "Marlowe Instruments",
      [
        column("founded_year", "number"),
        column("headquarters", "string"),
        column("employee_count", "number"),
      ],
    );
    expect(cells.founded_year!.value).toBe(1998);
    expect(cells.headquarters!.value).toBe("Ghent, Belgium");
    expect(cells.employee_count!.value).toBe(200);
    for (const cell of Object.values(cells)) {
      expect(cell.confidence).toBeLessThan(0.8);
      expect(cell.reason).toContain("sentence about the entity");
    }
  });

  it("ignores facts about another entity named on the page", () => {
    const cells = extract(
      "Copperline was set up in 2003 and is based in Oslo. It is privately owned.\n\nTarnwick was set up in 2011. Tarnwick is headquartered in Bergen.",
      "Tarnwick",
      [column("founded_year", "number"), column("headquarters", "string"), column("is_public", "boolean")],
    );
    expect(cells.founded_year!.value).toBe(2011);
    expect(cells.headquarters!.value).toBe("Bergen");
    expect(cells.is_public!.value).toBeNull();
  });

  it("handles negation in boolean statements", () => {
    const listed = extract("Halden Foods is listed on the Oslo Stock Exchange.", "Halden Foods", [
      column("is_public", "boolean"),
    ]);
    const unlisted = extract("Halden Foods is not a public company.", "Halden Foods", [
      column("is_public", "boolean"),
    ]);
    expect(listed.is_public!.value).toBe(true);
    expect(unlisted.is_public!.value).toBe(false);
  });

  it("reads money with scales and number words", () => {
    const cells = extract(
      "Vantor Bank reported revenue of $1.2 billion last year. Analysts valued the lender at four hundred million dollars.",
      "Vantor Bank",
      [column("annual_revenue_usd", "number"), column("valuation_usd", "number")],
    );
    expect(cells.annual_revenue_usd!.value).toBe(1_200_000_000);
    expect(cells.valuation_usd!.value).toBeNull();
  });

  it("does not invent values a page does not state", () => {
    const cells = extract(
      "Pemberly Studio makes board games and sells them in 14 countries. It raised $2 million in 2020.",
      "Pemberly Studio",
      [
        column("employee_count", "number"),
        column("annual_revenue_usd", "number"),
        column("ipo_date", "date"),
        column("ceo", "string"),
      ],
    );
    for (const cell of Object.values(cells)) expect(cell.value).toBeNull();
  });

  it("lowers confidence when one page states two values", () => {
    const cells = extract(
      "Ostwind Labs was founded in 2014. Its website says it was established in 2015.",
      "Ostwind Labs",
      [column("founded_year", "number")],
    );
    expect([2014, 2015]).toContain(cells.founded_year!.value);
    expect(cells.founded_year!.confidence).toBeLessThan(0.6);
    expect(cells.founded_year!.reason).toContain("the page also states");
  });
});
