import { registerHooks } from 'node:module';

// @actions/workflow-parser, GitHub's own parser and schema for workflows and action.yml files.
//
// Its dist/ imports its JSON schemas without `with { type: 'json' }`, which Node's ESM loader refuses
// (ERR_IMPORT_ATTRIBUTE_MISSING, actions/languageservices#387). vitest hands node_modules to Node as
// they are, so an in-process load hook adds the attribute for that package's own .json files, and
// only then is the package imported. Nothing else is touched.

const hookInstalled = Symbol.for('release-flow.workflow-parser-json-hook');
const registry = globalThis as { [hookInstalled]?: boolean };
if (!registry[hookInstalled]) {
  registry[hookInstalled] = true;
  registerHooks({
    load(url, context, nextLoad) {
      if (url.includes('/@actions/workflow-parser/') && url.endsWith('.json') && context.importAttributes.type === undefined) {
        return nextLoad(url, { ...context, importAttributes: { ...context.importAttributes, type: 'json' } });
      }
      return nextLoad(url, context);
    },
  });
}

const workflows = await import('@actions/workflow-parser');
const actions = await import('@actions/workflow-parser/actions/index');

export interface ParserError {
  /** 1-based, when the parser knows it. */
  line?: number;
  message: string;
}

interface ValidationError {
  rawMessage: string;
  message: string;
  range?: { start: { line: number } } | undefined;
}

/** The parser's diagnostics, each once; `message` without the `<file> (Line: L, Col: C)` prefix. */
function errorsOf(context: { errors: { getErrors(): ValidationError[] } }): ParserError[] {
  const seen = new Set<string>();
  return context.errors.getErrors().flatMap((error) => {
    if (seen.has(error.message)) return [];
    seen.add(error.message);
    const line = error.range?.start.line ?? /\(Line: (\d+), Col: \d+\)/.exec(error.message)?.[1];
    return [{ ...(line === undefined ? {} : { line: Number(line) }), message: error.rawMessage }];
  });
}

/**
 * Parses a workflow with @actions/workflow-parser (schema validation, expression syntax and the
 * contexts each key allows), then converts it to its WorkflowTemplate (job graph, `needs`, events,
 * cron, reusable-workflow calls), and returns every error either step reports.
 */
export async function workflowParserErrors(file: string, content: string): Promise<ParserError[]> {
  const parsed = workflows.parseWorkflow({ name: file, content }, new workflows.NoOperationTraceWriter());
  if (parsed.value === undefined || parsed.context.errors.count > 0) return errorsOf(parsed.context);
  const template = await workflows.convertWorkflowTemplate(parsed.context, parsed.value);
  const errors = errorsOf(parsed.context);
  for (const { Message } of template.errors ?? []) if (!errors.some((error) => Message.endsWith(error.message))) errors.push({ message: Message });
  return errors;
}

/** Parses an action.yml with @actions/workflow-parser's action schema and returns its errors. */
export function actionParserErrors(file: string, content: string): ParserError[] {
  const parsed = actions.parseAction({ name: file, content }, new workflows.NoOperationTraceWriter());
  if (parsed.value === undefined && parsed.context.errors.count === 0) return [{ message: 'the action parser returned nothing' }];
  return errorsOf(parsed.context);
}
