// Parsing `originate` arguments the way switch_ivr_originate reads them (the subset a dialer uses):
//   originate <dial-string> <exten>|&app(args) [dialplan] [context] [cid_name] [cid_num] [timeout]
// dial-string: {global vars}leg1,leg2|leg3  — `,` rings at once, `|` tries one group after another;
// each leg may start with [leg vars].

export interface Leg {
  target: string;
  vars: Array<[string, string]>;
}

export interface OriginateArgs {
  raw: string;
  dialString: string;
  globalVars: Array<[string, string]>;
  /** Sequential groups; legs inside a group ring simultaneously. */
  groups: Leg[][];
  app: { name: string; args: string } | null;
  exten: string | null;
  dialplan?: string;
  context?: string;
  cidName?: string;
  cidNum?: string;
  timeoutSec?: number;
}

/** Split on `sep` at depth 0 (outside {} [] () <> and single quotes), honouring `\` escapes. */
export function splitTop(s: string, sep: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let quote = false;
  let cur = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === '\\' && i + 1 < s.length) {
      cur += c + s[i + 1];
      i++;
      continue;
    }
    if (c === "'") quote = !quote;
    else if (!quote && (c === '{' || c === '[' || c === '(' || c === '<')) depth++;
    else if (!quote && (c === '}' || c === ']' || c === ')' || c === '>')) depth = Math.max(0, depth - 1);
    if (!quote && depth === 0 && c === sep) {
      out.push(cur);
      cur = '';
      continue;
    }
    cur += c;
  }
  out.push(cur);
  return out;
}

function unquote(v: string): string {
  let s = v.trim();
  if (s.length >= 2 && s.startsWith("'") && s.endsWith("'")) s = s.slice(1, -1);
  return s.replace(/\\(.)/g, '$1');
}

/** `a=1,b='x,y'` -> [[a,1],[b,x,y]] */
export function parseVarList(s: string): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const part of splitTop(s, ',')) {
    if (!part.trim()) continue;
    const i = part.indexOf('=');
    if (i <= 0) continue;
    out.push([part.slice(0, i).trim(), unquote(part.slice(i + 1))]);
  }
  return out;
}

function closing(s: string, open: string, close: string): number {
  let depth = 0;
  let quote = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === '\\') {
      i++;
      continue;
    }
    if (c === "'") quote = !quote;
    if (quote) continue;
    if (c === open) depth++;
    else if (c === close && --depth === 0) return i;
  }
  return -1;
}

export function parseDialString(dial: string): { globalVars: Array<[string, string]>; groups: Leg[][] } {
  let rest = dial.trim();
  let globalVars: Array<[string, string]> = [];
  if (rest.startsWith('{')) {
    const end = closing(rest, '{', '}');
    if (end < 0) throw new Error('unterminated {');
    globalVars = parseVarList(rest.slice(1, end));
    rest = rest.slice(end + 1);
  }
  const groups: Leg[][] = [];
  for (const g of splitTop(rest, '|')) {
    const legs: Leg[] = [];
    for (const l of splitTop(g, ',')) {
      let t = l.trim();
      if (!t) continue;
      let vars: Array<[string, string]> = [];
      if (t.startsWith('[')) {
        const end = closing(t, '[', ']');
        if (end < 0) throw new Error('unterminated [');
        vars = parseVarList(t.slice(1, end));
        t = t.slice(end + 1).trim();
      }
      legs.push({ target: t, vars });
    }
    if (legs.length) groups.push(legs);
  }
  return { globalVars, groups };
}

/**
 * switch_utils.c cleanup_separated_string for a blank-split argument: unescaped single quotes
 * removed; `\'`, `\"`, `\\` and `\ ` give the character, `\n \r \t \s` newline, CR, tab,
 * space; any other `\x` is kept as written (so a regexp's `\d` survives); a quote with no
 * closing quote after it is kept.
 */
export function cleanupArgument(token: string): string {
  const unescape: Record<string, string> = { n: '\n', r: '\r', t: '\t', s: ' ' };
  let out = '';
  let inside = false;
  for (let i = 0; i < token.length; i++) {
    const c = token[i]!;
    if (c === '\\' && i + 1 < token.length) {
      const e = token[i + 1]!;
      if (e === "'" || e === '"' || e === ' ' || e === '\\' || e in unescape) {
        out += unescape[e] ?? e;
        i++;
        continue;
      }
    }
    if (c === "'" && (inside || token.indexOf("'", i + 1) >= 0)) {
      inside = !inside;
      continue;
    }
    out += c;
  }
  return out.trim();
}

/** Split the originate argument line into words, keeping {} [] () and quotes together. */
export function splitArgs(s: string): string[] {
  return splitTop(s.trim(), ' ').filter((w) => w.length > 0);
}

export function parseOriginate(arg: string): OriginateArgs {
  const words = splitArgs(arg);
  if (words.length < 2) throw new Error('usage');
  const dialString = words[0]!;
  const { globalVars, groups } = parseDialString(dialString);
  if (!groups.length) throw new Error('no target');
  // FreeSWITCH strips the quotes and escapes of every argument (cleanup_separated_string), so a
  // quoted `'&play_and_get_digits(1 1 3 …)'` is the application with its spaces.
  const second = cleanupArgument(words[1]!);
  let app: OriginateArgs['app'] = null;
  let exten: string | null = null;
  if (second.startsWith('&') && second.length > 1) {
    const body = second.slice(1);
    const p = body.indexOf('(');
    if (p >= 0) {
      const e = body.lastIndexOf(')');
      app = { name: body.slice(0, p), args: body.slice(p + 1, e > p ? e : undefined) };
    } else app = { name: body, args: '' };
  } else exten = second;
  const opt = (i: number) => {
    const w = words[i];
    return w === undefined || w === 'undef' ? undefined : w;
  };
  const t = opt(6);
  return {
    raw: arg,
    dialString,
    globalVars,
    groups,
    app,
    exten,
    dialplan: opt(2),
    context: opt(3),
    cidName: opt(4),
    cidNum: opt(5),
    timeoutSec: t !== undefined && /^\d+$/.test(t) ? Number(t) : undefined,
  };
}

export type Endpoint =
  | { kind: 'gateway'; gateway: string; number: string }
  | { kind: 'profile'; profile: string; number: string; host: string }
  | { kind: 'user'; number: string }
  | { kind: 'loopback'; number: string }
  | { kind: 'error'; cause: string }
  | { kind: 'unknown'; tech: string };

export function parseTarget(target: string): Endpoint {
  const m = /^sofia\/gateway\/([^/]+)\/(.+)$/.exec(target);
  if (m) return { kind: 'gateway', gateway: m[1]!, number: m[2]!.replace(/@.*$/, '') };
  const p = /^sofia\/([^/]+)\/(.+)$/.exec(target);
  if (p) {
    const [user, host = ''] = p[2]!.replace(/^sips?:/, '').split('@');
    return { kind: 'profile', profile: p[1]!, number: user!, host };
  }
  const u = /^user\/([^@/]+)/.exec(target);
  if (u) return { kind: 'user', number: u[1]! };
  const l = /^loopback\/([^/]+)/.exec(target);
  if (l) return { kind: 'loopback', number: l[1]! };
  const e = /^error\/(.+)$/.exec(target);
  if (e) return { kind: 'error', cause: e[1]!.toUpperCase() };
  return { kind: 'unknown', tech: target.split('/')[0] ?? target };
}
