import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import { getLocation, parseTree, printParseErrorCode, type Node, type ParseError } from 'jsonc-parser';
import { isConfigObject, keyPath, setOwn, type ConfigObject, type ConfigValue } from './config-merge.js';
import { isSecretName, showValue } from './config-redact.js';

/**
 * Validation of configuration layers against the JSON Schema that ships in `configs/`.
 *
 * Every problem is collected (never only the first) and placed where the user fixes it: a file's
 * line and column (1-based; columns count UTF-16 code units, as editors do; a BOM is not counted),
 * the environment variable a value came from, or the code defaults.
 */

/** Where a problem is: a place in a file, a whole file, an environment variable or the code defaults. */
export type IssuePlace =
  | { kind: 'file'; file: string; line?: number | undefined; column?: number | undefined; offset?: number | undefined }
  | { kind: 'env'; variable: string }
  | { kind: 'default' };

export interface ConfigIssue {
  place: IssuePlace;
  /** Dotted key path (`logging.level`); empty for the document as a whole. */
  key: string;
  /** What is wrong and what would be right; never a secret's value. */
  message: string;
}

/** `configs/synapse_prod.json:3:14`, `configs/synapse.json`, `env LOG_LEVEL` or `default`. */
export function issueWhere(place: IssuePlace): string {
  switch (place.kind) {
    case 'file':
      return place.line === undefined ? place.file : `${place.file}:${place.line}:${place.column ?? 1}`;
    case 'env':
      return `env ${place.variable}`;
    case 'default':
      return 'default';
  }
}

/** One line: `configs/synapse_prod.json:3:14: logging.level: "VERBOSE" is not one of DEBUG, INFO, WARNING, ERROR`. */
export function formatConfigIssue(issue: ConfigIssue): string {
  return `${issueWhere(issue.place)}: ${issue.key ? `${issue.key}: ` : ''}${issue.message}`;
}

// ---------------------------------------------------------------------------------------------
// Parsing with positions

export interface ParsedConfigFile {
  file: string;
  /** The text parsed: the file's, without a leading BOM. */
  text: string;
  tree: Node | undefined;
  /** undefined when the text is not valid JSON: such a file contributes nothing. */
  value: ConfigValue | undefined;
  /** Syntax errors and duplicate keys. */
  issues: ConfigIssue[];
}

/** Offsets → 1-based line and column; CRLF, LF and a lone CR each end a line. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let start = 0;
  const end = Math.min(offset, text.length);
  for (let i = 0; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === 10 /* \n */ || (c === 13 /* \r */ && text.charCodeAt(i + 1) !== 10)) {
      line++;
      start = i + 1;
    }
  }
  // An offset on the \n of a CRLF is still on the line of its \r.
  return { line, column: offset - start + 1 };
}

function filePlace(parsed: Pick<ParsedConfigFile, 'file' | 'text'>, offset: number): IssuePlace {
  return { kind: 'file', file: parsed.file, offset, ...lineColumn(parsed.text, offset) };
}

const syntaxMessages: Record<string, string> = {
  InvalidSymbol: 'unexpected character',
  InvalidNumberFormat: 'malformed number',
  PropertyNameExpected: 'expected a key in double quotes (JSON allows no trailing comma)',
  ValueExpected: 'expected a value',
  ColonExpected: 'expected ":" after the key',
  CommaExpected: 'expected "," between entries',
  CloseBraceExpected: 'expected "}" to close the object',
  CloseBracketExpected: 'expected "]" to close the array',
  EndOfFileExpected: 'expected the end of the file after the top-level value',
  InvalidCommentToken: 'comments are not allowed in JSON',
  UnexpectedEndOfComment: 'unterminated comment',
  UnexpectedEndOfString: 'unterminated string',
  UnexpectedEndOfNumber: 'unterminated number',
  InvalidUnicode: 'invalid \\u escape',
  InvalidEscapeCharacter: 'invalid escape character',
  InvalidCharacter: 'control character in a string (escape it)',
};

