/**
 * A restricted Python unpickler: the binary opcodes of protocols 2 to 4 (what torch.save writes), and no global
 * but those a caller allows. Calling a global (REDUCE) calls the caller's TypeScript function for it, so loading a
 * pickle never runs anything the file names; any other global is refused by name, before anything is called.
 */
import { SrcacoError } from '../errors.js';

/** A global the caller allows: a name, and what calling it (REDUCE, NEWOBJ) returns, if it can be called. */
export interface PickleGlobal {
  readonly global: string;
  readonly call?: (args: readonly unknown[]) => unknown;
}

/** A Python dict (or OrderedDict), keys in insertion order. */
export class PickleDict {
  readonly entries = new Map<unknown, unknown>();
}

/** Python tuples are frozen arrays; lists are plain arrays. */
export const isTuple = (v: unknown): v is readonly unknown[] => Array.isArray(v) && Object.isFrozen(v);

export interface UnpickleOptions {
  /** The object a global `module.name` stands for, or undefined to refuse it. */
  global(name: string): PickleGlobal | undefined;
  /** The object a persistent id (BINPERSID) stands for. */
  persistentLoad?(pid: unknown): unknown;
  /** Why the allowed globals are allowed, said when another is refused. */
  allowedWhat: string;
  /** The file, for errors. */
  path?: string;
}

const decoder = new TextDecoder('utf-8', { fatal: true });

