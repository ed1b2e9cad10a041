import { describe, expect, it } from '@jest/globals';
import { readModels, recordIds, writeModels, type PrismaDataModel } from './prisma-operations.js';

const field = (name: string, type: string, kind = 'object') => ({ name, kind, type });
const datamodel: PrismaDataModel = {
  models: {
    User: { fields: [field('id', 'Int', 'scalar'), field('posts', 'Post'), field('profile', 'Profile')] },
    Post: { fields: [field('id', 'Int', 'scalar'), field('author', 'User'), field('comments', 'Comment')] },
    Comment: { fields: [field('id', 'Int', 'scalar'), field('post', 'Post')] },
    Profile: { fields: [field('id', 'Int', 'scalar'), field('user', 'User')] },
  },
};

describe('readModels', () => {
  it('finds relations included, selected (nested) and filtered through', () => {
    expect([...readModels(datamodel, 'User', { where: { id: 1 } })]).toEqual([]);
    expect([...readModels(datamodel, 'User', { include: { posts: { include: { comments: true } } } })].sort()).toEqual(['Comment', 'Post']);
    expect([...readModels(datamodel, 'User', { select: { profile: { select: { id: true } } } })]).toEqual(['Profile']);
    expect([...readModels(datamodel, 'Comment', { where: { OR: [{ post: { is: { author: { is: { id: 1 } } } } }] } })].sort()).toEqual(['Post', 'User']);
  });
});

describe('writeModels', () => {
  it('finds nested write targets and the relations of deleted rows', () => {
    expect([...writeModels(datamodel, 'User', 'update', { where: { id: 1 }, data: { name: 'x' } })]).toEqual([]);
    expect([...writeModels(datamodel, 'User', 'create', { data: { posts: { create: [{ title: 't', comments: { create: { text: 'c' } } }] } } })].sort()).toEqual(['Comment', 'Post']);
    expect([...writeModels(datamodel, 'Post', 'upsert', { where: { id: 1 }, create: { author: { connect: { id: 1 } } }, update: {} })]).toEqual(['User']);
    expect([...writeModels(datamodel, 'User', 'delete', { where: { id: 1 } })].sort()).toEqual(['Post', 'Profile']);
    expect([...writeModels(datamodel, 'User', 'update', { data: { posts: { deleteMany: {} } } })].sort()).toEqual(['Comment', 'Post', 'User']);
  });
});

describe('recordIds', () => {
  it('reads ids of a record, a list, and nothing of counts, bounded', () => {
    expect(recordIds({ id: 7 }, 'id', 10)).toEqual(['7']);
    expect(recordIds([{ id: 1 }, { id: 2 }, { id: 3 }], 'id', 2)).toEqual(['1', '2']);
    expect(recordIds({ count: 3 }, 'id', 10)).toEqual([]);
    expect(recordIds(null, 'id', 10)).toEqual([]);
  });
});
