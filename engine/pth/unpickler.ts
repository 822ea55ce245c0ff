/**
 * A small pickle virtual machine (protocols 0-5, all opcodes except extension registry and out-of-band
 * buffers), enough for torch.save payloads. Python values map to JS as:
 *   None -> null, bool -> boolean, int -> number (bigint beyond 2^53), float -> number, str -> string,
 *   bytes/bytearray -> Uint8Array, list and tuple -> Array, dict -> Map, set/frozenset -> Set.
 * GLOBAL/STACK_GLOBAL ask `findClass(module, name)`; when it returns undefined the global stays an opaque
 * PyGlobal, and calling it (REDUCE/NEWOBJ/INST/OBJ) yields an opaque PyObject recording the arguments and
 * any BUILD state. Persistent ids go to `persistentLoad`.
 */

export class PyGlobal {
  constructor(readonly module: string, readonly name: string) {}
  toString(): string {
    return `${this.module}.${this.name}`;
  }
}

export class PyObject {
  state: unknown = undefined;
  constructor(readonly cls: unknown, readonly args: unknown[]) {}
}

export type PyCallable = (...args: any[]) => unknown;

export interface UnpicklerOptions {
  /** Resolve a global: return a JS function to make it callable, any other value to use it as is. */
  findClass?: (module: string, name: string) => unknown;
  persistentLoad?: (pid: unknown) => unknown;
}

const utf8 = new TextDecoder('utf-8');

export class Unpickler {
  /** Read position; after load() it points just past the STOP opcode. */
  pos: number;
  private readonly view: DataView;
  private stack: unknown[] = [];
  private marks: number[] = [];
  private memo = new Map<number, unknown>();

  constructor(private readonly data: Uint8Array, private readonly opts: UnpicklerOptions = {}, start = 0) {
    this.view = new DataView(data.buffer, data.byteOffset, data.byteLength);
    this.pos = start;
  }

  private need(n: number): void {
    if (this.pos + n > this.data.length) throw new Error(`pickle data truncated at byte ${this.pos} (needed ${n} more)`);
  }
  private u8(): number { this.need(1); return this.data[this.pos++]; }
  private u16(): number { this.need(2); const v = this.view.getUint16(this.pos, true); this.pos += 2; return v; }
  private i32(): number { this.need(4); const v = this.view.getInt32(this.pos, true); this.pos += 4; return v; }
  private u32(): number { this.need(4); const v = this.view.getUint32(this.pos, true); this.pos += 4; return v; }
  private u64(): number {
    this.need(8);
    const v = this.view.getBigUint64(this.pos, true);
    this.pos += 8;
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new Error(`pickle length field too large (${v})`);
    return Number(v);
  }
  private bytes(n: number): Uint8Array { this.need(n); const b = this.data.subarray(this.pos, this.pos + n); this.pos += n; return b; }
  private line(): string {
    const end = this.data.indexOf(0x0a, this.pos);
    if (end < 0) throw new Error(`pickle data truncated: no newline after byte ${this.pos}`);
    const s = Buffer.from(this.data.subarray(this.pos, end)).toString('latin1');
    this.pos = end + 1;
    return s;
  }

  private pop(): unknown {
    if (!this.stack.length) throw new Error(`pickle stack underflow at byte ${this.pos - 1}`);
    return this.stack.pop();
  }
  private top(): unknown {
    if (!this.stack.length) throw new Error(`pickle stack empty at byte ${this.pos - 1}`);
    return this.stack[this.stack.length - 1];
  }
  private popMark(): unknown[] {
    const m = this.marks.pop();
    if (m === undefined) throw new Error(`pickle MARK missing at byte ${this.pos - 1}`);
    return this.stack.splice(m);
  }
  private getMemo(i: number): unknown {
    if (!this.memo.has(i)) throw new Error(`pickle memo key ${i} missing`);
    return this.memo.get(i);
  }

  private global(module: string, name: string): unknown {
    const r = this.opts.findClass?.(module, name) ?? builtinGlobal(module, name);
    return r === undefined ? new PyGlobal(module, name) : r;
  }

  private call(fn: unknown, args: unknown[]): unknown {
    if (typeof fn === 'function') return (fn as PyCallable)(...args);
    return new PyObject(fn, args);
  }

  private build(obj: unknown, state: unknown): void {
    const setstate = (obj as { __setstate__?: unknown } | null)?.__setstate__;
    if (typeof setstate === 'function') setstate.call(obj, state);
    else if (obj instanceof PyObject) obj.state = state;
    else if (obj && typeof obj === 'object') {
      Object.defineProperty(obj, '__pystate__', { value: state, enumerable: false, configurable: true, writable: true });
    }
  }

  private setItems(dict: unknown, items: unknown[]): void {
    if (dict instanceof Map) for (let i = 0; i + 1 < items.length; i += 2) dict.set(items[i], items[i + 1]);
    else if (dict instanceof PyObject) {
      // dict subclass we do not know: keep the items on the opaque object
      const m = (dict.state instanceof Map ? dict.state : (dict.state = new Map())) as Map<unknown, unknown>;
      for (let i = 0; i + 1 < items.length; i += 2) m.set(items[i], items[i + 1]);
    } else throw new Error(`pickle SETITEM on a non-dict at byte ${this.pos - 1}`);
  }

