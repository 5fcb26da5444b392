// mod_callcenter's api commands, with the exact reply texts of capture 30 and mod_callcenter.c:
//   callcenter_config <target> <args>   (cc_config_api_function; words split as
//                                        switch_separate_string does: single quotes group, at
//                                        most 8 words, the last keeps the rest)
//   callcenter_break agent <uuid>       (cc_break_api_function)
//   json {"command":"callcenter_config","data":{"arguments":"…"}}   (mod_commands' json api +
//                                        json_callcenter_config_function)
//   reloadxml                            (the static callcenter.conf is read again)
// Lists are `|`-separated with a header line before the first row (none when empty), then `+OK`;
// SQL NULL prints empty in text and is left out of JSON objects. An empty reply is what
// mod_event_socket turns into `-ERR no reply`.
import type { AgentRow, CallCenter, CcStatus, MemberRow, TierRow } from './callcenter.ts';

export const CC_CONFIG_USAGE =
  'callcenter_config <target> <args>,\n' +
  '\tcallcenter_config agent add [name] [type] | \n' +
  '\tcallcenter_config agent del [name] | \n' +
  '\tcallcenter_config agent reload [name] | \n' +
  '\tcallcenter_config agent set status [agent_name] [status] | \n' +
  '\tcallcenter_config agent set state [agent_name] [state] | \n' +
  '\tcallcenter_config agent set contact [agent_name] [contact] | \n' +
  '\tcallcenter_config agent set ready_time [agent_name] [wait till epoch] | \n' +
  '\tcallcenter_config agent set reject_delay_time [agent_name] [wait second] | \n' +
  '\tcallcenter_config agent set busy_delay_time [agent_name] [wait second] | \n' +
  '\tcallcenter_config agent set no_answer_delay_time [agent_name] [wait second] | \n' +
  '\tcallcenter_config agent get status [agent_name] | \n' +
  '\tcallcenter_config agent get state [agent_name] | \n' +
  '\tcallcenter_config agent get uuid [agent_name] | \n' +
  '\tcallcenter_config agent list [[agent_name]] | \n' +
  '\tcallcenter_config tier add [queue_name] [agent_name] [[level]] [[position]] | \n' +
  '\tcallcenter_config tier set state [queue_name] [agent_name] [state] | \n' +
  '\tcallcenter_config tier set level [queue_name] [agent_name] [level] | \n' +
  '\tcallcenter_config tier set position [queue_name] [agent_name] [position] | \n' +
  '\tcallcenter_config tier del [queue_name] [agent_name] | \n' +
  '\tcallcenter_config tier reload [queue_name] [agent_name] | \n' +
  '\tcallcenter_config tier list | \n' +
  '\tcallcenter_config queue load [queue_name] | \n' +
  '\tcallcenter_config queue unload [queue_name] | \n' +
  '\tcallcenter_config queue reload [queue_name] | \n' +
  '\tcallcenter_config queue list | \n' +
  '\tcallcenter_config queue list agents [queue_name] [status] [state] | \n' +
  '\tcallcenter_config queue list members [queue_name] | \n' +
  '\tcallcenter_config queue list tiers [queue_name] | \n' +
  '\tcallcenter_config queue count | \n' +
  '\tcallcenter_config queue count agents [queue_name] [status] [state] | \n' +
  '\tcallcenter_config queue count members [queue_name] | \n' +
  '\tcallcenter_config queue count tiers [queue_name]';

type Cell = string | number | null;
type Table = { columns: string[]; rows: Cell[][] };

// prettier-ignore
const AGENT_COLUMNS = [
  'name', 'instance_id', 'uuid', 'type', 'contact', 'status', 'state', 'max_no_answer', 'wrap_up_time', 'reject_delay_time',
  'busy_delay_time', 'no_answer_delay_time', 'last_bridge_start', 'last_bridge_end', 'last_offered_call', 'last_status_change',
  'no_answer_count', 'calls_answered', 'talk_time', 'ready_time', 'external_calls_count',
];
const TIER_COLUMNS = ['queue', 'agent', 'state', 'level', 'position'];
// prettier-ignore
const MEMBER_COLUMNS = [
  'queue', 'instance_id', 'uuid', 'session_uuid', 'cid_number', 'cid_name', 'system_epoch', 'joined_epoch', 'rejoined_epoch',
  'bridge_epoch', 'abandoned_epoch', 'base_score', 'skill_score', 'serving_agent', 'serving_system', 'state', 'score',
];

