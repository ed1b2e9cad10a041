/**
 * A small RFC 8941 List parser for the tests (independent of the library's serializer): it
 * throws on anything that is not a valid sf-list, so a header that parses is well-formed.
 */
export type BareItem = number | string | boolean | Buffer | { token: string };
export interface SfItem {
  value: BareItem;
  params: Record<string, BareItem>;
}

export function parseList(input: string): SfItem[] {
  const p = new Parser(input);
  p.skip(' ');
  const items: SfItem[] = [];
  while (!p.done()) {
    items.push(p.item());
    p.skip(' \t');
    if (p.done()) break;
    p.expect(',');
    p.skip(' \t');
    if (p.done()) throw new Error('trailing comma');
  }
  p.skip(' ');
  return items;
}

class Parser {
  private i = 0;
  constructor(private readonly s: string) {}
  done(): boolean {
    return this.i >= this.s.length;
  }
  skip(chars: string): void {
    while (!this.done() && chars.includes(this.s[this.i])) this.i++;
  }
  expect(ch: string): void {
    if (this.s[this.i] !== ch) throw new Error(`expected "${ch}" at ${this.i} in ${this.s}`);
    this.i++;
  }
  item(): SfItem {
    if (this.s[this.i] === '(') throw new Error('inner lists are not expected here');
    return { value: this.bare(), params: this.params() };
  }
  params(): Record<string, BareItem> {
    const params: Record<string, BareItem> = {};
    while (this.s[this.i] === ';') {
      this.i++;
      this.skip(' ');
      const key = this.key();
      let value: BareItem = true;
      if (this.s[this.i] === '=') {
        this.i++;
        value = this.bare();
      }
      params[key] = value;
    }
    return params;
  }
  key(): string {
    const m = /^[a-z*][a-z0-9_\-.*]*/.exec(this.s.slice(this.i));
    if (!m) throw new Error(`bad key at ${this.i}`);
    this.i += m[0].length;
    return m[0];
  }
  bare(): BareItem {
    const c = this.s[this.i];
    const rest = this.s.slice(this.i);
    if (c === '-' || (c >= '0' && c <= '9')) {
      const m = /^-?\d{1,15}(\.\d{1,3})?/.exec(rest);
      if (!m || (m[1] && m[0].replace('-', '').split('.')[0].length > 12)) throw new Error(`bad number at ${this.i}`);
      this.i += m[0].length;
      return Number(m[0]);
    }
    if (c === '"') {
      let out = '';
      this.i++;
      for (;;) {
        if (this.done()) throw new Error('unterminated string');
        const ch = this.s[this.i++];
        if (ch === '\\') {
          const next = this.s[this.i++];
          if (next !== '"' && next !== '\\') throw new Error('bad escape');
          out += next;
        } else if (ch === '"') return out;
        else if (ch < ' ' || ch > '~') throw new Error('bad string char');
        else out += ch;
      }
    }
    if (c === ':') {
      const m = /^:([A-Za-z0-9+/=]*):/.exec(rest);
      if (!m) throw new Error(`bad byte sequence at ${this.i}`);
      this.i += m[0].length;
      return Buffer.from(m[1], 'base64');
    }
    if (c === '?') {
      const m = /^\?[01]/.exec(rest);
      if (!m) throw new Error('bad boolean');
      this.i += 2;
      return m[0] === '?1';
    }
    const m = /^[A-Za-z*][\x21-\x7e]*/.exec(rest);
    if (!m) throw new Error(`bad item at ${this.i} in ${this.s}`);
    const token = m[0].split(/[;,]/)[0];
    this.i += token.length;
    return { token };
  }
}