  private appendItems(list: unknown, items: unknown[]): void {
    if (Array.isArray(list)) list.push(...items);
    else if (list instanceof PyObject) {
      const a = (Array.isArray(list.state) ? list.state : (list.state = [])) as unknown[];
      a.push(...items);
    } else throw new Error(`pickle APPEND on a non-list at byte ${this.pos - 1}`);
  }

  private long(b: Uint8Array): number | bigint {
    if (!b.length) return 0;
    let v = 0n;
    for (let i = b.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]);
    if (b[b.length - 1] & 0x80) v -= 1n << BigInt(8 * b.length);
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  }

  load(): unknown {
    const S = this.stack;
    for (;;) {
      const at = this.pos;
      const op = this.u8();
      switch (op) {
        case 0x80: { const v = this.u8(); if (v > 5) throw new Error(`unsupported pickle protocol ${v}`); break; } // PROTO
        case 0x95: this.u64(); break; // FRAME
        case 0x2e: { const r = this.pop(); return r; } // STOP
        case 0x28: this.marks.push(S.length); break; // MARK
        case 0x30: this.pop(); break; // POP
        case 0x31: this.popMark(); break; // POP_MARK
        case 0x32: S.push(this.top()); break; // DUP
        case 0x4e: S.push(null); break; // NONE
        case 0x88: S.push(true); break; // NEWTRUE
        case 0x89: S.push(false); break; // NEWFALSE
        case 0x4a: S.push(this.i32()); break; // BININT
        case 0x4b: S.push(this.u8()); break; // BININT1
        case 0x4d: S.push(this.u16()); break; // BININT2
        case 0x8a: S.push(this.long(this.bytes(this.u8()))); break; // LONG1
        case 0x8b: S.push(this.long(this.bytes(this.i32()))); break; // LONG4
        case 0x49: { // INT
          const s = this.line();
          S.push(s === '01' ? true : s === '00' ? false : this.parseInt(s));
          break;
        }
        case 0x4c: S.push(this.parseInt(this.line().replace(/L$/, ''))); break; // LONG
        case 0x46: S.push(parseFloat(this.line())); break; // FLOAT
        case 0x47: { this.need(8); S.push(this.view.getFloat64(this.pos, false)); this.pos += 8; break; } // BINFLOAT
        case 0x58: S.push(utf8.decode(this.bytes(this.u32()))); break; // BINUNICODE
        case 0x8c: S.push(utf8.decode(this.bytes(this.u8()))); break; // SHORT_BINUNICODE
        case 0x8d: S.push(utf8.decode(this.bytes(this.u64()))); break; // BINUNICODE8
        case 0x56: S.push(unescapeRawUnicode(this.line())); break; // UNICODE
        case 0x53: S.push(unquote(this.line())); break; // STRING
        case 0x54: S.push(Buffer.from(this.bytes(this.i32())).toString('latin1')); break; // BINSTRING
        case 0x55: S.push(Buffer.from(this.bytes(this.u8())).toString('latin1')); break; // SHORT_BINSTRING
        case 0x42: S.push(this.bytes(this.u32()).slice()); break; // BINBYTES
        case 0x43: S.push(this.bytes(this.u8()).slice()); break; // SHORT_BINBYTES
        case 0x8e: case 0x96: S.push(this.bytes(this.u64()).slice()); break; // BINBYTES8, BYTEARRAY8
        case 0x7d: S.push(new Map()); break; // EMPTY_DICT
        case 0x5d: S.push([]); break; // EMPTY_LIST
        case 0x29: S.push([]); break; // EMPTY_TUPLE
        case 0x8f: S.push(new Set()); break; // EMPTY_SET
        case 0x74: S.push(this.popMark()); break; // TUPLE
        case 0x85: S.push([this.pop()]); break; // TUPLE1
        case 0x86: { const b = this.pop(); const a = this.pop(); S.push([a, b]); break; } // TUPLE2
        case 0x87: { const c = this.pop(); const b = this.pop(); const a = this.pop(); S.push([a, b, c]); break; } // TUPLE3
        case 0x6c: S.push(this.popMark()); break; // LIST
        case 0x64: { const d = new Map(); this.setItems(d, this.popMark()); S.push(d); break; } // DICT
        case 0x91: S.push(new Set(this.popMark())); break; // FROZENSET
        case 0x90: { const items = this.popMark(); const s = this.top(); if (s instanceof Set) items.forEach((x) => s.add(x)); break; } // ADDITEMS
        case 0x61: { const v = this.pop(); this.appendItems(this.top(), [v]); break; } // APPEND
        case 0x65: { const items = this.popMark(); this.appendItems(this.top(), items); break; } // APPENDS
        case 0x73: { const v = this.pop(); const k = this.pop(); this.setItems(this.top(), [k, v]); break; } // SETITEM
        case 0x75: { const items = this.popMark(); this.setItems(this.top(), items); break; } // SETITEMS
        case 0x70: this.memo.set(this.parseInt(this.line()) as number, this.top()); break; // PUT
        case 0x71: this.memo.set(this.u8(), this.top()); break; // BINPUT
        case 0x72: this.memo.set(this.u32(), this.top()); break; // LONG_BINPUT
        case 0x94: this.memo.set(this.memo.size, this.top()); break; // MEMOIZE
        case 0x67: S.push(this.getMemo(this.parseInt(this.line()) as number)); break; // GET
        case 0x68: S.push(this.getMemo(this.u8())); break; // BINGET
        case 0x6a: S.push(this.getMemo(this.u32())); break; // LONG_BINGET
        case 0x63: { const m = this.line(); const n = this.line(); S.push(this.global(m, n)); break; } // GLOBAL
        case 0x93: { const n = this.pop(); const m = this.pop(); S.push(this.global(String(m), String(n))); break; } // STACK_GLOBAL
        case 0x52: { const args = this.pop(); const fn = this.pop(); S.push(this.call(fn, asArgs(args))); break; } // REDUCE
        case 0x81: { const args = this.pop(); const cls = this.pop(); S.push(new PyObject(cls, asArgs(args))); break; } // NEWOBJ
        case 0x92: { this.pop(); const args = this.pop(); const cls = this.pop(); S.push(new PyObject(cls, asArgs(args))); break; } // NEWOBJ_EX
        case 0x69: { const m = this.line(); const n = this.line(); S.push(this.call(this.global(m, n), this.popMark())); break; } // INST
        case 0x6f: { const items = this.popMark(); S.push(this.call(items[0], items.slice(1))); break; } // OBJ
        case 0x62: { const state = this.pop(); this.build(this.top(), state); break; } // BUILD
        case 0x51: { const pid = this.pop(); S.push(this.persistent(pid)); break; } // BINPERSID
        case 0x50: S.push(this.persistent(this.line())); break; // PERSID
        default:
          throw new Error(`unsupported pickle opcode 0x${op.toString(16).padStart(2, '0')} at byte ${at}`);
      }
    }
  }

  private persistent(pid: unknown): unknown {
    if (!this.opts.persistentLoad) throw new Error('pickle has a persistent id but no persistentLoad was given');
    return this.opts.persistentLoad(pid);
  }

  private parseInt(s: string): number | bigint {
    if (!/^[-+]?\d+$/.test(s.trim())) throw new Error(`bad integer "${s}" in pickle`);
    const v = BigInt(s.trim());
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  }
}

