/**
 * YAML text → plain values plus the line/column of every key and value.
 * Safe by construction: the `core` schema, no custom tags, no merge keys, no
 * `__proto__`/`constructor`/`prototype` keys, alias expansion bounded, and the values built by
 * hand as own data properties, so nothing in the file can reach `Object.prototype`.
 */
import { LineCounter, Scalar, isAlias, isMap, isPair, isScalar, isSeq, parse, parseDocument } from 'yaml';
import type { Document, Node as YamlNode } from 'yaml';
import type { ConfigIssue, ConfigPath } from './errors.js';
import { formatPath } from './errors.js';
import { interpolate } from './interpolate.js';
import type { ConfigEnv } from './interpolate.js';

/** Where a key and its value were written (1-based). */
export interface SourcePosition {
  line: number;
  column: number;
  keyLine?: number;
  keyColumn?: number;
}

/** Positions by path; look up with {@link positionOf}. */
export type PositionIndex = Map<string, SourcePosition>;

/** Output of {@link readYamlTree}. */
export interface YamlTree {
  /** The document as plain objects/arrays/scalars; `undefined` for an empty document. */
  value: unknown;
  positions: PositionIndex;
  /** Syntax and safety problems; when non-empty, `value` must not be used. */
  issues: ConfigIssue[];
}

/** Keys that could reach or shadow `Object.prototype` if ever assigned naively. */
export const FORBIDDEN_KEYS: readonly string[] = ['__proto__', 'constructor', 'prototype'];

const CORE_TAGS = new Set(['str', 'int', 'float', 'bool', 'null', 'map', 'seq'].map((t) => `tag:yaml.org,2002:${t}`));
const MAX_SYNTAX_ISSUES = 3;
/** Caps nodes built (aliases can multiply a small file: "billion laughs"). */
const MAX_NODES = 100_000;

/** Key for the position index. */
export function pathKey(path: ConfigPath): string {
  return JSON.stringify(path);
}

/**
 * Finds the position of `path`, or of its nearest ancestor that has one.
 * @param forKey prefer the key's position over the value's (for "unknown key" issues).
 */
export function positionOf(index: PositionIndex, path: ConfigPath, forKey = false): { line: number; column: number } {
  for (let n = path.length; n >= 0; n--) {
    const pos = index.get(pathKey(path.slice(0, n)));
    if (!pos) continue;
    // A missing key is reported at its parent's key (`fleep:`), not at the parent's first child.
    const useKey = forKey || n < path.length;
    if (useKey && pos.keyLine !== undefined) return { line: pos.keyLine, column: pos.keyColumn ?? 1 };
    return { line: pos.line, column: pos.column };
  }
  return { line: 1, column: 1 };
}

/**
 * Parses YAML and builds plain values, interpolating `${VAR}` in string scalars from `env`.
 * Never throws; every problem is returned as an issue.
 */
export function readYamlTree(text: string, options: { file: string; env: ConfigEnv }): YamlTree {
  const lines = new LineCounter();
  const doc = parseDocument(text, {
    lineCounter: lines,
    schema: 'core',
    merge: false,
    customTags: [],
    uniqueKeys: true,
    prettyErrors: false,
    keepSourceTokens: false,
  });
  const builder = new TreeBuilder(doc, lines, options.file, options.env);
  // Later syntax errors are usually echoes of the first; a wall of them hides the real one.
  for (const e of doc.errors.slice(0, MAX_SYNTAX_ISSUES)) builder.issueAt(e.pos[0], [], yamlMessage(e.message), syntaxHint(e.code));
  if (doc.errors.length > MAX_SYNTAX_ISSUES) {
    builder.issueAt(doc.errors[MAX_SYNTAX_ISSUES]?.pos[0], [], `${doc.errors.length - MAX_SYNTAX_ISSUES} more YAML syntax errors follow`, 'fix the first ones and run again');
  }
  if (doc.errors.length > 0) return { value: undefined, positions: builder.positions, issues: builder.issues };
  const root = doc.contents;
  const value = root === null ? undefined : builder.build(root as YamlNode, []);
  return { value, positions: builder.positions, issues: builder.issues };
}

class TreeBuilder {
  readonly positions: PositionIndex = new Map();
  readonly issues: ConfigIssue[] = [];
  private nodes = 0;
  private readonly active = new Set<YamlNode>();

  constructor(
    private readonly doc: Document,
    private readonly lines: LineCounter,
    private readonly file: string,
    private readonly env: ConfigEnv,
  ) {}

  issueAt(offset: number | undefined, path: ConfigPath, message: string, hint?: string): void {
    const pos = this.lines.linePos(offset ?? 0);
    this.issues.push({ file: this.file, line: pos.line, column: pos.col, path: formatPath(path), message, ...(hint ? { hint } : {}) });
  }

