/**
 * The YAML that PyYAML's `yaml.dump` writes for plain data (the original SR-CACO-2 code's saved configurations):
 * block mappings and sequences (also PyYAML's sequences indented like their key), plain, single- and
 * double-quoted scalars folded over several lines, anchors and aliases, empty flow collections and flat flow
 * lists. Scalars resolve as YAML 1.1 does for null, booleans, decimal integers and floats. Tags (`!!python/...`)
 * and anything else are refused with the line: `yaml.safe_load` would refuse a tag too.
 */
import { SrcacoError } from '../errors.js';

export type YamlValue = null | boolean | number | string | YamlValue[] | { [key: string]: YamlValue };

interface Line {
  indent: number;
  text: string;
  number: number;
  /** Empty lines just before this one: a folded scalar keeps them as line breaks. */
  blanks: number;
}

/** Parses one YAML document; `path` only names the file in errors. */
export function parseYaml(source: string, path?: string): YamlValue {
  const lines: Line[] = [];
  let blanks = 0;
  source.split(/\r?\n/).forEach((raw, k) => {
    const text = raw.trimStart();
    if (text === '') blanks++;
    if (text === '' || text.startsWith('#') || raw === '---' || raw === '...') return;
    if (raw.slice(0, raw.length - text.length).includes('\t')) fail(k + 1, 'a tab in the indentation');
    lines.push({ indent: raw.length - text.length, text: text.trimEnd(), number: k + 1, blanks });
    blanks = 0;
  });
  const anchors = new Map<string, YamlValue>();
  let i = 0;

  function fail(line: number, msg: string): never {
    throw new SrcacoError('input', `line ${line}: ${msg} (only the plain YAML that PyYAML's yaml.dump writes is read)`, { path });
  }

  /** A node whose first line is lines[i], at `indent` or deeper. */
  function node(indent: number): YamlValue {
    const line = lines[i]!;
    if (line.indent < indent) return null;
    if (line.text === '-' || line.text.startsWith('- ')) return sequence(line.indent);
    if (splitKey(line) !== null) return mapping(line.indent);
    i++;
    return scalar(line.text, line, line.indent - 1);
  }

  function sequence(indent: number): YamlValue[] {
    const out: YamlValue[] = [];
    while (i < lines.length && lines[i]!.indent === indent && (lines[i]!.text === '-' || lines[i]!.text.startsWith('- '))) {
      const line = lines[i]!;
      const rest = line.text.slice(1).trimStart();
      if (rest === '') {
        i++;
        out.push(i < lines.length && lines[i]!.indent > indent ? node(indent + 1) : null);
      } else if (rest.startsWith('- ') || rest === '-' || splitKey({ ...line, text: rest }) !== null) {
        // `- - 8` or `- key: v`: the rest is a node of its own, indented past the dash.
        lines[i] = { ...line, indent: indent + line.text.length - rest.length, text: rest };
        out.push(node(indent + 1));
      } else {
        i++;
        out.push(value(rest, line, indent));
      }
    }
    return out;
  }

  function mapping(indent: number): { [key: string]: YamlValue } {
    const out: { [key: string]: YamlValue } = {};
    while (i < lines.length && lines[i]!.indent === indent) {
      const line = lines[i]!;
      const kv = splitKey(line);
      if (kv === null) fail(line.number, `expected 'key: value' in a mapping, found '${line.text}'`);
      const [key, rest] = kv!;
      i++;
      let v: YamlValue;
      let anchor: string | undefined;
      let r = rest;
      const a = /^&(\S+)\s*/.exec(r);
      if (a) [anchor, r] = [a[1], r.slice(a[0].length)];
      if (r === '') {
        const next = lines[i];
        if (next && next.indent > indent) v = node(indent + 1);
        else if (next && next.indent === indent && (next.text === '-' || next.text.startsWith('- '))) v = sequence(indent);
        else v = null;
      } else {
        v = value(r, line, indent);
      }
      if (anchor) anchors.set(anchor, v);
      out[key] = v;
    }
    return out;
  }

  /** A value written after `key:` or `- `, possibly continued on deeper lines. */
  function value(text: string, line: Line, indent: number): YamlValue {
    if (text.startsWith('*')) {
      if (!anchors.has(text.slice(1))) fail(line.number, `alias ${text} before its anchor`);
      return anchors.get(text.slice(1))!;
    }
    if (text.startsWith('!')) fail(line.number, `the tag ${text.split(/\s/)[0]} (an object yaml.safe_load would refuse)`);
    if (text.startsWith('[') || text.startsWith('{')) return flow(text, line);
    return scalar(text, line, indent);
  }

  function flow(text: string, line: Line): YamlValue {
    if (text === '[]') return [];
    if (text === '{}') return {};
    const list = /^\[([^[\]{}'"]*)\]$/.exec(text);
    if (!list) fail(line.number, `the flow collection ${text}`);
    return list![1]!.split(',').map((s) => resolvePlain(s.trim()));
  }

  /** A scalar starting with `text`, taking the following lines deeper than `indent` as its folded continuation. */
  function scalar(text: string, line: Line, indent: number): YamlValue {
    let joined = text;
    const quote = text[0] === "'" || text[0] === '"' ? text[0] : null;
    while (i < lines.length && lines[i]!.indent > indent && (quote === null || quotedEnd(joined, quote) === -1)) {
      const next = lines[i++]!;
      joined += (next.blanks > 0 ? '\n'.repeat(next.blanks) : ' ') + next.text;
    }
    if (quote === null) return resolvePlain(joined.replace(/\s+#.*$/, ''));
    const end = quotedEnd(joined, quote);
    if (end !== joined.length - 1) fail(line.number, `an unterminated or trailing quoted scalar ${text}`);
    return unquote(joined, quote, line);
  }

  /** Index of the closing quote of a quoted scalar starting at 0, or -1. */
  function quotedEnd(s: string, quote: string): number {
    for (let k = 1; k < s.length; k++) {
      if (quote === '"' && s[k] === '\\') k++;
      else if (s[k] === quote) {
        if (quote === "'" && s[k + 1] === "'") k++;
        else return k;
      }
    }
    return -1;
  }

  function unquote(s: string, quote: string, line: Line): string {
    const body = s.slice(1, -1);
    if (quote === "'") return body.replaceAll("''", "'");
    const escapes: Record<string, string> = { n: '\n', t: '\t', r: '\r', '"': '"', '\\': '\\', '/': '/', '0': '\0', ' ': ' ' };
    return body.replace(/\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|.)/g, (_, e: string) => {
      if (e.length > 1) return String.fromCodePoint(parseInt(e.slice(1), 16));
      if (!(e in escapes)) fail(line.number, `the escape \\${e}`);
      return escapes[e]!;
    });
  }

  /** `key: rest` → [key, rest]; null when the line is not a mapping entry. */
  function splitKey(line: Line): [string, string] | null {
    const t = line.text;
    if (t.startsWith('? ')) fail(line.number, 'a complex mapping key');
    if (t[0] === "'" || t[0] === '"') {
      const end = quotedEnd(t, t[0]);
      if (end < 0 || t[end + 1] !== ':' || (t.length > end + 2 && t[end + 2] !== ' ')) return null;
      return [unquote(t.slice(0, end + 1), t[0], line), t.slice(end + 2).trim()];
    }
    const m = /^([^\s#&*!'"[\]{}][^:#]*?|[^:#]*?):(?: |$)/.exec(t);
    if (!m || t.startsWith('- ')) return null;
    return [m[1]!.trim(), t.slice(m[0].length).trim()];
  }

  if (lines.length === 0) return null;
  const doc = node(0);
  if (i < lines.length) fail(lines[i]!.number, `unexpected '${lines[i]!.text}' after the document`);
  return doc;
}

/** A plain scalar's value as YAML 1.1 resolves it: null, booleans, decimal integers and floats, else the string. */
function resolvePlain(s: string): YamlValue {
  if (s === '' || s === '~' || /^(null|Null|NULL)$/.test(s)) return null;
  if (/^(true|True|TRUE|yes|Yes|YES|on|On|ON)$/.test(s)) return true;
  if (/^(false|False|FALSE|no|No|NO|off|Off|OFF)$/.test(s)) return false;
  if (/^[-+]?(0|[1-9][0-9_]*)$/.test(s)) return Number(s.replaceAll('_', ''));
  if (/^[-+]?([0-9][0-9_]*)?\.[0-9_]*([eE][-+][0-9]+)?$/.test(s) && /[0-9]/.test(s)) return Number(s.replaceAll('_', ''));
  if (/^[-+]?\.(inf|Inf|INF)$/.test(s)) return s.startsWith('-') ? -Infinity : Infinity;
  if (/^\.(nan|NaN|NAN)$/.test(s)) return NaN;
  return s;
}
