/**
 * The shape of a JSON answer, field by field: every path with the JSON types seen there.
 * Lists of stream records are grouped by `mk_rec_type` (`stream[message:plain].posted_time`), since
 * two servers never send the same records in the same order; other lists merge their items
 * (`members[]`). Values are not compared — ids, times and texts differ between any two servers.
 */

/** JSON type names. */
export type JsonType = 'null' | 'boolean' | 'number' | 'string' | 'array' | 'object';

/** Path → the types seen at it. */
export type Shape = Map<string, Set<JsonType>>;

function typeOf(value: unknown): JsonType {
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) return 'array';
  switch (typeof value) {
    case 'boolean':
      return 'boolean';
    case 'number':
      return 'number';
    case 'string':
      return 'string';
    default:
      return 'object';
  }
}

function add(shape: Shape, path: string, type: JsonType): void {
  let types = shape.get(path);
  if (!types) shape.set(path, (types = new Set()));
  types.add(type);
}

/**
 * The element path of a list item: `[<mk_rec_type>]` for records — messages also by state
 * (`[message:pinned]`), since a pinned record rightly has fields a plain one lacks — and `[]`
 * for anything else.
 */
function itemPath(path: string, item: unknown): string {
  if (!item || typeof item !== 'object' || Array.isArray(item)) return `${path}[]`;
  const record = item as Record<string, unknown>;
  const recType = record['mk_rec_type'];
  if (typeof recType !== 'string') return `${path}[]`;
  const state = record['mk_message_state'];
  return recType === 'message' && typeof state === 'string' ? `${path}[message:${state.split(':').pop() ?? ''}]` : `${path}[${recType}]`;
}

/** Collects the shape of `value` (at most `maxDepth` deep). */
export function shapeOf(value: unknown, path = '', shape: Shape = new Map(), depth = 0): Shape {
  const type = typeOf(value);
  add(shape, path || '(body)', type);
  if (depth >= 12) return shape;
  if (type === 'array') {
    for (const item of value as unknown[]) shapeOf(item, itemPath(path, item), shape, depth + 1);
  } else if (type === 'object') {
    for (const [key, v] of Object.entries(value as Record<string, unknown>)) shapeOf(v, path ? `${path}.${key}` : key, shape, depth + 1);
  }
  return shape;
}

/** One field-level difference. */
export interface FieldDifference {
  path: string;
  /** Types in the recording (empty: the field is not there). */
  recorded: JsonType[];
  /** Types in the replay against the sandbox (empty: not there). */
  sandbox: JsonType[];
}

/**
 * Compares two shapes. A path inside a list group (`stream[label]…`) that only one side has at
 * all is not a field difference but a difference of what happened (one side's stream simply had
 * no label records): those groups are returned apart, as `unmatched`.
 */
export function compareShapes(recorded: Shape, sandbox: Shape): { differences: FieldDifference[]; unmatched: string[] } {
  const groups = (shape: Shape): Set<string> => new Set([...shape.keys()].filter((p) => p.endsWith(']')));
  const recordedGroups = groups(recorded);
  const sandboxGroups = groups(sandbox);
  const unmatched = new Set<string>();
  const groupOnlyOnOneSide = (path: string): string | undefined => {
    // The outermost list group the path is in that the other side does not have.
    for (let i = path.indexOf(']'); i !== -1; i = path.indexOf(']', i + 1)) {
      const group = path.slice(0, i + 1);
      if (recordedGroups.has(group) !== sandboxGroups.has(group)) return group;
    }
    return undefined;
  };
  const differences: FieldDifference[] = [];
  for (const path of new Set([...recorded.keys(), ...sandbox.keys()])) {
    const a = [...(recorded.get(path) ?? [])].sort();
    const b = [...(sandbox.get(path) ?? [])].sort();
    if (a.join() === b.join()) continue;
    const group = groupOnlyOnOneSide(path);
    if (group !== undefined) {
      unmatched.add(`${group} only in the ${recordedGroups.has(group) ? 'recording' : 'sandbox'}`);
      continue;
    }
    differences.push({ path, recorded: a, sandbox: b });
  }
  differences.sort((x, y) => (x.path < y.path ? -1 : x.path > y.path ? 1 : 0));
  return { differences, unmatched: [...unmatched].sort() };
}

/** `stream[message].pin_weight: recording number, sandbox null` and the like. */
export function describeDifference(d: FieldDifference): string {
  if (d.sandbox.length === 0) return `${d.path}: only in the recording (${d.recorded.join('|')})`;
  if (d.recorded.length === 0) return `${d.path}: only in the sandbox (${d.sandbox.join('|')})`;
  return `${d.path}: recording ${d.recorded.join('|')}, sandbox ${d.sandbox.join('|')}`;
}