const agentCells = (a: AgentRow): Cell[] => [
  a.name,
  a.instanceId,
  a.uuid,
  a.type,
  a.contact,
  a.status,
  a.state,
  a.maxNoAnswer,
  a.wrapUpTime,
  a.rejectDelayTime,
  a.busyDelayTime,
  a.noAnswerDelayTime,
  a.lastBridgeStart,
  a.lastBridgeEnd,
  a.lastOfferedCall,
  a.lastStatusChange,
  a.noAnswerCount,
  a.callsAnswered,
  a.talkTime,
  a.readyTime,
  a.externalCallsCount,
];
const tierCells = (t: TierRow): Cell[] => [t.queue, t.agent, t.state, t.level, t.position];
const memberCells = (m: MemberRow, now: number): Cell[] => [
  m.queue,
  m.instanceId,
  m.uuid,
  m.sessionUuid,
  m.cidNumber,
  m.cidName,
  m.systemEpoch,
  m.joinedEpoch,
  m.rejoinedEpoch,
  m.bridgeEpoch,
  m.abandonedEpoch,
  m.baseScore,
  m.skillScore,
  m.servingAgent,
  m.servingSystem,
  m.state,
  now - m.joinedEpoch + m.baseScore + m.skillScore,
];

/** list_result_callback: header line at the first row, rows, then +OK. */
function textList(t: Table): string {
  let out = '';
  if (t.rows.length) out += t.columns.join('|') + '\n';
  for (const r of t.rows) out += r.map((c) => (c === null ? '' : String(c))).join('|') + '\n';
  return out + '+OK\n';
}

/** list_result_json_callback: one object per row, every value a string, NULL columns left out. */
function jsonRows(t: Table): Array<Record<string, string>> {
  return t.rows.map((r) => {
    const o: Record<string, string> = {};
    t.columns.forEach((c, i) => {
      const v = r[i];
      if (v !== null && v !== undefined) o[c] = String(v);
    });
    return o;
  });
}

/** cJSON_PrintUnformatted (keys in order, strings escaped as cJSON does). */
function cjson(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string') {
    return (
      '"' +
      // eslint-disable-next-line no-control-regex -- control characters are what JSON escapes
      v.replace(/["\\\u0000-\u001f]/g, (c) => {
        const m: Record<string, string> = { '"': '\\"', '\\': '\\\\', '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t' };
        return m[c] ?? '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0');
      }) +
      '"'
    );
  }
  if (typeof v === 'number') return String(v);
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (Array.isArray(v)) return '[' + v.map(cjson).join(',') + ']';
  if (v instanceof JsonObject) return '{' + v.entries.map(([k, x]) => cjson(k) + ':' + cjson(x)).join(',') + '}';
  return (
    '{' +
    Object.entries(v as Record<string, unknown>)
      .map(([k, x]) => cjson(k) + ':' + cjson(x))
      .join(',') +
    '}'
  );
}

/** An object that may carry the same key twice (cJSON_AddItemToObject appends). */
class JsonObject {
  constructor(readonly entries: Array<[string, unknown]>) {}
  get(key: string): unknown {
    // cJSON_GetObjectItem: case-insensitive
    return this.entries.find(([k]) => k.toLowerCase() === key.toLowerCase())?.[1];
  }
}

function toJsonObject(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(toJsonObject);
  if (v && typeof v === 'object') return new JsonObject(Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, toJsonObject(x)]));
  return v;
}

export class CallcenterApi {
  constructor(private readonly cc: CallCenter) {}

  /** Dispatch: callcenter_config, callcenter_break, json, reloadxml. */
  async execute(name: string, arg: string): Promise<string> {
    switch (name.toLowerCase()) {
      case 'callcenter_config':
        return this.config(arg);
      case 'callcenter_break':
        return this.break(arg);
      case 'json':
        return this.json(arg);
      case 'reloadxml':
        this.cc.reloadXml();
        return '+OK [Success]\n';
      default:
        return `-ERR ${name} Command not found!\n`;
    }
  }

