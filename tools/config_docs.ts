/**
 * `deno task config:docs [--write]`: the README's configuration tables and the JSDoc of each
 * key of `ClientConfig` and `ProducerConfig`, written from the keys' declarations
 * (`CLIENT_SETTINGS`, `PRODUCER_SETTINGS`). Without `--write` it lists what is out of step
 * and exits 1 if anything is; `tests/tools/config_docs_test.ts` runs the same check.
 *
 * @module
 */
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import process from "node:process";
import { CLIENT_SETTINGS } from "../src/client/client_config.ts";
import type { Setting } from "../src/client/settings.ts";
import { PRODUCER_SETTINGS } from "../src/producer/producer_config.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

/** One table of declarations: where its README table and its interface live. */
interface Section {
  marker: string;
  settings: Record<string, Setting<unknown>>;
  source: string;
  interfaceName: string;
}

const SECTIONS: Section[] = [
  { marker: "client", settings: CLIENT_SETTINGS, source: "src/client/client_config.ts", interfaceName: "ClientConfig" },
  { marker: "producer", settings: PRODUCER_SETTINGS, source: "src/producer/producer_config.ts", interfaceName: "ProducerConfig" },
];

const javaName = (setting: Setting<unknown>) => /^[`(]/.test(setting.java) ? setting.java : `\`${setting.java}\``;

/** The README table of a section's keys, in declaration order. */
export function configTable(settings: Record<string, Setting<unknown>>): string {
  const cell = (text: string) => text.replaceAll("|", "\\|");
  const rows = [
    ["key", "Java name", "default", "meaning"],
    ...Object.entries(settings).map(([key, s]) => [`\`${key}\``, cell(javaName(s)), cell(s.shownDefault), cell(s.doc)]),
  ];
  // Padded as deno fmt pads a table, so that formatting the README leaves it as written.
  const widths = rows[0].map((_, column) => Math.max(3, ...rows.map((row) => [...row[column]].length)));
  const line = (row: string[]) => `| ${row.map((text, column) => text + " ".repeat(widths[column] - [...text].length)).join(" | ")} |`;
  return [line(rows[0]), `| ${widths.map((w) => "-".repeat(w)).join(" | ")} |`, ...rows.slice(1).map(line)].join("\n");
}

/** A key's JSDoc, wrapped as deno fmt leaves it, at `indent`. */
export function configJsDoc(setting: Setting<unknown>, indent = "  "): string {
  const text = `${javaName(setting)}: ${setting.doc} (default ${setting.shownDefault}).`;
  if (indent.length + text.length + 7 <= 140) return `${indent}/** ${text} */`;
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(" ")) {
    if (line.length > 0 && indent.length + 3 + line.length + 1 + word.length > 120) {
      lines.push(line);
      line = word;
    } else line = line.length === 0 ? word : `${line} ${word}`;
  }
  lines.push(line);
  return [`${indent}/**`, ...lines.map((l) => `${indent} * ${l}`), `${indent} */`].join("\n");
}

function markers(marker: string): [string, string] {
  return [`<!-- config:${marker} (written by deno task config:docs) -->`, `<!-- /config:${marker} -->`];
}

/** The README with each section's table written between its markers. */
export function writeReadme(readme: string): string {
  for (const section of SECTIONS) {
    const [open, close] = markers(section.marker);
    const start = readme.indexOf(open);
    const end = readme.indexOf(close);
    if (start < 0 || end < start) throw new Error(`README.md lacks the markers ${open} ... ${close}`);
    readme = `${readme.slice(0, start + open.length)}\n\n${configTable(section.settings)}\n\n${readme.slice(end)}`;
  }
  return readme;
}

/** The source with the JSDoc of each key of its config interface written from the declarations. */
export function writeInterfaceDocs(source: string, section: Section): string {
  const head = source.search(new RegExp(`export interface ${section.interfaceName}\\b[^{]*\\{`));
  if (head < 0) throw new Error(`${section.source} has no interface ${section.interfaceName}`);
  const bodyStart = source.indexOf("{", head) + 1;
  const bodyEnd = source.indexOf("\n}\n", bodyStart);
  const body = source.slice(bodyStart, bodyEnd).replace(
    /(?:\n[ \t]*\/\*\*[\s\S]*?\*\/)?\n([ \t]*)(\w+)(\??:)/g,
    (whole, indent: string, key: string, colon: string) => {
      const setting = section.settings[key];
      return setting === undefined ? whole : `\n${configJsDoc(setting, indent)}\n${indent}${key}${colon}`;
    },
  );
  return source.slice(0, bodyStart) + body + source.slice(bodyEnd);
}

/** What is out of step: the README's tables and the interfaces' JSDoc against the declarations. */
export function configDocsProblems(): string[] {
  const problems: string[] = [];
  const readme = readFileSync(join(root, "README.md"), "utf8");
  try {
    if (writeReadme(readme) !== readme) problems.push("README.md: a configuration table differs from the declarations");
  } catch (error) {
    problems.push(String(error));
  }
  for (const section of SECTIONS) {
    const source = readFileSync(join(root, section.source), "utf8");
    if (writeInterfaceDocs(source, section) !== source) {
      problems.push(`${section.source}: the JSDoc of ${section.interfaceName}'s keys differs from the declarations`);
    }
  }
  return problems;
}

if (import.meta.main) {
  if (process.argv.includes("--write")) {
    const path = join(root, "README.md");
    writeFileSync(path, writeReadme(readFileSync(path, "utf8")));
    for (const section of SECTIONS) {
      const source = join(root, section.source);
      writeFileSync(source, writeInterfaceDocs(readFileSync(source, "utf8"), section));
    }
  }
  const problems = configDocsProblems();
  for (const problem of problems) console.error(problem);
  if (problems.length > 0) {
    console.error("run `deno task config:docs --write`");
    process.exit(1);
  }
  console.log("the configuration docs match the declarations");
}
