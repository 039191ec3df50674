import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseDocument } from 'yaml';
import { actionParserErrors } from './parser.js';
import { isMapping } from './workflow.js';

// An action.yml as the runner and the Marketplace need it: valid for GitHub's action schema
// (@actions/workflow-parser), a name and a description, `runs.using: node24` with `runs.main` a
// file that exists (the committed bundle), and a description for every input and output.

export const ACTION_RUNTIME = 'node24';

const text = (value: unknown): boolean => typeof value === 'string' && value.trim().length > 0;

/**
 * The problems of one action.yml, each naming the file (`file`, relative to `root`) and what is wrong;
 * empty for a good one.
 */
export function checkActionManifest(root: string, file: string, source: string): string[] {
  const problems: string[] = [];
  const doc = parseDocument(source, { prettyErrors: false });
  if (doc.errors.length > 0) return doc.errors.map((error) => `${file}: YAML: ${error.message}`);
  problems.push(...actionParserErrors(file, source).map(({ line, message }) => `${file}${line === undefined ? '' : `:${line}`}: @actions/workflow-parser: ${message}`));
  const manifest: unknown = doc.toJS();
  if (!isMapping(manifest)) return [...problems, `${file}: not a mapping`];
  if (!text(manifest.name)) problems.push(`${file}: no \`name:\``);
  if (!text(manifest.description)) problems.push(`${file}: no \`description:\``);
  const runs = manifest.runs;
  if (!isMapping(runs)) {
    problems.push(`${file}: no \`runs:\``);
  } else {
    if (runs.using !== ACTION_RUNTIME) problems.push(`${file}: \`runs.using\` is ${JSON.stringify(runs.using)}, not \`${ACTION_RUNTIME}\``);
    if (!text(runs.main)) {
      problems.push(`${file}: no \`runs.main\``);
    } else {
      const main = join(root, dirname(file), String(runs.main));
      if (!existsSync(main) || !statSync(main).isFile()) problems.push(`${file}: \`runs.main\` ${String(runs.main)} is not a file (${main})`);
    }
  }
  for (const section of ['inputs', 'outputs'] as const) {
    const entries = manifest[section];
    if (entries === undefined || entries === null) continue;
    if (!isMapping(entries)) {
      problems.push(`${file}: \`${section}:\` is not a mapping`);
      continue;
    }
    for (const [name, spec] of Object.entries(entries)) {
      if (!isMapping(spec) || !text(spec.description)) problems.push(`${file}: ${section}.${name} has no description`);
    }
  }
  return problems;
}
