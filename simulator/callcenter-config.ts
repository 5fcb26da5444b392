// mod_callcenter's configuration side: where callcenter.conf comes from and how a queue is read
// from it.
//  - ConfigSource: the document FreeSWITCH's switch_xml_open_cfg("callcenter.conf") would get.
//    With an xml_curl URL set it POSTs what mod_xml_curl posts (form fields hostname, section,
//    tag_name, key_name, key_value, then the params event's headers, e.g. CC-Queue) and uses the
//    answer unless it is mod_xml_curl's "not found" result, an HTTP error, unparsable, or has no
//    callcenter.conf configuration; then (switch_xml_locate) the static XML, which here is the
//    rules' `callcenter` section (queues, agents, tiers).
//  - queueConfig: a <queue>'s params with switch_xml_config's rules (unknown or invalid values
//    take the default; ints 0..86400) and mod_callcenter's defaults (queue_set_config).
//  - FsHash: FreeSWITCH's switch_hashtable (sdbm hash, Java-style mix, prime table sizes 53, 97…,
//    newest first in a bucket, load factor 0.65), so `queue list` / `queue count` iterate queues
//    in the order FreeSWITCH does (capture 30: q_wrap, q_wait, q_file, q_fewest, q_rr…).
//  - parseXml: enough XML for a configuration document (elements, attributes, entities).
import { urlEncode } from './wire.ts';
import type { CallcenterRules } from './rules.ts';

// ------------------------------------------------------------------------------------ queues

export interface QueueConfig {
  name: string;
  strategy: string;
  moh: string | null;
  announce: string | null;
  announceFrequency: number;
  recordTemplate: string | null;
  timeBaseScore: string;
  ringProgressivelyDelay: number;
  tierRulesApply: boolean;
  tierRuleWaitSecond: number;
  tierRuleWaitMultiplyLevel: boolean;
  tierRuleNoAgentNoWait: boolean;
  discardAbandonedAfter: number;
  abandonedResumeAllowed: boolean;
  maxWaitTime: number;
  maxWaitTimeWithNoAgent: number;
  maxWaitTimeWithNoAgentTimeReached: number;
  agentNoAnswerStatus: string;
  skipAgentsWithExternalCalls: boolean;
}

export const AGENT_STATUSES = ['Logged Out', 'Available', 'Available (On Demand)', 'On Break'] as const;
export const AGENT_STATES = ['Waiting', 'Receiving', 'In a queue call', 'Idle', 'Reserved'] as const;
export const TIER_STATES = ['No Answer', 'Ready', 'Offering', 'Active Inbound', 'Standby'] as const;

/** cc_agent_str2status etc.: case-insensitive; the canonical spelling, or undefined ("Unknown"). */
export function knownValue(list: readonly string[], v: string): string | undefined {
  return list.find((x) => x.toLowerCase() === v.toLowerCase());
}

/** switch_is_number: optional sign, then only digits and dots (so "" is a number). */
export function isFsNumber(s: string): boolean {
  return /^[+-]?[0-9.]*$/.test(s);
}

/** atoi */
export function atoi(s: string | undefined | null): number {
  const m = /^\s*([+-]?\d+)/.exec(s ?? '');
  return m ? Number.parseInt(m[1]!, 10) : 0;
}

export function fsTrue(v: string): boolean {
  return ['yes', 'on', 'true', 't', 'enabled', 'active', 'allow'].includes(v.toLowerCase()) || (isFsNumber(v) && atoi(v) !== 0);
}

export function fsFalse(v: string): boolean {
  return ['no', 'off', 'false', 'f', 'disabled', 'inactive', 'disallow'].includes(v.toLowerCase()) || (isFsNumber(v) && atoi(v) === 0);
}

