import { Evaluator, Lexer, Parser, data } from '@actions/expressions';

// `${{ }}` for the workflow interpreter (interpreter.ts), evaluated by GitHub's own expression
// library, @actions/expressions (actions/languageservices): its lexer, parser, operators, coercions
// and functions (format, fromJSON, toJSON, startsWith, contains, join, …). What the library leaves to
// the runner is added here: the contexts of the moment, and the status functions, which depend on
// the results of the jobs or steps before.

/** Plain data a context holds: what JSON can say. */
export type Plain = string | number | boolean | null | Plain[] | { [key: string]: Plain };

/** The contexts an expression may read, as plain data (converted to the library's data on use). */
export type Contexts = Record<string, Plain>;

/** What the status functions answer at the place of the expression (a job's `if:` or a step's). */
export interface StatusFunctions {
  success(): boolean;
  failure(): boolean;
  cancelled(): boolean;
}

const CONTEXT_NAMES = ['github', 'env', 'inputs', 'needs', 'steps', 'secrets', 'vars', 'runner', 'job', 'jobs', 'strategy', 'matrix'];
const STATUS_FUNCTIONS = ['always', 'success', 'failure', 'cancelled'] as const;

function toData(value: Plain): data.ExpressionData {
  return JSON.parse(JSON.stringify(value ?? null), data.reviver) as data.ExpressionData;
}

/** The library's data back to plain data. */
export function toPlain(value: data.ExpressionData): Plain {
  switch (value.kind) {
    case data.Kind.String:
      return (value as data.StringData).value;
    case data.Kind.Boolean:
      return (value as data.BooleanData).value;
    case data.Kind.Number:
      return (value as data.NumberData).value;
    case data.Kind.Null:
      return null;
    case data.Kind.Array:
      return (value as data.Array).values().map(toPlain);
    default:
      return Object.fromEntries((value as data.Dictionary).pairs().map(({ key, value: v }) => [key, toPlain(v)]));
  }
}

/** The runner's string conversion: null is '', booleans 'true'/'false', numbers as numbers print, objects 'Object'. */
export function asString(value: Plain): string {
  return toData(value).coerceString();
}

/** GitHub's truthiness: false, 0, -0, '', null and NaN are falsy; everything else (arrays, objects) truthy. */
export function truthy(value: Plain): boolean {
  if (value === null || value === false || value === '' || value === 0) return false;
  if (typeof value === 'number' && Number.isNaN(value)) return false;
  return true;
}

/** Whether an expression calls a status function, which turns off the implicit `success() &&`. */
export function usesStatusFunction(expression: string): boolean {
  return /\b(always|success|failure|cancelled)\s*\(/i.test(expression.replace(/'(?:[^']|'')*'/g, "''"));
}

/** Evaluates one expression (the text between `${{` and `}}`, or a bare `if:`). */
export function evaluate(expression: string, contexts: Contexts, status?: StatusFunctions): Plain {
  const { tokens } = new Lexer(expression).lex();
  const statusInfo = STATUS_FUNCTIONS.map((name) => ({ name, minArgs: 0, maxArgs: 0 }));
  const parsed = new Parser(tokens, CONTEXT_NAMES, status ? statusInfo : []).parse();
  const functions = new Map(
    STATUS_FUNCTIONS.map((name) => [
      name,
      {
        name,
        minArgs: 0,
        maxArgs: 0,
        call: () => new data.BooleanData(name === 'always' ? true : status![name]()),
      },
    ]),
  );
  const dictionary = new data.Dictionary(...CONTEXT_NAMES.map((key) => ({ key, value: toData(contexts[key] ?? {}) })));
  try {
    return toPlain(new Evaluator(parsed, dictionary, functions).evaluate());
  } catch (error) {
    throw new Error(`cannot evaluate \${{ ${expression} }}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
}

/** The parts of a string with `${{ }}` in it: literal text and expressions, in order. */
export function splitTemplate(text: string): Array<{ literal: string } | { expression: string }> {
  const parts: Array<{ literal: string } | { expression: string }> = [];
  let at = 0;
  for (;;) {
    const start = text.indexOf('${{', at);
    if (start === -1) break;
    if (start > at) parts.push({ literal: text.slice(at, start) });
    // The closing `}}`, outside string literals ('…' with '' as the escaped quote).
    let i = start + 3;
    let inString = false;
    for (; i < text.length; i++) {
      if (text[i] === "'") inString = !inString;
      else if (!inString && text.startsWith('}}', i)) break;
    }
    if (i >= text.length) throw new Error(`unterminated \${{ in ${JSON.stringify(text)}`);
    parts.push({ expression: text.slice(start + 3, i).trim() });
    at = i + 2;
  }
  if (at < text.length) parts.push({ literal: text.slice(at) });
  return parts;
}

/**
 * A value of the workflow with its `${{ }}` evaluated, as the runner does: a string that is exactly
 * one expression keeps the expression's type (`${{ fromJSON(x) }}` is an array, `${{ a == b }}` a
 * boolean); a string with text around its expressions is text; mappings and sequences are
 * evaluated value by value; other scalars are kept.
 */
export function evaluateTemplate(value: unknown, contexts: Contexts): Plain {
  if (typeof value === 'string') {
    if (!value.includes('${{')) return value;
    const parts = splitTemplate(value);
    const only = parts.length === 1 ? parts[0]! : undefined;
    if (only && 'expression' in only) return evaluate(only.expression, contexts);
    return parts.map((part) => ('literal' in part ? part.literal : asString(evaluate(part.expression, contexts)))).join('');
  }
  if (Array.isArray(value)) return value.map((item) => evaluateTemplate(item, contexts));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, evaluateTemplate(item, contexts)]));
  }
  if (value === undefined) return null;
  return value as Plain;
}

/** An `if:` (with or without `${{ }}`), with `success() && (…)` implied when it calls no status function. */
export function evaluateCondition(condition: unknown, contexts: Contexts, status: StatusFunctions): boolean {
  if (condition === undefined || condition === null) return status.success();
  if (typeof condition === 'boolean') return status.success() && condition;
  let text = String(condition).trim();
  const parts = splitTemplate(text);
  if (parts.length === 1 && 'expression' in parts[0]!) text = parts[0].expression;
  else if (text.includes('${{')) throw new Error(`if: ${JSON.stringify(condition)} mixes text and \${{ }}; GitHub would treat it as a non-empty string (always true)`);
  const expression = usesStatusFunction(text) ? text : `success() && (${text})`;
  return truthy(evaluate(expression, contexts, status));
}