  /**
   * switch_separate_string(buf, ' ', argv, max): words split on unquoted blanks (a backslash
   * escapes the next character), then each cleaned as cleanup_separated_string does (quotes
   * removed, \' \" \\ \n \r \t \s unescaped, trailing blanks outside quotes dropped).
   */
  separate(buf: string, max: number): string[] {
    const starts: number[] = [];
    const ends: number[] = [];
    let state: 'START' | 'SKIP_INITIAL' | 'FIND_DELIM' | 'SKIP_ENDING' = 'START';
    let inside = false;
    let p = 0;
    while (p < buf.length && starts.length < max) {
      const c = buf[p];
      if (state === 'START') {
        starts.push(p);
        state = 'SKIP_INITIAL';
      } else if (state === 'SKIP_INITIAL') {
        if (c === ' ') p++;
        else state = 'FIND_DELIM';
      } else if (state === 'FIND_DELIM') {
        if (c === '\\') p++;
        else if (c === "'") inside = !inside;
        else if (c === ' ' && !inside) {
          ends[starts.length - 1] = p;
          state = 'SKIP_ENDING';
        }
        p++;
      } else if (c === ' ') p++;
      else state = 'START';
    }
    return starts.map((s, i) => cleanup(buf.slice(s, ends[i] ?? buf.length)));
  }

  private break(arg: string): string {
    const usage = '-ERR Usage: callcenter_break agent <uuid>\n';
    if (!arg) return usage;
    const uuid = this.separate(arg, 2)[1];
    if (!uuid) return usage;
    if (!this.cc.breakAgent(uuid)) return `-ERR Session not found for uuid ${uuid}\n`;
    return '';
  }