  build(node: YamlNode, path: ConfigPath, keyOffset?: number): unknown {
    if (++this.nodes > MAX_NODES) {
      if (this.nodes === MAX_NODES + 1) this.issueAt(node.range?.[0], path, `the document expands to more than ${MAX_NODES} values`, 'use fewer aliases (*name)');
      return undefined;
    }
    this.record(node.range?.[0] ?? keyOffset ?? 0, path, keyOffset);
    if (isAlias(node)) return this.buildAlias(node, path);
    if (this.active.has(node)) {
      this.issueAt(node.range?.[0], path, 'an alias refers to the value that contains it', 'remove the recursive alias');
      return undefined;
    }
    this.active.add(node);
    try {
      if (isMap(node)) return this.buildMap(node.items, path);
      if (isSeq(node)) return node.items.map((item, i) => (item === null ? null : this.build(item as YamlNode, [...path, i])));
      return this.buildScalar(node, path);
    } finally {
      this.active.delete(node);
    }
  }

  private record(offset: number, path: ConfigPath, keyOffset?: number): void {
    const pos = this.lines.linePos(offset);
    const entry: SourcePosition = { line: pos.line, column: pos.col };
    if (keyOffset !== undefined) {
      const k = this.lines.linePos(keyOffset);
      entry.keyLine = k.line;
      entry.keyColumn = k.col;
    }
    // An alias expands the anchored node at its own place: keep the first (outer) position.
    if (!this.positions.has(pathKey(path))) this.positions.set(pathKey(path), entry);
  }

  private buildAlias(node: YamlNode & { source: string; resolve(doc: Document): unknown }, path: ConfigPath): unknown {
    const target = node.resolve(this.doc) as YamlNode | undefined;
    if (!target) {
      this.issueAt(node.range?.[0], path, `unknown alias *${node.source}`, `define it first with &${node.source}`);
      return undefined;
    }
    return this.build(target, path);
  }

  private buildMap(items: unknown[], path: ConfigPath): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const pair of items) {
      if (!isPair(pair)) continue;
      const keyNode = pair.key as YamlNode | null;
      const keyOffset = keyNode?.range?.[0];
      if (keyNode !== null && !isScalar(keyNode)) {
        this.issueAt(keyOffset, path, 'complex (non-scalar) keys are not supported', 'use a plain string key');
        continue;
      }
      const key = keyNode === null || keyNode.value === null ? '' : String(keyNode.value);
      const childPath = [...path, key];
      if (key === '<<' && keyNode?.type === Scalar.PLAIN) {
        this.issueAt(keyOffset, childPath, 'YAML merge keys (<<) are not supported', 'write the keys out in full (or quote "<<" if you mean a key named <<)');
        continue;
      }
      if (FORBIDDEN_KEYS.includes(key)) {
        this.issueAt(keyOffset, childPath, `key '${key}' is not allowed (a reserved JavaScript name)`, 'rename or remove it');
        continue;
      }
      const value = pair.value === null ? null : this.build(pair.value as YamlNode, childPath, keyOffset);
      if (pair.value === null) this.record(keyOffset ?? 0, childPath, keyOffset);
      Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
    }
    return out;
  }

  private buildScalar(node: Scalar, path: ConfigPath): unknown {
    if (node.tag !== undefined && !CORE_TAGS.has(node.tag)) {
      this.issueAt(node.range?.[0], path, `tag ${node.tag.replace('tag:yaml.org,2002:', '!!')} is not allowed`, 'remove the tag; only plain YAML values are supported');
      return undefined;
    }
    const value: unknown = node.value;
    if (typeof value !== 'string') return value;
    const result = interpolate(value, this.env);
    if (!result.ok) {
      for (const p of result.problems) this.issueAt(node.range?.[0], path, p.message, p.hint);
      return undefined;
    }
    // `port: ${PORT}` should be a number, as if the value had been written there: re-resolve
    // unquoted, untagged interpolated scalars, but only to a scalar (never into a mapping).
    if (result.changed && node.type === Scalar.PLAIN && node.tag === undefined) return reresolve(result.value);
    return result.value;
  }
}

function reresolve(text: string): unknown {
  if (!/^[-+.\w]+$/.test(text)) return text;
  try {
    const v: unknown = parse(text, { schema: 'core' });
    return typeof v === 'number' || typeof v === 'boolean' || v === null ? v : text;
  } catch {
    return text;
  }
}

function yamlMessage(message: string): string {
  return `YAML syntax error: ${message.replace(/ at line \d+, column \d+:?[\s\S]*$/, '')}`;
}

function syntaxHint(code: string): string | undefined {
  switch (code) {
    case 'DUPLICATE_KEY':
      return 'remove one of the two entries';
    case 'MULTIPLE_DOCS':
      return 'keep a single document (remove the extra ---)';
    case 'TAB_AS_INDENT':
      return 'indent with spaces, not tabs';
    case 'UNEXPECTED_TOKEN':
    case 'MISSING_CHAR':
      return 'inside { } or [ ], quote values that contain ${...}, braces or commas';
    default:
      return undefined;
  }
}