function found(text: string, offset: number): string {
  if (offset >= text.length) return 'found the end of the file';
  const c = text.codePointAt(offset)!;
  return `found ${c < 0x20 || c === 0x7f ? `U+${c.toString(16).toUpperCase().padStart(4, '0')}` : JSON.stringify(String.fromCodePoint(c))}`;
}

function syntaxIssue(parsed: Pick<ParsedConfigFile, 'file' | 'text'>, error: ParseError): ConfigIssue {
  const code = printParseErrorCode(error.error);
  const path = getLocation(parsed.text, error.offset).path.filter((s): s is string => typeof s === 'string' && s !== '');
  return {
    place: filePlace(parsed, error.offset),
    key: keyPath(path),
    message: `invalid JSON: ${syntaxMessages[code] ?? code}, ${found(parsed.text, error.offset)}`,
  };
}

/** The node's value; with duplicate keys the last one wins, as in JSON.parse. */
function nodeValue(node: Node): ConfigValue {
  switch (node.type) {
    case 'object': {
      const out: ConfigObject = {};
      for (const property of node.children ?? []) {
        const [key, value] = property.children ?? [];
        if (key && value) setOwn(out, String(key.value), nodeValue(value));
      }
      return out;
    }
    case 'array':
      return (node.children ?? []).map(nodeValue);
    default:
      return node.value as ConfigValue;
  }
}

function duplicateKeys(parsed: Pick<ParsedConfigFile, 'file' | 'text'>, node: Node, path: string[], issues: ConfigIssue[]): void {
  if (node.type === 'object') {
    const seen = new Map<string, Node>();
    for (const property of node.children ?? []) {
      const [key, value] = property.children ?? [];
      if (!key) continue;
      const name = String(key.value);
      const first = seen.get(name);
      if (first) {
        const at = lineColumn(parsed.text, first.offset);
        issues.push({
          place: filePlace(parsed, key.offset),
          key: keyPath([...path, name]),
          message: `duplicate key (first at line ${at.line}, column ${at.column}); keep one`,
        });
      } else {
        seen.set(name, key);
      }
      if (value) duplicateKeys(parsed, value, [...path, name], issues);
    }
  } else if (node.type === 'array') {
    (node.children ?? []).forEach((child, i) => duplicateKeys(parsed, child, [...path, String(i)], issues));
  }
}