/** A queue from its <param name value> list (first occurrence wins, names case-insensitive). */
export function queueConfig(name: string, params: Array<[string, string]>): QueueConfig {
  const get = (k: string) => params.find(([n]) => n.toLowerCase() === k)?.[1];
  const str = (k: string, def: string | null) => get(k) ?? def;
  const int = (k: string, def: number) => {
    const v = get(k);
    if (v === undefined) return def;
    const n = isFsNumber(v) ? atoi(v) : def;
    return n >= 0 && n <= 86400 ? n : def;
  };
  const bool = (k: string, def: boolean) => {
    const v = get(k);
    if (v === undefined) return def;
    return fsTrue(v) ? true : fsFalse(v) ? false : def;
  };
  const noAnswer = str('agent-no-answer-status', 'On Break')!;
  return {
    name,
    strategy: str('strategy', 'longest-idle-agent')!,
    moh: str('moh-sound', null),
    announce: str('announce-sound', null),
    announceFrequency: int('announce-frequency', 0),
    recordTemplate: str('record-template', null),
    timeBaseScore: str('time-base-score', 'queue')!,
    ringProgressivelyDelay: int('ring-progressively-delay', 0),
    tierRulesApply: bool('tier-rules-apply', false),
    tierRuleWaitSecond: int('tier-rule-wait-second', 0),
    tierRuleWaitMultiplyLevel: bool('tier-rule-wait-multiply-level', false),
    tierRuleNoAgentNoWait: bool('tier-rule-no-agent-no-wait', true),
    discardAbandonedAfter: int('discard-abandoned-after', 60),
    abandonedResumeAllowed: bool('abandoned-resume-allowed', false),
    maxWaitTime: int('max-wait-time', 0),
    maxWaitTimeWithNoAgent: int('max-wait-time-with-no-agent', 0),
    maxWaitTimeWithNoAgentTimeReached: int('max-wait-time-with-no-agent-time-reached', 5),
    // load_queue: an unknown status falls back to On Break (kept as written otherwise)
    agentNoAnswerStatus: knownValue(AGENT_STATUSES, noAnswer) ? noAnswer : 'On Break',
    skipAgentsWithExternalCalls: bool('skip-agents-with-external-calls', true),
  };
}

// ------------------------------------------------------------------------------------ documents

/** What a callcenter.conf document holds for the simulator. */
export interface CcConfigDoc {
  /** <queues><queue name>: params in document order. */
  queues: Array<{ name: string; params: Array<[string, string]> }>;
  /** <agents><agent …/>: attributes. */
  agents: Array<Record<string, string>>;
  /** <tiers><tier …/>: attributes. */
  tiers: Array<Record<string, string>>;
  /** Where it came from (for the log and the control API). */
  source: 'xml_curl' | 'static';
}

export interface XmlNode {
  name: string;
  attrs: Record<string, string>;
  children: XmlNode[];
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-f]+|#\d+|\w+);/gi, (m, e: string) => {
    if (e[0] === '#')
      return String.fromCodePoint(e[1] === 'x' || e[1] === 'X' ? Number.parseInt(e.slice(2), 16) : Number.parseInt(e.slice(1), 10));
    return ENTITIES[e] ?? m;
  });
}

/** A small XML reader: elements and attributes (text, comments, PIs, CDATA and DOCTYPE skipped). */
export function parseXml(text: string): XmlNode | null {
  const root: XmlNode = { name: '#root', attrs: {}, children: [] };
  const stack: XmlNode[] = [root];
  let i = 0;
  while (i < text.length) {
    const lt = text.indexOf('<', i);
    if (lt < 0) break;
    if (text.startsWith('<!--', lt)) {
      const e = text.indexOf('-->', lt + 4);
      if (e < 0) return null;
      i = e + 3;
      continue;
    }
    if (text.startsWith('<![CDATA[', lt)) {
      const e = text.indexOf(']]>', lt);
      if (e < 0) return null;
      i = e + 3;
      continue;
    }
    if (text[lt + 1] === '?' || text[lt + 1] === '!') {
      const e = text.indexOf('>', lt);
      if (e < 0) return null;
      i = e + 1;
      continue;
    }
    if (text[lt + 1] === '/') {
      const e = text.indexOf('>', lt);
      if (e < 0) return null;
      const name = text.slice(lt + 2, e).trim();
      const top = stack.pop();
      if (!top || top.name !== name || !stack.length) return null;
      i = e + 1;
      continue;
    }
    const m = /^<([A-Za-z_][\w.:-]*)/.exec(text.slice(lt, lt + 200));
    if (!m) return null;
    const node: XmlNode = { name: m[1]!, attrs: {}, children: [] };
    let j = lt + m[0].length;
    const attrRe = /\s*([A-Za-z_][\w.:-]*)\s*=\s*("([^"]*)"|'([^']*)')|\s*(\/?)>/y;
    let selfClosing: boolean;
    for (;;) {
      attrRe.lastIndex = j;
      const a = attrRe.exec(text);
      if (!a) return null;
      j = attrRe.lastIndex;
      if (a[1] !== undefined) node.attrs[a[1]] = decodeEntities(a[3] ?? a[4] ?? '');
      else {
        selfClosing = a[5] === '/';
        break;
      }
    }
    stack.at(-1)!.children.push(node);
    if (!selfClosing) stack.push(node);
    i = j;
  }
  if (stack.length !== 1) return null;
  return root.children[0] ?? null;
}