  private async config(cmd: string): Promise<string> {
    if (!cmd) return `-USAGE: \n${CC_CONFIG_USAGE}\n`;
    const argv = this.separate(cmd, 8);
    const argc = argv.length;
    const invalid = '-ERR Invalid!\n';
    if (argc < 2) return invalid;
    const section = argv[0]!.toLowerCase();
    const action = argv[1]!.toLowerCase();
    const n = argc - 2;
    const a = (i: number) => argv[2 + i];
    const cc = this.cc;
    if (section === 'agent') {
      switch (action) {
        case 'add': {
          if (n < 2) return invalid;
          return this.reply(cc.agentAdd(a(0)!, a(1)!), {
            AGENT_ALREADY_EXIST: '-ERR Agent already exist!\n',
            AGENT_INVALID_TYPE: '-ERR Agent type invalid!\n',
          });
        }
        case 'del':
          if (n < 1) return invalid;
          return this.reply(cc.agentDel(a(0)!), {});
        case 'reload':
          if (n < 1) return invalid;
          await cc.loadAgent(a(0)!);
          return '+OK\n';
        case 'set': {
          if (n < 3) return invalid;
          return this.reply(cc.agentUpdate(a(0)!, a(2)!, a(1)!), {
            AGENT_INVALID_STATUS: '-ERR Invalid Agent Status!\n',
            AGENT_INVALID_STATE: '-ERR Invalid Agent State!\n',
            AGENT_INVALID_TYPE: '-ERR Invalid Agent Type!\n',
            INVALID_KEY: '-ERR Invalid Agent Update KEY!\n',
            AGENT_NOT_FOUND: '-ERR Agent not found!\n',
          });
        }
        case 'get': {
          if (n < 2) return invalid;
          const r = cc.agentGet(a(0)!, a(1)!);
          // ret[64] in cc_config_api_function
          if (r.status === 'SUCCESS') return (r.value ?? '').slice(0, 63);
          return this.reply(r.status, { INVALID_KEY: '-ERR Invalid Agent Update KEY!\n', AGENT_NOT_FOUND: '-ERR Agent not found!\n' });
        }
        case 'list': {
          if (n > 1) return invalid;
          const rows = [...cc.agents.values()].filter((x) => n === 0 || x.name === a(0));
          return textList({ columns: AGENT_COLUMNS, rows: rows.map(agentCells) });
        }
        default:
          return '';
      }
    }
    if (section === 'tier') {
      switch (action) {
        case 'add': {
          if (n < 2) return invalid;
          const level = a(2) ? atoiOf(a(2)!) : 1;
          const position = a(3) ? atoiOf(a(3)!) : 1;
          return this.reply(await cc.tierAdd(a(0)!, a(1)!, 'Ready', level, position), {
            QUEUE_NOT_FOUND: '-ERR Queue not found!\n',
            TIER_INVALID_STATE: '-ERR Invalid Tier State!\n',
            AGENT_NOT_FOUND: '-ERR Agent not found!\n',
            TIER_ALREADY_EXIST: '-ERR Tier already exist!\n',
          });
        }
        case 'set': {
          if (n < 4) return invalid;
          return this.reply(await cc.tierUpdate(a(0)!, a(3)!, a(1)!, a(2)!), {
            AGENT_INVALID_STATUS: '-ERR Invalid Agent Status!\n',
            TIER_INVALID_STATE: '-ERR Invalid Tier State!\n',
            INVALID_KEY: '-ERR Invalid Tier Update KEY!\n',
            AGENT_NOT_FOUND: '-ERR Agent not found!\n',
            // (sic) mod_callcenter answers a missing queue with this text
            QUEUE_NOT_FOUND: '-ERR Agent not found!\n',
          });
        }
        case 'del':
          if (n < 2) return invalid;
          return this.reply(cc.tierDel(a(0)!, a(1)!), {});
        case 'reload': {
          if (n < 1) return invalid;
          const queue = a(0)!;
          const ok = await cc.loadTiers(queue.toLowerCase() === 'all', queue, a(1));
          return ok ? '+OK\n' : '-ERR Unknown Error!\n';
        }
        case 'list':
          return textList({ columns: TIER_COLUMNS, rows: this.tierRows().map(tierCells) });
        default:
          return '';
      }
    }
    if (section === 'queue') {
      switch (action) {
        case 'load': {
          if (n < 1) return invalid;
          return (await cc.loadQueue(a(0)!, true, true)) ? '+OK\n' : '-ERR Invalid Queue not found!\n';
        }
        case 'unload':
          if (n < 1) return invalid;
          cc.destroyQueue(a(0)!);
          return '+OK\n';
        case 'reload': {
          if (n < 1) return invalid;
          cc.destroyQueue(a(0)!);
          return (await cc.loadQueue(a(0)!, true, true)) ? '+OK\n' : '-ERR Invalid Queue not found!\n';
        }
        case 'list': {
          if (n < 1) return this.queueList();
          const t = this.subList(a(0)!, a(1), a(2), a(3));
          return t ? textList(t) : invalid;
        }
        case 'count': {
          if (n < 1) return `${cc.queues.size}\n`;
          const t = this.subList(a(0)!, a(1), a(2), a(3), true);
          return t ? `${t.rows.length}\n` : invalid;
        }
        default:
          return '';
      }
    }
    return '';
  }

  private reply(s: CcStatus, errors: Partial<Record<CcStatus, string>>): string {
    if (s === 'SUCCESS') return '+OK\n';
    return errors[s] ?? '-ERR Unknown Error!\n';
  }

  /** SELECT * FROM tiers ORDER BY level, position */
  private tierRows(): TierRow[] {
    return this.cc.tiers
      .map((t, i) => ({ t, i }))
      .sort((x, y) => x.t.level - y.t.level || x.t.position - y.t.position || x.i - y.i)
      .map((x) => x.t);
  }

