/**
 * What walletctl needs of a method: its name, summary, params schema (plain JSON Schema),
 * positional order and param aliases. Both a method table entry and an entry of the generated
 * catalog (src/cli/generated/method-catalog.ts) have this shape.
 */

/** One method as walletctl builds a subcommand from it. */
export interface CliMethod {
  name: string;
  summary: string;
  scope: string;
  /** Param object schema (JSON Schema: `properties`, `required`). */
  params: object;
  positional?: readonly string[];
  aliases?: Readonly<Record<string, string>>;
  websocketOnly?: boolean;
}
