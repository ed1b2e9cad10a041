import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { RediskitArgumentError } from '../errors.js';
import { Keyspace } from '../keyspace/keyspace.js';
import { PubSubChannels } from './pubsub.channels.js';

describe('PubSubChannels', () => {
  const names = new PubSubChannels(new Keyspace({ prefix: 'shop', env: 'test' }));

  it('namespaces application channels, users and broadcast apart', () => {
    expect(names.channel('orders')).toBe('shop:test:pubsub:c:orders');
    expect(names.channel('orders:eu')).toBe('shop:test:pubsub:c:orders%3Aeu');
    expect(names.user(42)).toBe('shop:test:pubsub:u:{42}');
    expect(names.inboxKeys(42)).toEqual({ stream: 'shop:test:pubsub:inbox:{42}', cursor: 'shop:test:pubsub:inbox:{42}:ack' });
    expect(names.broadcast).toBe('shop:test:pubsub:broadcast');
  });

  it('reads every channel back to what the application used', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), (name) => {
        expect(names.parse(names.channel(name))).toEqual({ kind: 'channel', channel: name });
        expect(names.parse(names.user(name))).toEqual({ kind: 'user', channel: name });
      }),
    );
    expect(names.parse(names.broadcast)).toEqual({ kind: 'broadcast', channel: '' });
    expect(names.parse('someone:else')).toBeUndefined();
  });

  it('keeps * and ? as globs in patterns and encodes everything else', () => {
    expect(names.pattern('orders.*')).toBe('shop:test:pubsub:c:orders.*');
    expect(names.pattern('a:?:[x]')).toBe('shop:test:pubsub:c:a%3A?%3A%5Bx%5D');
  });

  it('a channel name cannot escape into a user channel or widen a pattern', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), (name) => {
        const channel = names.channel(name);
        expect(channel.startsWith('shop:test:pubsub:c:')).toBe(true);
        expect(channel.slice('shop:test:pubsub:c:'.length)).not.toMatch(/[:*?[\]{}]/);
      }),
    );
  });

  it('rejects empty names with a typed error naming the argument', () => {
    expect(() => names.channel('')).toThrow(RediskitArgumentError);
    expect(() => names.channel('')).toThrow(/^channel /);
    expect(() => names.pattern('')).toThrow(/^pattern /);
    expect(() => names.user('')).toThrow(/^userId /);
  });
});