  /** `queue list agents|members|tiers <queue> [status] [state]` ('%q' of a missing queue name is "(NULL)"). */
  private subList(
    sub: string,
    queueArg: string | undefined,
    status: string | undefined,
    state: string | undefined,
    counting = false,
  ): Table | undefined {
    const cc = this.cc;
    const queue = queueArg ?? '(NULL)';
    switch (sub.toLowerCase()) {
      case 'agents': {
        // agents,tiers WHERE tiers.agent = agents.name AND tiers.queue = q: rows in tier order
        const rows: AgentRow[] = [];
        for (const t of cc.tiers) {
          if (t.queue !== queue) continue;
          const ag = cc.agents.get(t.agent);
          if (!ag) continue;
          if (status !== undefined && ag.status !== status) continue;
          if (state !== undefined && ag.state !== state) continue;
          rows.push(ag);
        }
        return { columns: AGENT_COLUMNS, rows: rows.map(agentCells) };
      }
      case 'members': {
        const now = cc.clock.epoch();
        const score = (m: MemberRow) => now - m.joinedEpoch + m.baseScore + m.skillScore;
        let rows = cc.members.map((m, i) => ({ m, i }));
        if (counting || queueArg !== undefined) rows = rows.filter((x) => x.m.queue === queue);
        const byQueue = (x: MemberRow, y: MemberRow) =>
          queueArg !== undefined || counting ? 0 : x.queue < y.queue ? -1 : x.queue > y.queue ? 1 : 0;
        rows.sort((x, y) => byQueue(x.m, y.m) || score(y.m) - score(x.m) || x.i - y.i);
        return { columns: MEMBER_COLUMNS, rows: rows.map((x) => memberCells(x.m, now)) };
      }
      case 'tiers':
        return { columns: TIER_COLUMNS, rows: cc.tiers.filter((t) => t.queue === queue).map(tierCells) };
      default:
        return undefined;
    }
  }

  /** `queue list`: every loaded queue in hash order, printed as FreeSWITCH's stream printf does (NULL → ""). */
  private queueList(): string {
    let out =
      'name|strategy|moh_sound|time_base_score|tier_rules_apply|tier_rule_wait_second|tier_rule_wait_multiply_level|tier_rule_no_agent_no_wait|discard_abandoned_after|abandoned_resume_allowed|max_wait_time|max_wait_time_with_no_agent|max_wait_time_with_no_agent_time_reached|record_template|calls_answered|calls_abandoned|ring_progressively_delay|skip_agents_with_external_calls|agent_no_answer_status\n';
    const b = (x: boolean) => (x ? 'true' : 'false');
    for (const q of this.cc.queues.values()) {
      out +=
        [
          q.name,
          q.strategy,
          q.moh ?? '',
          q.timeBaseScore,
          b(q.tierRulesApply),
          q.tierRuleWaitSecond,
          b(q.tierRuleWaitMultiplyLevel),
          b(q.tierRuleNoAgentNoWait),
          q.discardAbandonedAfter,
          b(q.abandonedResumeAllowed),
          q.maxWaitTime,
          q.maxWaitTimeWithNoAgent,
          q.maxWaitTimeWithNoAgentTimeReached,
          q.recordTemplate ?? '',
          q.callsAnswered,
          q.callsAbandoned,
          q.ringProgressivelyDelay,
          b(q.skipAgentsWithExternalCalls),
          q.agentNoAnswerStatus,
        ].join('|') + '\n';
    }
    return out + '+OK\n';
  }

  /** mod_commands' `json` api with json_callcenter_config_function behind it. */
  private json(cmd: string): string {
    if (!cmd) return '-ERR No JSON supplied.\n';
    let parsed: unknown;
    try {
      parsed = JSON.parse(cmd);
    } catch {
      return '-ERR Parse error.\n';
    }
    const root = toJsonObject(parsed);
    if (!(root instanceof JsonObject)) return '-ERR Parse error.\n';
    const command = root.get('command');
    const data = root.get('data');
    if (typeof command !== 'string' || data === undefined || command.toLowerCase() !== 'callcenter_config') {
      root.entries.push(['status', 'error'], ['message', 'Invalid request or non-existant command'], ['response', null]);
      return cjson(root) + '\n';
    }
    const r = this.jsonConfig(data instanceof JsonObject ? data : undefined);
    if (r.ok) root.entries.push(['status', 'success']);
    else root.entries.push(['status', 'error'], ['message', 'The command returned an error']);
    root.entries.push(['response', r.reply ?? null]);
    return cjson(root) + '\n';
  }