const child = (n: XmlNode | undefined, name: string) => n?.children.find((c) => c.name === name);
const children = (n: XmlNode | undefined, name: string) => n?.children.filter((c) => c.name === name) ?? [];
/** switch_xml_find_child: the first child `name` whose attribute equals value (case-insensitively). */
export const findChild = (n: XmlNode | undefined, name: string, attr: string, value: string) =>
  n?.children.find((c) => c.name === name && c.attrs[attr] !== undefined && c.attrs[attr]!.toLowerCase() === value.toLowerCase());

/** mod_xml_curl's "not found" answer (switch_xml_locate then tries the next binding, then the static XML). */
export const XML_CURL_NOT_FOUND =
  '<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n<document type="freeswitch/xml">\n  <section name="result">\n    <result status="not found"/>\n  </section>\n</document>\n';

/** A callcenter.conf document (xml_curl's answer) from a parsed XML tree; null = not usable here. */
export function docFromXml(root: XmlNode | null): CcConfigDoc | null | 'not found' {
  if (!root) return null;
  const result = findChild(root, 'section', 'name', 'result');
  const status = child(result, 'result')?.attrs.status;
  if (status && status.toLowerCase() === 'not found') return 'not found';
  const cfg = findChild(findChild(root, 'section', 'name', 'configuration'), 'configuration', 'name', 'callcenter.conf');
  if (!cfg) return null;
  return {
    source: 'xml_curl',
    queues: children(child(cfg, 'queues'), 'queue').map((q) => ({
      name: q.attrs.name ?? '',
      params: children(q, 'param')
        .filter((p) => p.attrs.name !== undefined && p.attrs.value !== undefined)
        .map((p) => [p.attrs.name!, p.attrs.value!] as [string, string]),
    })),
    agents: children(child(cfg, 'agents'), 'agent').map((a) => ({ ...a.attrs })),
    tiers: children(child(cfg, 'tiers'), 'tier').map((t) => ({ ...t.attrs })),
  };
}

/** The rules' `callcenter` section as the static callcenter.conf. */
export function staticDoc(cc: CallcenterRules | undefined): CcConfigDoc {
  const s = (v: string | number | boolean) => (typeof v === 'boolean' ? (v ? 'true' : 'false') : String(v));
  return {
    source: 'static',
    queues: Object.entries(cc?.queues ?? {}).map(([name, p]) => ({
      name,
      params: Object.entries(p).map(([k, v]) => [k, s(v)] as [string, string]),
    })),
    agents: Object.entries(cc?.agents ?? {}).map(([name, a]) => ({
      name,
      ...Object.fromEntries(Object.entries(a).map(([k, v]) => [k, s(v)])),
    })),
    tiers: (cc?.tiers ?? []).map((t) => Object.fromEntries(Object.entries(t).map(([k, v]) => [k, s(v)]))),
  };
}

export interface ConfigSourceOptions {
  /** mod_xml_curl binding URL for the configuration section; unset = static XML only. */
  url?: () => string | undefined;
  /** switchname (the `hostname` form field). */
  hostname: () => string;
  timeoutMs?: number;
  staticDoc: () => CcConfigDoc;
  log?: (line: string) => void;
}

/** One POST as sent (for tests and the control API). */
export interface XmlCurlRequest {
  at: number;
  url: string;
  body: string;
  fields: Record<string, string>;
  status?: number;
  outcome: 'used' | 'not found' | 'no callcenter.conf' | 'http error' | 'unparsable' | 'unreachable';
}

export class ConfigSource {
  readonly requests: XmlCurlRequest[] = [];
  constructor(private readonly opts: ConfigSourceOptions) {}

  /**
   * switch_xml_open_cfg("callcenter.conf", params): the xml_curl binding first (when set), then
   * the static document. `params` are the REQUEST_PARAMS event's headers (core headers, CC-Queue);
   * null = no params (agent reload, tier reload post only the five basic fields).
   */
  async open(params: Array<[string, string]> | null): Promise<CcConfigDoc> {
    const url = this.opts.url?.();
    if (url) {
      const doc = await this.fetchCurl(url, params);
      if (doc) return doc;
    }
    return this.opts.staticDoc();
  }