/** Parses strict JSON (no comments, no trailing commas), keeping every node's position. */
export function parseConfigFile(file: string, rawText: string): ParsedConfigFile {
  const text = rawText.startsWith('\uFEFF') ? rawText.slice(1) : rawText;
  const errors: ParseError[] = [];
  const tree = parseTree(text, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
  // After an error the parser recovers and often trips again on the same line over what it skipped
  // ('single quotes' gives four): keep the first error of each line.
  const seenLines = new Set<number>();
  const issues = errors
    .filter((e) => {
      const { line } = lineColumn(text, e.offset);
      if (seenLines.has(line)) return false;
      seenLines.add(line);
      return true;
    })
    .map((e) => syntaxIssue({ file, text }, e));
  if (tree) duplicateKeys({ file, text }, tree, [], issues);
  const value = errors.length === 0 && tree ? nodeValue(tree) : undefined;
  return { file, text, tree, value, issues: sortConfigIssues(issues) };
}

/** The node of the value at `segments` (the last of duplicate keys), or the deepest ancestor found. */
function nodeAt(tree: Node, segments: readonly string[]): { node: Node; property?: Node; complete: boolean } {
  let node = tree;
  let property: Node | undefined;
  for (const segment of segments) {
    let next: Node | undefined;
    if (node.type === 'object') {
      for (const p of node.children ?? []) {
        if (p.children?.[0]?.value === segment) {
          property = p;
          next = p.children[1];
        }
      }
    } else if (node.type === 'array' && /^\d+$/.test(segment)) {
      next = node.children?.[Number(segment)];
      property = undefined;
    }
    if (!next) return { node, complete: false };
    node = next;
  }
  return property ? { node, property, complete: true } : { node, complete: true };
}

// ---------------------------------------------------------------------------------------------
// Schema

export interface ConfigSchema {
  schema: Record<string, unknown>;
  validate: ValidateFunction;
}

/** Compiles a draft 2020-12 schema; throws an Error whose message says what is wrong with it. */
export function compileConfigSchema(schema: unknown): ConfigSchema {
  if (!isConfigObject(schema)) throw new Error('a JSON Schema must be an object');
  const ajv = new Ajv2020({ allErrors: true, verbose: true, strict: true, logger: false });
  try {
    return { schema, validate: ajv.compile(schema) };
  } catch (error) {
    throw new Error(`not a valid JSON Schema (draft 2020-12): ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** The subschema that describes `segments`, following `properties` and local `$ref`s; undefined for an unknown key. */
export function subschemaAt(schema: Record<string, unknown>, segments: readonly string[]): Record<string, unknown> | undefined {
  const deref = (s: unknown): Record<string, unknown> | undefined => {
    for (let hops = 0; isConfigObject(s) && typeof s.$ref === 'string' && hops < 16; hops++) {
      if (!s.$ref.startsWith('#/')) return undefined;
      let target: unknown = schema;
      for (const part of s.$ref.slice(2).split('/')) {
        const name = part.replaceAll('~1', '/').replaceAll('~0', '~');
        target = isConfigObject(target) && Object.hasOwn(target, name) ? target[name] : undefined;
      }
      s = target;
    }
    return isConfigObject(s) ? s : undefined;
  };
  let current = deref(schema);
  for (const segment of segments) {
    const properties = current?.properties;
    if (!isConfigObject(properties) || !Object.hasOwn(properties, segment)) return undefined;
    current = deref(properties[segment]);
  }
  return current;
}

// ---------------------------------------------------------------------------------------------
// Validation

/** What is validated: a parsed file (positions from its tree), a variable's value, or the defaults. */
export type ValidationTarget =
  | { kind: 'file'; parsed: ParsedConfigFile }
  | { kind: 'env'; variable: string; value: ConfigObject }
  | { kind: 'default'; value: ConfigObject };

function pointerSegments(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replaceAll('~1', '/').replaceAll('~0', '~'));
}

function article(type: string): string {
  return `${/^[aeiou]/.test(type) ? 'an' : 'a'} ${type}`;
}

function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

function described(value: unknown, secret: boolean): string {
  if (isConfigObject(value) || Array.isArray(value)) return article(jsonType(value));
  if (value === null) return 'null';
  return `${showValue(value, secret)} (${article(jsonType(value))})`;
}

function list(values: readonly unknown[]): string {
  return values.map((v) => (typeof v === 'string' ? v : JSON.stringify(v))).join(', ');
}

interface Described {
  segments: string[];
  /** Place the problem at the key itself (an unknown key), not at its value. */
  atKey: boolean;
  message: string;
}

function describeError(error: ErrorObject): Described {
  const segments = pointerSegments(error.instancePath);
  const secret = segments.some(isSecretName);
  const data: unknown = error.data;
  const params = error.params as Record<string, unknown>;
  const parent = error.parentSchema as Record<string, unknown> | undefined;
  switch (error.keyword) {
    case 'additionalProperties': {
      const name = String(params.additionalProperty);
      const allowed = isConfigObject(parent?.properties) ? Object.keys(parent.properties).filter((k) => k !== '$schema') : [];
      return {
        segments: [...segments, name],
        atKey: true,
        message: allowed.length ? `unknown key; expected one of ${allowed.join(', ')}` : 'unknown key; this object takes no keys',
      };
    }
    case 'required':
      return { segments, atKey: false, message: `missing required key ${JSON.stringify(params.missingProperty)}` };
    case 'type': {
      const expected = Array.isArray(params.type) ? params.type.map(String).map(article).join(' or ') : article(String(params.type));
      return { segments, atKey: false, message: `expected ${expected}, got ${described(data, secret)}` };
    }
    case 'enum':
    case 'const': {
      const allowed = error.keyword === 'enum' ? (params.allowedValues as unknown[]) : [params.allowedValue];
      return { segments, atKey: false, message: `${showValue(data, secret)} is not one of ${list(allowed)}` };
    }
    case 'minimum':
    case 'exclusiveMinimum':
      return { segments, atKey: false, message: `${showValue(data, secret)} is below the ${error.keyword === 'minimum' ? 'minimum' : 'exclusive minimum'} ${String(params.limit)}` };
    case 'maximum':
    case 'exclusiveMaximum':
      return { segments, atKey: false, message: `${showValue(data, secret)} is above the ${error.keyword === 'maximum' ? 'maximum' : 'exclusive maximum'} ${String(params.limit)}` };
    case 'minLength':
      return { segments, atKey: false, message: params.limit === 1 ? 'must not be empty' : `must be at least ${String(params.limit)} characters long` };
    case 'pattern': {
      // The description says what the pattern means: "An absolute path inside the container."
      const description = typeof parent?.description === 'string' ? parent.description.replace(/\.$/, '') : '';
      const what = description ? `is not ${description.charAt(0).toLowerCase()}${description.slice(1)} (pattern ${String(params.pattern)})` : `does not match the pattern ${String(params.pattern)}`;
      return { segments, atKey: false, message: `${showValue(data, secret)} ${what}` };
    }
    default:
      return { segments, atKey: false, message: error.message ?? error.keyword };
  }
}

/** In the order of the text for issues of one file (stable otherwise). */
export function sortConfigIssues(issues: readonly ConfigIssue[]): ConfigIssue[] {
  const offset = (i: ConfigIssue) => (i.place.kind === 'file' ? (i.place.offset ?? -1) : -1);
  return issues.map((issue, i) => ({ issue, i })).sort((a, b) => offset(a.issue) - offset(b.issue) || a.i - b.i).map(({ issue }) => issue);
}

/**
 * Validates one layer on its own: every key of a file is optional (code defaults fill the rest),
 * so each problem belongs to exactly one layer and is reported where that layer can be fixed.
 */
export function validateConfigLayer(schema: ConfigSchema, target: ValidationTarget): ConfigIssue[] {
  const value = target.kind === 'file' ? target.parsed.value : target.value;
  if (value === undefined) return [];
  if (schema.validate(value)) return [];
  const described = (schema.validate.errors ?? []).map(describeError);
  // A value of the wrong type fails every other keyword too: report only the type.
  const wrongType = new Set(
    (schema.validate.errors ?? []).filter((e) => e.keyword === 'type').map((e) => e.instancePath),
  );
  const kept = described.filter((d, i) => {
    const error = schema.validate.errors![i]!;
    return error.keyword === 'type' || !wrongType.has(error.instancePath) || d.atKey;
  });
  const issues = kept.map((d): ConfigIssue => {
    const key = keyPath(d.segments);
    switch (target.kind) {
      case 'env':
        return { place: { kind: 'env', variable: target.variable }, key, message: d.message };
      case 'default':
        return { place: { kind: 'default' }, key, message: d.message };
      case 'file': {
        const tree = target.parsed.tree!;
        const found = nodeAt(tree, d.segments);
        const node = d.atKey && found.complete && found.property?.children?.[0] ? found.property.children[0] : found.node;
        return { place: filePlace(target.parsed, node.offset), key, message: d.message };
      }
    }
  });
  // ajv may report one problem through two paths (e.g. a $ref); keep each line once.
  const seen = new Set<string>();
  return sortConfigIssues(issues).filter((i) => {
    const line = formatConfigIssue(i);
    if (seen.has(line)) return false;
    seen.add(line);
    return true;
  });
}
