// The live campaign console (served by the API at /console; docs/console.md). Plain browser
// JavaScript, no build step, no CDN: uPlot comes from node_modules through /console/assets. The
// tenant's token is kept in sessionStorage (this tab's session) and sent as a bearer header; it
// never goes into a URL. Pages: the campaigns list (#/) and a campaign (#/c/<uuid>), each polling
// the same small JSON endpoints the ops CLI uses (/console/api/…).
(function () {
  'use strict';
  const TOKEN_KEY = 'campaign-runner.token';
  const LANG_KEY = 'campaign-runner.lang';
  const BUCKETS = ['answered', 'busy', 'not_available', 'no_answer', 'cancel', 'failed'];
  const COLORS = {
    answered: '#2e7d32',
    busy: '#ef6c00',
    not_available: '#8e24aa',
    no_answer: '#f9a825',
    cancel: '#607d8b',
    failed: '#c62828',
  };
  const $ = (id) => document.getElementById(id);
  /** The disposition each report bucket usually has: shown only when the call's differs. */
  const OBVIOUS = {
    answered: 'answered',
    busy: 'busy',
    no_answer: 'no-answered',
    not_available: 'not-available',
    cancel: 'cancel',
    failed: 'failed',
  };

  let lang = localStorage.getItem(LANG_KEY) || ((navigator.language || 'vi').toLowerCase().startsWith('vi') ? 'vi' : 'en');
  if (!window.I18N[lang]) lang = 'vi';
  const t = (k) => (window.I18N[lang] && window.I18N[lang][k]) || window.I18N.en[k] || k;

  let timer = null;
  let chart = null;
  let current = null; // the campaign shown: its live JSON

  function applyLang() {
    document.documentElement.lang = lang;
    $('lang').textContent = lang === 'vi' ? 'EN' : 'VI';
    for (const el of document.querySelectorAll('[data-i18n]')) el.textContent = t(el.getAttribute('data-i18n'));
    document.title = 'campaign-runner · ' + t('title');
  }

  function token() {
    return sessionStorage.getItem(TOKEN_KEY);
  }

  async function api(path, opts) {
    const res = await fetch((opts && opts.raw ? '' : '/console/api') + path, {
      method: (opts && opts.method) || 'GET',
      headers: Object.assign({ authorization: 'Bearer ' + token() }, opts && opts.body ? { 'content-type': 'application/json' } : {}),
      body: opts && opts.body ? JSON.stringify(opts.body) : undefined,
      cache: 'no-store',
    });
    if (res.status === 401) {
      signOut(t('badToken'));
      throw new Error('unauthorized');
    }
    const body = await res.json().catch(() => ({}));
    if (!res.ok) throw new Error(typeof body.error === 'string' ? body.error : 'HTTP ' + res.status);
    return body;
  }

  function show(section) {
    for (const id of ['signin', 'list', 'campaign']) $(id).hidden = id !== section;
    $('signout').hidden = section === 'signin';
  }

  function signOut(message) {
    sessionStorage.removeItem(TOKEN_KEY);
    stop();
    show('signin');
    $('signin-error').textContent = message || '';
  }

  function stop() {
    if (timer) clearTimeout(timer);
    timer = null;
  }

  function poll(fn, everyMs) {
    stop();
    const tick = async () => {
      try {
        await fn();
      } catch (e) {
        if (e.message !== 'unauthorized') $('updated').textContent = String(e.message || e);
      }
      if (token()) timer = setTimeout(tick, everyMs);
    };
    void tick();
  }

  function cell(tr, text, cls) {
    const td = document.createElement('td');
    td.textContent = text == null ? '' : String(text);
    if (cls) td.className = cls;
    tr.appendChild(td);
    return td;
  }

  function fmtTime(iso) {
    if (!iso) return '';
    return new Date(iso).toLocaleTimeString(lang === 'vi' ? 'vi-VN' : 'en-GB', { hour12: false });
  }
  function fmtDateTime(ms) {
    return new Date(ms).toLocaleString(lang === 'vi' ? 'vi-VN' : 'en-GB', { hour12: false });
  }

  function progressBar(done, total) {
    const wrap = document.createElement('span');
    const bar = document.createElement('span');
    bar.className = 'bar small';
    const fill = document.createElement('span');
    fill.className = 'fill';
    fill.style.display = 'block';
    fill.style.width = (total ? Math.round((100 * done) / total) : 0) + '%';
    bar.appendChild(fill);
    wrap.appendChild(bar);
    wrap.appendChild(document.createTextNode(done + ' / ' + total));
    return wrap;
  }

  // ------------------------------------------------------------ the campaigns list

  async function renderList() {
    const { data } = await api('/campaigns');
    const rows = $('campaign-rows');
    rows.textContent = '';
    for (const c of data) {
      const tr = document.createElement('tr');
      tr.className = 'clickable';
      tr.dataset.uuid = c.campaign_uuid;
      tr.addEventListener('click', () => (location.hash = '#/c/' + c.campaign_uuid));
      const name = cell(tr, '');
      const a = document.createElement('a');
      a.href = '#/c/' + c.campaign_uuid;
      a.textContent = c.campaign_name;
      name.appendChild(a);
      cell(tr, c.campaign_id);
      cell(tr, c.type);
      const st = cell(tr, '');
      const b = document.createElement('span');
      b.className = 'badge ' + (c.status || 'none');
      b.textContent = t('status.' + (c.status || ''));
      st.appendChild(b);
      cell(tr, '').appendChild(progressBar(c.leads.finished, c.leads.total));
      cell(tr, c.leads.waiting_recall);
      rows.appendChild(tr);
    }
    $('list-empty').hidden = data.length > 0;
  }

  // ------------------------------------------------------------ one campaign

  function drawChart(outcomes) {
    const el = $('chart');
    const width = Math.max(320, el.clientWidth || 900);
    const data = [outcomes.minutes].concat(BUCKETS.map((b) => outcomes.series[b] || outcomes.minutes.map(() => 0)));
    if (!chart || chart._lang !== lang) {
      if (chart) chart.destroy();
      el.textContent = '';
      chart = new uPlot(
        {
          width,
          height: 220,
          scales: { x: { time: true } },
          axes: [{}, { label: t('calls') }],
          series: [{}].concat(BUCKETS.map((b) => ({ label: t('bucket.' + b), stroke: COLORS[b], width: 2, points: { show: false } }))),
        },
        data,
        el,
      );
      chart._lang = lang;
    } else {
      chart.setData(data);
      if (Math.abs(chart.width - width) > 8) chart.setSize({ width, height: 220 });
    }
  }

  function setButtons(status, runOpen) {
    const running = status === 'start';
    $('btn-start').hidden = status === 'pause' || running;
    $('btn-start').disabled = false;
    $('btn-resume').hidden = status !== 'pause';
    $('btn-resume').disabled = false;
    $('btn-pause').disabled = !running;
    $('btn-stop').disabled = status === 'stop' && !runOpen;
  }

  function renderCampaign(live) {
    current = live;
    const c = live.campaign;
    $('c-name').textContent = c.campaign_name;
    $('c-id').textContent = String(c.campaign_id);
    const st = $('c-status');
    st.className = 'badge ' + (c.status || 'none');
    st.textContent = t('status.' + (c.status || ''));
    setButtons(c.status, live.run.open);

    const total = c.leads.total;
    const done = c.leads.finished;
    $('p-bar').style.width = (total ? Math.round((100 * done) / total) : 0) + '%';
    $('p-done').textContent = done;
    $('p-total').textContent = total;
    $('p-recall').textContent = c.leads.waiting_recall;
    $('p-new').textContent = c.leads.new + c.leads.queued;
    $('p-calls').textContent = live.run.progress ? live.run.progress.calls : '—';

    $('l-live').textContent = live.live_calls;
    $('l-cap').textContent = live.cap;
    $('l-bar').style.width = Math.min(100, Math.round((100 * live.live_calls) / Math.max(1, live.cap))) + '%';
    $('w-state').textContent = live.window.open ? t('open') : t('closed');
    $('w-next').textContent =
      !live.window.open && live.window.next_opening
        ? '(' + t('nextOpening') + ' ' + fmtDateTime(Date.parse(live.window.next_opening)) + ')'
        : '';

    $('cb-pending').textContent = live.callbacks.pending;
    $('cb-failed').textContent = live.callbacks.failed;
    $('btn-retry').disabled = live.callbacks.failed === 0;
    $('temporal-link').href = live.run.temporal_ui_url;

    drawChart(live.outcomes);

    const rows = $('call-rows');
    rows.textContent = '';
    for (const k of live.recent_calls) {
      const tr = document.createElement('tr');
      tr.dataset.callId = k.call_id;
      cell(tr, fmtTime(k.created_at));
      cell(tr, k.number);
      cell(tr, k.attempt);
      if (k.state === 'sending') cell(tr, t('calling'));
      else
        cell(
          tr,
          t('bucket.' + k.report) + (k.disposition && k.disposition !== OBVIOUS[k.report] ? ' (' + k.disposition + ')' : ''),
          'd-' + k.report,
        );
      cell(tr, k.state === 'done' ? k.duration + ' s' : '');
      cell(tr, k.state === 'done' ? k.billsec + ' s' : '');
      cell(tr, k.digits);
      cell(tr, k.callback ? t('cb.' + k.callback) : '', k.callback ? 'd-cb-' + k.callback : '');
      rows.appendChild(tr);
    }

    const cbRows = $('cb-rows');
    cbRows.textContent = '';
    for (const d of live.callbacks.latest) {
      const tr = document.createElement('tr');
      cell(tr, d.call_id);
      cell(tr, d.kind);
      cell(tr, t('cb.' + d.status), 'd-cb-' + d.status);
      cell(tr, d.attempts);
      cell(tr, d.last_error);
      cbRows.appendChild(tr);
    }
    $('cb-card').hidden = live.callbacks.latest.length === 0;

    $('agents-card').hidden = c.type !== 'autodialer';
    renderAgents(live.agents_live || []);
    $('updated').textContent = fmtTime(live.at);
  }

  // Autodialer agents as GET /v3/campaign/{uuid}/agents shows them (docs/autodialer.md): stored
  // status, mod_callcenter's live state, calls and talk time today.
  function renderAgents(agents) {
    const rows = $('agent-rows');
    rows.textContent = '';
    for (const a of agents) {
      const tr = document.createElement('tr');
      cell(tr, a.extension);
      cell(tr, a.display_name || a.username || '');
      cell(tr, a.status || '');
      cell(tr, a.state === 'unknown' ? t('agent.unknown') : a.state || '');
      cell(tr, a.calls_answered_today == null ? '' : a.calls_answered_today);
      cell(tr, a.talk_time_today == null ? '' : a.talk_time_today + ' s');
      rows.appendChild(tr);
    }
  }

  async function loadCampaign(uuid) {
    const live = await api('/campaigns/' + uuid);
    if (live.campaign.type === 'autodialer') {
      live.agents_live = await api('/v3/campaign/' + uuid + '/agents', { raw: true })
        .then((r) => r.data)
        .catch(() => live.agents);
    }
    renderCampaign(live);
  }

  async function act(action) {
    if (!current) return;
    if (action === 'stop' && !window.confirm(t('confirmStop'))) return;
    const uuid = current.campaign.campaign_uuid;
    for (const b of document.querySelectorAll('[data-action]')) b.disabled = true;
    try {
      const r = await api('/campaigns/' + uuid + '/' + action, { method: 'POST', body: {} });
      $('action-msg').textContent = t(action) + ': ' + t('status.' + r.status);
    } catch (e) {
      $('action-msg').textContent = String(e.message || e);
    }
    await loadCampaign(uuid);
  }

  async function retry() {
    if (!current) return;
    $('btn-retry').disabled = true;
    try {
      const r = await api('/campaigns/' + current.campaign.campaign_uuid + '/callbacks/retry', { method: 'POST', body: {} });
      $('action-msg').textContent =
        t('retried') + ': ' + r.retried.length + (r.skipped.length ? ', ' + t('skipped') + ': ' + r.skipped.length : '');
    } catch (e) {
      $('action-msg').textContent = String(e.message || e);
    }
  }

  // ------------------------------------------------------------ routing

  function route() {
    stop();
    if (!token()) return show('signin');
    const m = /^#\/c\/([0-9a-fA-F-]{8,64})$/.exec(location.hash);
    if (m) {
      show('campaign');
      $('action-msg').textContent = '';
      if (chart) {
        chart.destroy();
        chart = null;
      }
      poll(() => loadCampaign(m[1]), 2000);
    } else {
      show('list');
      poll(renderList, 5000);
    }
  }

  $('signin-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const value = $('token').value.trim();
    if (!value) return;
    $('signin-error').textContent = '';
    try {
      const res = await fetch('/console/api/campaigns', { headers: { authorization: 'Bearer ' + value }, cache: 'no-store' });
      if (res.status === 401) return void ($('signin-error').textContent = t('badToken'));
      if (!res.ok) return void ($('signin-error').textContent = 'HTTP ' + res.status);
    } catch {
      return void ($('signin-error').textContent = t('unreachable'));
    }
    sessionStorage.setItem(TOKEN_KEY, value);
    $('token').value = '';
    route();
  });
  $('signout').addEventListener('click', () => signOut(''));
  $('lang').addEventListener('click', () => {
    lang = lang === 'vi' ? 'en' : 'vi';
    localStorage.setItem(LANG_KEY, lang);
    applyLang();
    if (current && !$('campaign').hidden) renderCampaign(current);
    else if (!$('list').hidden) void renderList().catch(() => {});
  });
  for (const b of document.querySelectorAll('[data-action]')) b.addEventListener('click', () => void act(b.getAttribute('data-action')));
  $('btn-retry').addEventListener('click', () => void retry());
  window.addEventListener('hashchange', route);
  window.addEventListener('resize', () => current && !$('campaign').hidden && drawChart(current.outcomes));

  applyLang();
  route();
})();
