import { describe, expect, it } from '@jest/globals';
import { RediskitArgumentError } from '../errors.js';
import { ChangeBatch } from './change-batch.js';
import { parseChange } from './change-payload.js';
import { changeTriggersSql } from './change-triggers.js';
import { defaultChangeTags } from './db-invalidation.settings.js';

const watched = new Set(['products']);

describe('parseChange', () => {
  it('keeps the three fields of a watched change', () => {
    expect(parseChange('{"t":"products","op":"update","id":"7","x":1}', watched)).toEqual({ table: 'products', op: 'update', id: '7' });
    expect(parseChange('{"t":"products","op":"delete","id":null}', watched)).toEqual({ table: 'products', op: 'delete' });
  });

  it('rejects what the triggers never send', () => {
    for (const payload of [undefined, 42, 'x', '[]', 'null', '{"t":"users","op":"update","id":"1"}', '{"t":"products","op":"truncate"}', '{"t":"products","op":"update","id":7}', `{"t":"products","op":"update","id":"${'9'.repeat(257)}"}`, 'x'.repeat(8001)]) {
      expect(parseChange(payload, watched)).toBeUndefined();
    }
  });
});

describe('ChangeBatch', () => {
  it('collects row tags and collapses to the table past the bound or on a change without id', () => {
    const batch = new ChangeBatch(2);
    batch.add({ table: 'a', op: 'update', id: '1' });
    batch.add({ table: 'a', op: 'update', id: '1' });
    batch.add({ table: 'b', op: 'insert', id: '1' });
    batch.add({ table: 'b', op: 'insert', id: '2' });
    batch.add({ table: 'b', op: 'insert', id: '3' });
    expect(batch.take(defaultChangeTags)).toEqual(['a', 'a:1', 'b']);
    expect(batch.size).toBe(0);
    batch.add({ table: 'a', op: 'delete' });
    batch.add({ table: 'a', op: 'delete', id: '4' });
    expect(batch.take(defaultChangeTags)).toEqual(['a']);
  });
});

describe('changeTriggersSql', () => {
  it('accepts plain and schema-qualified tables and refuses anything that could escape into SQL', () => {
    expect(changeTriggersSql({ tables: ['products', { table: 'shop.orders', key: 'order_id' }] })).toContain("EXECUTE FUNCTION rediskit_notify_rediskit_changes('order_id')");
    for (const table of ['Products', 'a;drop table x', 'a.b.c', '"x"', '', 'x'.repeat(64)]) expect(() => changeTriggersSql({ tables: [table] })).toThrow(RediskitArgumentError);
    expect(() => changeTriggersSql({ tables: [{ table: 'a', key: "id'" }] })).toThrow(RediskitArgumentError);
    expect(() => changeTriggersSql({ tables: ['a'], channel: 'Bad-Channel' })).toThrow(RediskitArgumentError);
  });
});

describe('databaseInvalidation options', () => {
  it('are validated at boot, every bad field listed', async () => {
    const { validateModuleOptions } = await import('../redis-module.validation.js');
    const { RediskitConfigError } = await import('../errors.js');
    let problems: string[] = [];
    try {
      validateModuleOptions({ connection: { url: 'redis://x:6379' }, databaseInvalidation: { connect: 'pg', tables: ['ok', 'Bad;'], channel: 'Up', lease: 0, maxIdsPerTable: 0, tags: [] } as never });
    } catch (e) {
      expect(e).toBeInstanceOf(RediskitConfigError);
      problems = (e as InstanceType<typeof RediskitConfigError>).problems;
    }
    for (const field of ['connect', 'tables', 'channel', 'lease', 'maxIdsPerTable', 'tags']) expect(problems).toEqual(expect.arrayContaining([expect.stringMatching(new RegExp(`^databaseInvalidation.${field}`))]));
    expect(() => validateModuleOptions({ connection: { url: 'redis://x:6379' }, databaseInvalidation: { connect: () => ({}) as never, tables: ['products', { table: 'shop.orders', key: 'order_id' }] } })).not.toThrow();
  });
});

describe('docs/database-invalidation.md', () => {
  it('shows the SQL changeTriggersSql generates', async () => {
    const { readFileSync } = await import('node:fs');
    const page = readFileSync(new URL('../../../../docs/database-invalidation.md', import.meta.url), 'utf8');
    const shown = /```sql\n([\s\S]*?)```/.exec(page)?.[1];
    expect(shown).toBe(changeTriggersSql({ tables: ['products'] }));
  });
});