  private jsonConfig(data: JsonObject | undefined): { ok: boolean; reply?: unknown } {
    const args = data?.get('arguments');
    if (typeof args !== 'string' || !args) return { ok: false };
    const cc = this.cc;
    const queueName = () => {
      const q = data?.get('queue_name');
      return typeof q === 'string' && q ? q : undefined;
    };
    const missing = { ok: false, reply: new JsonObject([['error', 'Missing data attribute: queue_name']]) };
    switch (args.toLowerCase()) {
      case 'agent list':
        return { ok: true, reply: jsonRows({ columns: AGENT_COLUMNS, rows: [...cc.agents.values()].map(agentCells) }) };
      case 'queue list':
        return {
          ok: true,
          reply: cc.queues.values().map((q) => {
            const o: Array<[string, unknown]> = [
              ['name', q.name],
              ['strategy', q.strategy],
            ];
            if (q.moh !== null) o.push(['moh_sound', q.moh]);
            o.push(
              ['time_base_score', q.timeBaseScore],
              ['tier_rules_apply', q.tierRulesApply ? 'true' : 'false'],
              ['tier_rule_wait_second', q.tierRuleWaitSecond],
              ['tier_rule_wait_multiply_level', q.tierRuleWaitMultiplyLevel ? 'true' : 'false'],
              ['tier_rule_no_agent_no_wait', q.tierRuleNoAgentNoWait ? 'true' : 'false'],
              ['discard_abandoned_after', q.discardAbandonedAfter],
              ['abandoned_resume_allowed', q.abandonedResumeAllowed ? 'true' : 'false'],
              ['max_wait_time', q.maxWaitTime],
              ['max_wait_time_with_no_agent', q.maxWaitTimeWithNoAgent],
              ['max_wait_time_with_no_agent_time_reached', q.maxWaitTimeWithNoAgentTimeReached],
            );
            if (q.recordTemplate !== null) o.push(['record_template', q.recordTemplate]);
            o.push(
              ['skip_agents_with_external_calls', q.skipAgentsWithExternalCalls ? 'true' : 'false'],
              ['agent_no_answer_status', q.agentNoAnswerStatus],
            );
            return new JsonObject(o);
          }),
        };
      case 'queue list agents':
      case 'queue list members':
      case 'queue list tiers': {
        const q = queueName();
        if (!q) return missing;
        return { ok: true, reply: jsonRows(this.subList(args.split(' ')[2]!, q, undefined, undefined)!) };
      }
      case 'member list': {
        const now = cc.clock.epoch();
        const rows = cc.members
          .map((m, i) => ({ m, i, s: now - m.joinedEpoch + m.baseScore + m.skillScore }))
          .sort((x, y) => y.s - x.s || x.i - y.i)
          .map((x) => memberCells(x.m, now));
        return { ok: true, reply: jsonRows({ columns: MEMBER_COLUMNS, rows }) };
      }
      case 'tier list':
        return { ok: true, reply: jsonRows({ columns: TIER_COLUMNS, rows: this.tierRows().map(tierCells) }) };
      default:
        return { ok: false };
    }
  }
}

function atoiOf(s: string): number {
  const m = /^\s*([+-]?\d+)/.exec(s);
  return m ? Number.parseInt(m[1]!, 10) : 0;
}

/** cleanup_separated_string(str, 0) */
function cleanup(s: string): string {
  const unescape: Record<string, string> = { n: '\n', r: '\r', t: '\t', s: ' ' };
  let i = 0;
  while (s[i] === ' ') i++;
  let out = '';
  let end = -1;
  let inside = false;
  for (; i < s.length; i++) {
    const c = s[i]!;
    if (c === '\\' && i + 1 < s.length) {
      const e = s[i + 1]!;
      if (e === "'" || e === '"' || e === '\\' || e in unescape) {
        out += unescape[e] ?? e;
        end = out.length;
        i++;
        continue;
      }
    }
    if (c === "'" && (inside || s.indexOf("'", i + 1) >= 0)) {
      inside = !inside;
      if (inside) end = out.length;
    } else {
      out += c;
      if (c !== ' ' || inside) end = out.length;
    }
  }
  return end >= 0 ? out.slice(0, end) : out;
}