/** Globals every pickle may use for plain data: dicts, sets, bytes (protocol < 3 pickles bytes via _codecs). */
export function builtinGlobal(module: string, name: string): unknown {
  const mod = module === '__builtin__' ? 'builtins' : module;
  switch (`${mod}.${name}`) {
    case 'collections.OrderedDict':
    case 'builtins.dict':
      return (items?: unknown) => new Map(Array.isArray(items) ? (items as [unknown, unknown][]) : []);
    case 'builtins.set':
    case 'builtins.frozenset':
      return (items?: unknown[]) => new Set(items ?? []);
    case 'builtins.bytearray':
    case 'builtins.bytes':
      return (x?: unknown, enc?: string) =>
        typeof x === 'string' ? Uint8Array.from(Buffer.from(x, enc === 'latin1' || enc === 'latin-1' ? 'latin1' : 'utf8'))
          : x instanceof Uint8Array ? x.slice() : Uint8Array.from((x as number[]) ?? []);
    case '_codecs.encode':
      return (s: string, enc = 'utf-8') => Uint8Array.from(Buffer.from(s, /^latin-?1$/i.test(enc) ? 'latin1' : 'utf8'));
  }
  return undefined;
}

function asArgs(a: unknown): unknown[] {
  if (Array.isArray(a)) return a;
  throw new Error('pickle call arguments are not a tuple');
}

function unquote(s: string): string {
  const q = s[0];
  if ((q === "'" || q === '"') && s.endsWith(q)) s = s.slice(1, -1);
  return s.replace(/\\(x[0-9a-fA-F]{2}|[\\'"nrt])/g, (_, e: string) =>
    e[0] === 'x' ? String.fromCharCode(parseInt(e.slice(1), 16)) : ({ n: '\n', r: '\r', t: '\t' } as Record<string, string>)[e] ?? e);
}

function unescapeRawUnicode(s: string): string {
  return s.replace(/\\u([0-9a-fA-F]{4})|\\U([0-9a-fA-F]{8})/g, (_, a?: string, b?: string) =>
    String.fromCodePoint(parseInt((a ?? b) as string, 16)));
}

/** Convenience: unpickle a whole buffer. */
export function unpickle(data: Uint8Array, opts: UnpicklerOptions = {}): unknown {
  return new Unpickler(data, opts).load();
}
