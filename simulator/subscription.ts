// What one ESL connection listens to, as mod_event_socket 1.10 keeps it: `event plain|json <names…>
// [CUSTOM <subclasses…>]`, `nixevent`, `noevents`, `filter` / `filter delete` (each returns the
// reply text), and the two checks every fired event goes through (wants, passes).

/** FreeSWITCH event names the simulator knows (for `event` parsing; unknown names are ignored). */
// prettier-ignore
const EVENT_NAMES = new Set([
  'CUSTOM', 'CLONE', 'CHANNEL_CREATE', 'CHANNEL_DESTROY', 'CHANNEL_STATE', 'CHANNEL_CALLSTATE', 'CHANNEL_ANSWER',
  'CHANNEL_HANGUP', 'CHANNEL_HANGUP_COMPLETE', 'CHANNEL_EXECUTE', 'CHANNEL_EXECUTE_COMPLETE', 'CHANNEL_HOLD',
  'CHANNEL_UNHOLD', 'CHANNEL_BRIDGE', 'CHANNEL_UNBRIDGE', 'CHANNEL_PROGRESS', 'CHANNEL_PROGRESS_MEDIA',
  'CHANNEL_OUTGOING', 'CHANNEL_PARK', 'CHANNEL_UNPARK', 'CHANNEL_APPLICATION', 'CHANNEL_ORIGINATE', 'CHANNEL_UUID',
  'API', 'LOG', 'INBOUND_CHAN', 'OUTBOUND_CHAN', 'STARTUP', 'SHUTDOWN', 'PUBLISH', 'UNPUBLISH', 'TALK', 'NOTALK',
  'SESSION_CRASH', 'MODULE_LOAD', 'MODULE_UNLOAD', 'DTMF', 'MESSAGE', 'PRESENCE_IN', 'NOTIFY_IN', 'PRESENCE_OUT',
  'PRESENCE_PROBE', 'MESSAGE_WAITING', 'MESSAGE_QUERY', 'ROSTER', 'CODEC', 'BACKGROUND_JOB', 'DETECTED_SPEECH',
  'DETECTED_TONE', 'PRIVATE_COMMAND', 'HEARTBEAT', 'TRAP', 'ADD_SCHEDULE', 'DEL_SCHEDULE', 'EXE_SCHEDULE',
  'RE_SCHEDULE', 'RELOADXML', 'NOTIFY', 'PHONE_FEATURE', 'PHONE_FEATURE_SUBSCRIBE', 'SEND_MESSAGE', 'RECV_MESSAGE',
  'REQUEST_PARAMS', 'CHANNEL_DATA', 'GENERAL', 'COMMAND', 'SESSION_HEARTBEAT', 'CLIENT_DISCONNECTED',
  'SERVER_DISCONNECTED', 'SEND_INFO', 'RECV_INFO', 'RECV_RTCP_MESSAGE', 'SEND_RTCP_MESSAGE', 'CALL_SECURE', 'NAT',
  'RECORD_START', 'RECORD_STOP', 'PLAYBACK_START', 'PLAYBACK_STOP', 'CALL_UPDATE', 'FAILURE', 'SOCKET_DATA',
  'MEDIA_BUG_START', 'MEDIA_BUG_STOP', 'CONFERENCE_DATA_QUERY', 'CONFERENCE_DATA', 'CALL_SETUP_REQ',
  'CALL_SETUP_RESULT', 'CALL_DETAIL', 'DEVICE_STATE', 'TEXT', 'SHUTDOWN_REQUESTED', 'ALL',
]);

export class Subscription {
  format: 'plain' | 'json' = 'plain';
  listening = false;
  all = false;
  names = new Set<string>();
  subclasses = new Set<string>();
  filters: Array<[string, string]> = [];

  wants(name: string, subclass?: string): boolean {
    if (!this.listening) return false;
    if (this.all) return true;
    if (!this.names.has(name)) return false;
    if (name === 'CUSTOM' && subclass) return this.subclasses.has(subclass);
    return true;
  }

