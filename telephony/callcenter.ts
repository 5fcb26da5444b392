// mod_callcenter as the autodialer drives it (facts: test/fixtures/esl-transcripts/CALLCENTER-NOTES.md
// and captures 30–45). Pure: the queue's configuration as mod_xml_curl serves it, the
// `callcenter_config` commands, and the parsing of their `|`-separated lists.
//
// Queues come from the product through mod_xml_curl (there is no `queue add`): FreeSWITCH POSTs
// `key_value=callcenter.conf&CC-Queue=<q>` to the configuration gateway (api/freeswitch.ts) when a
// queue is first needed (`queue load`, `tier add`, `&callcenter(q)`), and the answer is a
// callcenter.conf document with that one queue — or mod_xml_curl's "not found" for queues that are
// not ours, so FreeSWITCH falls back to its static XML for those. Agents and tiers are runtime
// objects, added over ESL.
import type { CallcenterStrategy } from '../domain/campaign.ts';

/** The mod_callcenter queue of a campaign (also its call_center_queue's `queue_name`). */
export const queueName = (campaign_uuid: string): string => `campaign-${campaign_uuid}`;
/** The campaign of one of our queue names, or undefined. */
export const campaignOfQueue = (name: string): string | undefined =>
  /^campaign-[0-9a-f-]{36}$/.test(name) ? name.slice('campaign-'.length) : undefined;

export interface QueueConfig {
  name: string;
  strategy: CallcenterStrategy;
  /** Seconds a member may wait for an agent (0 = no limit). */
  max_wait_time: number;
  /** Seconds a member waits when no agent is logged in. */
  max_wait_time_with_no_agent: number;
}

const esc = (v: string) => v.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** callcenter.conf with one queue, as the mod_xml_curl answer for `CC-Queue=<name>`. */
export function queueConfigXml(q: QueueConfig): string {
  const params: Array<[string, string | number]> = [
    ['strategy', q.strategy],
    ['moh-sound', 'local_stream://default'],
    ['time-base-score', 'system'],
    ['max-wait-time', q.max_wait_time],
    ['max-wait-time-with-no-agent', q.max_wait_time_with_no_agent],
    ['max-wait-time-with-no-agent-time-reached', 5],
    ['tier-rules-apply', 'false'],
    ['discard-abandoned-after', 60],
    ['abandoned-resume-allowed', 'false'],
  ];
  return [
    '<?xml version="1.0" encoding="UTF-8" standalone="no"?>',
    '<document type="freeswitch/xml">',
    '  <section name="configuration">',
    '    <configuration name="callcenter.conf" description="campaign-runner queues">',
    '      <settings/>',
    '      <queues>',
    `        <queue name="${esc(q.name)}">`,
    ...params.map(([k, v]) => `          <param name="${k}" value="${esc(String(v))}"/>`),
    '        </queue>',
    '      </queues>',
    '      <agents/>',
    '      <tiers/>',
    '    </configuration>',
    '  </section>',
    '</document>',
    '',
  ].join('\n');
}

/** mod_xml_curl's "not found": FreeSWITCH then looks in its static XML. */
export const NOT_FOUND_XML =
  '<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n<document type="freeswitch/xml">\n  <section name="result">\n    <result status="not found"/>\n  </section>\n</document>\n';

/** A value as one argument of callcenter_config: multi-word values single-quoted (`'On Break'`). */
export function ccArg(v: string): string {
  if (!/^[\w@.:/[\]=+-]+$/.test(v)) {
    if (/['\r\n]/.test(v)) throw new Error(`not a callcenter_config value: ${JSON.stringify(v)}`);
    return `'${v}'`;
  }
  return v;
}

/** An agent's contact: the configured template with its ring limit (`[leg_timeout=N]`; the
 *  contact's `call_timeout` is ignored by mod_callcenter, capture 45). */
export function agentContact(template: string, values: Record<string, string>, ringTimeoutS: number): string {
  const dial = template.replace(/\{(\w+)\}/g, (_, k: string) => {
    const v = values[k] ?? '';
    if (!/^[\w.@-]*$/.test(v)) throw new Error(`contact value ${k} may hold letters, digits, . @ - only`);
    return v;
  });
  return `[leg_timeout=${Math.max(1, Math.round(ringTimeoutS))}]${dial}`;
}

/** The rows of a `callcenter_config … list` reply (header line, rows, `+OK`); [] when empty. */
export function parseCcList(reply: string): Array<Record<string, string>> {
  const lines = reply.split('\n').filter((l) => l !== '' && l !== '+OK');
  if (!lines.length || lines[0]!.startsWith('-ERR')) return [];
  const head = lines[0]!.split('|');
  return lines.slice(1).map((l) => {
    const cells = l.split('|');
    return Object.fromEntries(head.map((h, i) => [h, cells[i] ?? '']));
  });
}

export interface QueueView {
  /** Agents of the queue (its tiers) that are Available and Waiting: free for an offer now. */
  free: number;
  /** Available agents (free, being offered, or in a call). */
  available: number;
  /** Agents in a queue call now. */
  talking: number;
  /** Members (answered customers) waiting for an agent. */
  waiting: number;
}

/** What pacing needs from `queue list agents <q>` and `queue list members <q>` at `nowS` (epoch s).
 *  An agent in wrap-up shows Available / Waiting (capture 39): its last_bridge_end + wrap_up_time
 *  tells it is not free yet. */
export function queueView(agentsReply: string, membersReply: string, nowS: number): QueueView {
  const agents = parseCcList(agentsReply);
  const members = parseCcList(membersReply);
  const available = agents.filter((a) => a.status === 'Available' || a.status === 'Available (On Demand)');
  const resting = (a: Record<string, string>) => Number(a.last_bridge_end || 0) + Number(a.wrap_up_time || 0) > nowS;
  return {
    free: available.filter((a) => a.state === 'Waiting' && !resting(a)).length,
    available: available.length,
    talking: agents.filter((a) => a.state === 'In a queue call').length,
    waiting: members.filter((m) => m.state === 'Waiting' || m.state === 'Trying').length,
  };
}
