/** The part of Prisma's runtime data model the query cache reads: each model's relation fields. */
export interface PrismaDataModel {
  models: Record<string, { fields: readonly { name: string; kind: string; type: string }[] }>;
}

/** Model operations whose result is cached. */
export const READ_OPERATIONS: ReadonlySet<string> = new Set(['findUnique', 'findUniqueOrThrow', 'findFirst', 'findFirstOrThrow', 'findMany', 'count', 'aggregate', 'groupBy']);

/** Model operations that change rows. */
export const WRITE_OPERATIONS: ReadonlySet<string> = new Set([
  'create', 'createMany', 'createManyAndReturn', 'update', 'updateMany', 'updateManyAndReturn', 'upsert', 'delete', 'deleteMany',
]);

const isObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Date);

/** Bounds the walk over arguments (they come from the application, but may be large). */
const MAX_DEPTH = 16;

/** The target model of each relation field of `model`. */
function relations(datamodel: PrismaDataModel, model: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const field of datamodel.models[model]?.fields ?? []) if (field.kind === 'object') out.set(field.name, field.type);
  return out;
}

/**
 * The models a read depends on besides its own: relations it includes or selects (nested), and
 * relations its filter walks (`where: { author: { name } }`, `some`, `every`, `none`).
 */
export function readModels(datamodel: PrismaDataModel, model: string, args: unknown, into = new Set<string>(), depth = 0): Set<string> {
  if (!isObject(args) || depth > MAX_DEPTH) return into;
  const rel = relations(datamodel, model);
  for (const key of ['include', 'select', 'where', 'orderBy'] as const) {
    const part = args[key];
    for (const item of Array.isArray(part) ? part : [part]) {
      if (!isObject(item)) continue;
      for (const [name, value] of Object.entries(item)) {
        const target = rel.get(name);
        if (target) {
          into.add(target);
          readModels(datamodel, target, isObject(value) ? value : {}, into, depth + 1);
          // Relation filters: { some | every | none | is | isNot: { ...where of target } }
          if (isObject(value)) for (const inner of Object.values(value)) readModels(datamodel, target, { where: inner }, into, depth + 1);
        } else if ((name === 'AND' || name === 'OR' || name === 'NOT') && key === 'where') {
          for (const sub of Array.isArray(value) ? value : [value]) readModels(datamodel, model, { where: sub }, into, depth + 1);
        }
      }
    }
  }
  return into;
}

/**
 * The models a write changes besides its own: the targets of nested writes (`create`,
 * `connect`, `update`, `delete`... under a relation field of `data`, `create` or `update`), and
 * for deletes the models holding a relation to it (rows removed or nulled by referential
 * actions the arguments do not show).
 */
export function writeModels(datamodel: PrismaDataModel, model: string, operation: string, args: unknown, into = new Set<string>(), depth = 0): Set<string> {
  if (depth > MAX_DEPTH) return into;
  const rel = relations(datamodel, model);
  if (operation === 'delete' || operation === 'deleteMany') for (const target of rel.values()) into.add(target);
  if (!isObject(args)) return into;
  for (const key of ['data', 'create', 'update'] as const) {
    const parts = args[key];
    for (const data of Array.isArray(parts) ? parts : [parts]) {
      if (!isObject(data)) continue;
      for (const [name, value] of Object.entries(data)) {
        const target = rel.get(name);
        if (!target || !isObject(value)) continue;
        into.add(target);
        for (const [nested, nestedArgs] of Object.entries(value)) {
          for (const one of Array.isArray(nestedArgs) ? nestedArgs : [nestedArgs]) {
            // `create: {...}` is the data itself; `update: { where, data }`, `upsert: { create, update }`.
            writeModels(datamodel, target, nested, nested === 'create' ? { data: one } : one, into, depth + 1);
          }
        }
      }
    }
  }
  return into;
}

/** The ids of the records a result holds (a record, an array of them, or `{ count }`). */
export function recordIds(result: unknown, idField: string, max: number): string[] {
  const records = Array.isArray(result) ? result : [result];
  const ids: string[] = [];
  for (const record of records) {
    if (ids.length >= max) break;
    const id = isObject(record) ? record[idField] : undefined;
    if (typeof id === 'string' || typeof id === 'number' || typeof id === 'bigint') ids.push(String(id));
  }
  return ids;
}