  /** mod_event_socket's filter loop: any matching `+` filter sends, a matching `-` filter vetoes. */
  passes(headers: Array<[string, string]>): boolean {
    if (!this.filters.length) return true;
    let send = false;
    for (const [name, value] of this.filters) {
      const lname = name.toLowerCase();
      const found = headers.find(([k]) => k.toLowerCase() === lname);
      if (!found) continue;
      let comp = value;
      let pos = true;
      while (comp.length && (comp[0] === '+' || comp[0] === '-' || comp[0] === ' ')) {
        if (comp[0] === '+') pos = true;
        else if (comp[0] === '-') pos = false;
        comp = comp.slice(1);
      }
      if (send && pos) continue;
      let cmp: boolean;
      if (value.startsWith('/')) {
        const body = comp.replace(/^\//, '').replace(/\/$/, '');
        try {
          cmp = new RegExp(body).test(found[1]);
        } catch {
          cmp = false;
        }
      } else cmp = found[1].toLowerCase() === comp.toLowerCase();
      if (cmp) {
        if (pos) send = true;
        else return false;
      }
    }
    return send;
  }

  /** `event [plain|json|xml] <names…> [CUSTOM <subclasses…>]` */
  event(line: string): string {
    const words = line
      .split(' ')
      .slice(1)
      .filter((w) => w !== '');
    let keys = 0;
    let custom = false;
    words.forEach((w, i) => {
      const lw = w.toLowerCase();
      if (i === 0 && (lw === 'plain' || lw === 'json' || lw === 'xml')) {
        this.format = lw === 'json' ? 'json' : 'plain'; // xml is not simulated; it falls back to plain
        return;
      }
      if (custom) {
        this.subclasses.add(w);
        return;
      }
      const up = w.toUpperCase().replace(/^SWITCH_EVENT_/, '');
      if (!EVENT_NAMES.has(up)) return;
      keys++;
      if (up === 'ALL') this.all = true;
      else this.names.add(up);
      if (up === 'CUSTOM') custom = true;
    });
    if (!keys) return '-ERR no keywords supplied';
    this.listening = true;
    return `+OK event listener enabled ${this.format}`;
  }

  /** `nixevent <names…> [CUSTOM <subclasses…>]` */
  nixevent(line: string): string {
    const words = line
      .split(' ')
      .slice(1)
      .filter((w) => w !== '');
    let keys = 0;
    let custom = false;
    for (const w of words) {
      if (custom) {
        this.subclasses.delete(w);
        continue;
      }
      const up = w.toUpperCase();
      if (!EVENT_NAMES.has(up)) continue;
      keys++;
      if (up === 'CUSTOM') custom = true;
      else if (up === 'ALL') {
        this.all = false;
        this.names.clear();
      } else {
        if (this.all) {
          this.all = false;
          for (const n of EVENT_NAMES) if (n !== 'ALL') this.names.add(n);
        }
        this.names.delete(up);
      }
    }
    if (!keys) return '-ERR no keywords supplied';
    this.listening = true;
    return '+OK events nixed';
  }

  noevents(): string {
    if (!this.listening) return '-ERR not listening for events';
    this.listening = false;
    this.all = false;
    this.names.clear();
    this.subclasses.clear();
    return '+OK no longer listening for events';
  }

  /** `filter [add] <header> <value>`, `filter delete <header> [<value>]`, `filter delete all` */
  filter(rest: string): string {
    let name = rest.replace(/^ +/, '');
    let val: string | undefined;
    const sp = name.indexOf(' ');
    if (sp >= 0) {
      val = name.slice(sp + 1);
      name = name.slice(0, sp);
    }
    if (name.toLowerCase() === 'delete' && val !== undefined) {
      let h = val;
      let v: string | undefined;
      const s2 = h.indexOf(' ');
      if (s2 >= 0) {
        v = h.slice(s2 + 1);
        h = h.slice(0, s2);
      }
      if (h.toLowerCase() === 'all') this.filters = [];
      else this.filters = this.filters.filter(([fh, fv]) => !(fh.toLowerCase() === h.toLowerCase() && (v === undefined || fv === v)));
      return `+OK filter deleted. [${h}][${v ?? ''}]`;
    }
    if (val !== undefined) {
      if (name.toLowerCase() === 'add') {
        const s2 = val.indexOf(' ');
        if (s2 < 0) return '-ERR invalid syntax';
        name = val.slice(0, s2);
        val = val.slice(s2 + 1);
      }
      this.filters.push([name, val]);
      return `+OK filter added. [${name}]=[${val}]`;
    }
    return '-ERR invalid syntax';
  }
}