  private async fetchCurl(url: string, params: Array<[string, string]> | null): Promise<CcConfigDoc | null> {
    let body = `hostname=${this.opts.hostname()}&section=configuration&tag_name=configuration&key_name=name&key_value=callcenter.conf`;
    for (const [k, v] of params ?? []) body += `&${k}=${urlEncode(v)}`;
    const fields: Record<string, string> = {};
    for (const part of body.split('&')) {
      const i = part.indexOf('=');
      fields[part.slice(0, i)] = decodeURIComponent(part.slice(i + 1));
    }
    const req: XmlCurlRequest = { at: Date.now(), url, body, fields, outcome: 'unreachable' };
    this.requests.push(req);
    if (this.requests.length > 1000) this.requests.shift();
    let text: string;
    // Credentials in the URL are mod_xml_curl's gateway-credentials: sent as HTTP Basic.
    const target = new URL(url);
    const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', 'user-agent': 'freeswitch-xml/1.0' };
    if (target.username) {
      headers.authorization = `Basic ${Buffer.from(`${decodeURIComponent(target.username)}:${decodeURIComponent(target.password)}`).toString('base64')}`;
      target.username = '';
      target.password = '';
    }
    try {
      const res = await fetch(target, {
        method: 'POST',
        headers,
        body,
        signal: AbortSignal.timeout(this.opts.timeoutMs ?? 10000),
      });
      req.status = res.status;
      text = await res.text();
      if (res.status !== 200) {
        req.outcome = 'http error';
        this.opts.log?.(`xml_curl: HTTP ${res.status} from ${url}`);
        return null;
      }
    } catch (e) {
      this.opts.log?.(`xml_curl: ${url}: ${String(e)}`);
      return null;
    }
    const doc = docFromXml(parseXml(text));
    if (doc === 'not found') {
      req.outcome = 'not found';
      return null;
    }
    if (!doc) {
      req.outcome = text.trim() && !parseXml(text) ? 'unparsable' : 'no callcenter.conf';
      return null;
    }
    req.outcome = 'used';
    return doc;
  }
}

// ------------------------------------------------------------------------------------ FsHash

const PRIMES = [53, 97, 193, 389, 769, 1543, 3079, 6151, 12289, 24593, 49157, 98317, 196613, 393241, 786433, 1572869];

/** switch_hash_default (sdbm) then the hashtable's own mixing (switch_hashtable_private.h hash()). */
function fsHashOf(key: string): number {
  let h = 0;
  for (const c of Buffer.from(key, 'utf8')) h = (c + (h << 6) + (h << 16) - h) >>> 0;
  let i = h >>> 0;
  i = (i + (~(i << 9) >>> 0)) >>> 0;
  i = (i ^ ((i >>> 14) | (i << 18))) >>> 0;
  i = (i + (i << 4)) >>> 0;
  i = (i ^ ((i >>> 10) | (i << 22))) >>> 0;
  return i >>> 0;
}

/** switch_core_hash (case-sensitive) with FreeSWITCH's iteration order. */
export class FsHash<V> {
  private table: Array<Array<{ key: string; h: number; value: V }>> = [];
  private primeIndex = 0;
  private count = 0;

  constructor() {
    this.table = Array.from({ length: PRIMES[0]! }, () => []);
  }

  get size(): number {
    return this.count;
  }

  get(key: string): V | undefined {
    const h = fsHashOf(key);
    return this.table[h % this.table.length]!.find((e) => e.h === h && e.key === key)?.value;
  }

  has(key: string): boolean {
    return this.get(key) !== undefined;
  }

  delete(key: string): boolean {
    const h = fsHashOf(key);
    const b = this.table[h % this.table.length]!;
    const i = b.findIndex((e) => e.h === h && e.key === key);
    if (i < 0) return false;
    b.splice(i, 1);
    this.count--;
    return true;
  }

  /** switch_core_hash_insert: an existing key is removed first; the new entry heads its bucket. */
  set(key: string, value: V): void {
    this.delete(key);
    const h = fsHashOf(key);
    if (++this.count > Math.ceil(this.table.length * 0.65) && this.primeIndex < PRIMES.length - 1) this.expand();
    this.table[h % this.table.length]!.unshift({ key, h, value });
  }

  private expand(): void {
    const size = PRIMES[++this.primeIndex]!;
    const next: Array<Array<{ key: string; h: number; value: V }>> = Array.from({ length: size }, () => []);
    // hashtable_expand moves each chain head first, pushing onto the new chains (reverses them)
    for (const bucket of this.table) for (const e of bucket) next[e.h % size]!.unshift(e);
    this.table = next;
  }

  /** switch_core_hash_first / next: bucket 0 up, each chain from its head. */
  *entries(): IterableIterator<[string, V]> {
    for (const bucket of this.table) for (const e of bucket) yield [e.key, e.value];
  }

  values(): V[] {
    return [...this.entries()].map(([, v]) => v);
  }

  clear(): void {
    this.table = Array.from({ length: PRIMES[0]! }, () => []);
    this.primeIndex = 0;
    this.count = 0;
  }
}
