export const COLUMN_TYPES = ["string", "number", "boolean", "date", "url", "email", "list"] as const;
export type CliColumnType = (typeof COLUMN_TYPES)[number];

export interface CliColumn {
  name: string;
  type: CliColumnType;
  description?: string;
  mode: "enrich" | "impute";
}

/**
 * Parses `--column NAME:TYPE[:DESCRIPTION]`. The description is everything after the second colon,
 * so it may itself contain colons. Throws an Error that quotes the argument and shows the form.
 */
export function parseColumnSpec(argument: string, imputed: ReadonlySet<string>): CliColumn {
  const first = argument.indexOf(":");
  const name = (first === -1 ? argument : argument.slice(0, first)).trim();
  const rest = first === -1 ? "" : argument.slice(first + 1);
  const second = rest.indexOf(":");
  const type = (second === -1 ? rest : rest.slice(0, second)).trim().toLowerCase();
  const description = second === -1 ? undefined : rest.slice(second + 1).trim() || undefined;
  if (name.length === 0) {
    throw new Error(
      `invalid --column ${JSON.stringify(argument)}: the name is empty; use NAME:TYPE[:DESCRIPTION]`,
    );
  }
  if (type.length === 0) {
    throw new Error(
      `invalid --column ${JSON.stringify(argument)}: the type is missing; use NAME:TYPE[:DESCRIPTION] with TYPE one of ${COLUMN_TYPES.join(", ")}`,
    );
  }
  if (!(COLUMN_TYPES as readonly string[]).includes(type)) {
    throw new Error(
      `invalid --column ${JSON.stringify(argument)}: unknown type ${JSON.stringify(type)}; use one of ${COLUMN_TYPES.join(", ")}`,
    );
  }
  return {
    name,
    type: type as CliColumnType,
    ...(description ? { description } : {}),
    mode: imputed.has(name) ? "impute" : "enrich",
  };
}