/** Reads one pickle starting at `start`; returns its value and the offset just after its STOP. */
export function unpickle(bytes: Uint8Array, options: UnpickleOptions, start = 0): { value: unknown; end: number } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const fail = (msg: string): never => {
    throw new SrcacoError('input', `not a readable checkpoint pickle: ${msg}`, { path: options.path });
  };
  let p = start;
  const need = (n: number) => {
    if (p + n > bytes.length) fail(`it ends inside an instruction at byte ${p} (truncated file?)`);
    const at = p;
    p += n;
    return at;
  };
  const u8 = () => bytes[need(1)]!;
  const u16 = () => view.getUint16(need(2), true);
  const u32 = () => view.getUint32(need(4), true);
  const u64 = () => {
    const v = view.getBigUint64(need(8), true);
    if (v > BigInt(bytes.length)) fail(`a length of ${v} bytes exceeds the file`);
    return Number(v);
  };
  const text = (n: number) => {
    const at = need(n);
    try {
      return decoder.decode(bytes.subarray(at, at + n));
    } catch {
      return fail(`invalid UTF-8 text at byte ${at}`);
    }
  };
  const line = () => {
    const nl = bytes.indexOf(0x0a, p);
    if (nl < 0) fail(`an unterminated line at byte ${p}`);
    const s = text(nl - p);
    p++; // the newline
    return s;
  };

  const stack: unknown[] = [];
  const marks: number[] = [];
  const memo = new Map<number, unknown>();
  const pop = () => {
    if (stack.length === 0 || (marks.length > 0 && stack.length <= marks[marks.length - 1]!)) fail(`the stack is empty at byte ${p - 1}`);
    return stack.pop();
  };
  const top = () => {
    if (stack.length === 0) fail(`the stack is empty at byte ${p - 1}`);
    return stack[stack.length - 1];
  };
  const popMark = () => {
    const m = marks.pop();
    if (m === undefined) fail(`no MARK before byte ${p - 1}`);
    return stack.splice(m!);
  };
  const tuple = (items: unknown[]) => Object.freeze(items);
  const get = (k: number) => {
    if (!memo.has(k)) fail(`memo entry ${k} is read before it is written`);
    return memo.get(k);
  };
  const resolve = (name: string) => {
    const g = options.global(name);
    if (!g) {
      throw new SrcacoError('input', `refused: it names the Python global '${name}'; a checkpoint may only use ${options.allowedWhat} (srcaco never runs code from a file)`, { path: options.path });
    }
    return g!;
  };
  const call = (fn: unknown, args: unknown) => {
    const g = fn as PickleGlobal;
    if (typeof fn !== 'object' || fn === null || typeof g.global !== 'string') fail(`it calls something that is not a global at byte ${p - 1}`);
    if (!g.call) fail(`it calls '${g.global}', which cannot be called`);
    if (!Array.isArray(args)) fail(`the arguments of '${g.global}' are not a tuple`);
    return g.call!(args as unknown[]);
  };
  const setItems = (dict: unknown, items: unknown[]) => {
    if (!(dict instanceof PickleDict)) fail(`SETITEM(S) on something that is not a dict at byte ${p - 1}`);
    if (items.length % 2 !== 0) fail(`SETITEMS with an odd number of items at byte ${p - 1}`);
    for (let i = 0; i < items.length; i += 2) (dict as PickleDict).entries.set(items[i], items[i + 1]);
  };
  const append = (list: unknown, items: unknown[]) => {
    if (!Array.isArray(list) || Object.isFrozen(list)) fail(`APPEND(S) on something that is not a list at byte ${p - 1}`);
    (list as unknown[]).push(...items);
  };
  const long = (n: number) => {
    const at = need(n);
    let v = 0n;
    for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[at + i]!);
    if (n > 0 && bytes[at + n - 1]! & 0x80) v -= 1n << BigInt(8 * n);
    return Number.isSafeInteger(Number(v)) ? Number(v) : v;
  };

  for (;;) {
    const at = p;
    const op = u8();
    switch (op) {
      case 0x80: // PROTO
        if (u8() > 5) fail('an unknown pickle protocol');
        break;
      case 0x95: // FRAME
        need(8);
        break;
      case 0x2e: // STOP
        if (stack.length !== 1 || marks.length > 0) fail(`it stops with ${stack.length} values on the stack`);
        return { value: stack[0], end: p };
      case 0x28: // MARK
        marks.push(stack.length);
        break;
      case 0x30: // POP
        pop();
        break;
      case 0x31: // POP_MARK
        popMark();
        break;
      case 0x32: // DUP
        stack.push(top());
        break;
      case 0x4e: // NONE
        stack.push(null);
        break;
      case 0x88: // NEWTRUE
      case 0x89: // NEWFALSE
        stack.push(op === 0x88);
        break;
      case 0x4a: // BININT
        stack.push(view.getInt32(need(4), true));
        break;
      case 0x4b: // BININT1
        stack.push(u8());
        break;
      case 0x4d: // BININT2
        stack.push(u16());
        break;
      case 0x8a: // LONG1
        stack.push(long(u8()));
        break;
      case 0x8b: { // LONG4
        const n = u32();
        if (n > 64) fail(`a ${n}-byte integer`);
        stack.push(long(n));
        break;
      }
      case 0x47: // BINFLOAT (big-endian)
        stack.push(view.getFloat64(need(8), false));
        break;
      case 0x58: // BINUNICODE
        stack.push(text(u32()));
        break;
      case 0x8c: // SHORT_BINUNICODE
        stack.push(text(u8()));
        break;
      case 0x8d: // BINUNICODE8
        stack.push(text(u64()));
        break;
      case 0x54: // BINSTRING (Python 2 str, read as text)
      case 0x55: // SHORT_BINSTRING
        stack.push(text(op === 0x54 ? u32() : u8()));
        break;
      case 0x42: // BINBYTES
      case 0x43: // SHORT_BINBYTES
      case 0x8e: { // BINBYTES8
        const n = op === 0x42 ? u32() : op === 0x43 ? u8() : u64();
        const b = need(n);
        stack.push(bytes.slice(b, b + n));
        break;
      }
      case 0x29: // EMPTY_TUPLE
        stack.push(tuple([]));
        break;
      case 0x74: // TUPLE
        stack.push(tuple(popMark()));
        break;
      case 0x85: // TUPLE1
      case 0x86: // TUPLE2
      case 0x87: { // TUPLE3
        const items = Array.from({ length: op - 0x84 }, () => pop()).reverse();
        stack.push(tuple(items));
        break;
      }
      case 0x5d: // EMPTY_LIST
        stack.push([]);
        break;
      case 0x6c: // LIST
        stack.push(popMark());
        break;
      case 0x61: { // APPEND
        const v = pop();
        append(top(), [v]);
        break;
      }
      case 0x65: { // APPENDS
        const items = popMark();
        append(top(), items);
        break;
      }
      case 0x7d: // EMPTY_DICT
        stack.push(new PickleDict());
        break;
      case 0x64: { // DICT
        const d = new PickleDict();
        setItems(d, popMark());
        stack.push(d);
        break;
      }
      case 0x73: { // SETITEM
        const v = pop();
        const k = pop();
        setItems(top(), [k, v]);
        break;
      }
      case 0x75: { // SETITEMS
        const items = popMark();
        setItems(top(), items);
        break;
      }
      case 0x71: // BINPUT
        memo.set(u8(), top());
        break;
      case 0x72: // LONG_BINPUT
        memo.set(u32(), top());
        break;
      case 0x94: // MEMOIZE
        memo.set(memo.size, top());
        break;
      case 0x68: // BINGET
        stack.push(get(u8()));
        break;
      case 0x6a: // LONG_BINGET
        stack.push(get(u32()));
        break;
      case 0x63: { // GLOBAL "module\nname\n"
        const module = line();
        const name = line();
        stack.push(resolve(`${module}.${name}`));
        break;
      }
      case 0x93: { // STACK_GLOBAL
        const name = pop();
        const module = pop();
        if (typeof module !== 'string' || typeof name !== 'string') fail(`STACK_GLOBAL without a module and a name at byte ${at}`);
        stack.push(resolve(`${module}.${name}`));
        break;
      }
      case 0x52: { // REDUCE
        const args = pop();
        const fn = pop();
        stack.push(call(fn, args));
        break;
      }
      case 0x81: { // NEWOBJ: cls.__new__(cls, *args); the allowed classes build the same way
        const args = pop();
        const cls = pop();
        stack.push(call(cls, args));
        break;
      }
      case 0x62: { // BUILD: state for the object below (OrderedDict's _metadata, a parameter's hooks): not needed
        pop();
        top();
        break;
      }
      case 0x51: { // BINPERSID
        const pid = pop();
        if (!options.persistentLoad) fail(`a persistent id at byte ${at}, where none is expected`);
        stack.push(options.persistentLoad!(pid));
        break;
      }
      default:
        fail(`unsupported pickle opcode 0x${op.toString(16).padStart(2, '0')} at byte ${at}`);
    }
  }
}
