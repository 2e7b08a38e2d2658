// The live dashboard: reads GET /v1/stream (Server-Sent Events over fetch, so the bearer token
// can travel in the Authorization header -- EventSource cannot send one) and calls /v1 for its
// actions. The token is kept only in this tab's sessionStorage, never in a URL or a cookie.
'use strict';

(function dashboard() {
  const TOKEN_KEY = 'osa.adminToken';
  const CHART_SECONDS = 15 * 60;
  const TIMELINE_ROWS = 150;
  const EVENTS_KEPT = 1000;
  const SCALE_PHASES = ['creating', 'booting', 'addressing', 'health-checking'];
  const REMOVAL_PHASES = ['draining', 'deleting'];

  const $ = (id) => document.getElementById(id);
  const state = {
    status: null,
    instances: [],
    events: new Map(),
    chart: null,
    chartData: [[], [], [], [], []],
    samples: 0,
  };

  // ---- API access ---------------------------------------------------------------------------

  function headers(extra) {
    const token = sessionStorage.getItem(TOKEN_KEY);
    return Object.assign(
      { accept: 'application/json' },
      token ? { authorization: 'Bearer ' + token } : {},
      extra || {},
    );
  }

  async function api(method, path, body) {
    const response = await fetch(path, {
      method,
      headers: headers(body === undefined ? {} : { 'content-type': 'application/json' }),
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: 'no-store',
      credentials: 'omit',
    });
    if (response.status === 401) {
      askForToken('the admin token is needed (or the one given was not accepted)');
      throw new Error('unauthorized');
    }
    const payload = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error([].concat(payload.message || response.statusText).join('; '));
    return payload;
  }

  function askForToken(why) {
    sessionStorage.removeItem(TOKEN_KEY);
    $('token-error').textContent = why;
    const dialog = $('token-dialog');
    if (!dialog.open) dialog.showModal();
  }

  $('token-form').addEventListener('submit', () => {
    sessionStorage.setItem(TOKEN_KEY, $('token-input').value.trim());
    $('token-input').value = '';
    start();
  });

  // ---- the stream ---------------------------------------------------------------------------

  let streamAbort = null;

  async function openStream() {
    if (streamAbort) streamAbort.abort();
    const abort = new AbortController();
    streamAbort = abort;
    let response;
    try {
      response = await fetch('/v1/stream', {
        headers: headers({ accept: 'text/event-stream' }),
        signal: abort.signal,
        cache: 'no-store',
        credentials: 'omit',
      });
    } catch {
      return retryStream(abort, 'cannot reach the controller');
    }
    if (response.status === 401)
      return askForToken('the admin token is needed (or the one given was not accepted)');
    if (!response.ok || !response.body)
      return retryStream(abort, 'the stream answered ' + response.status);
    setBadge('connection', 'live', 'live');
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let pending = '';
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        const blocks = (pending + value).split('\n\n');
        pending = blocks.pop();
        for (const block of blocks) dispatch(block);
      }
    } catch {
      // aborted or cut: reconnect below
    }
    retryStream(abort, 'the stream ended');
  }

  function retryStream(abort, why) {
    if (abort.signal.aborted && streamAbort !== abort) return;
    setBadge('connection', 'lost', 'reconnecting: ' + why);
    setTimeout(openStream, 2000);
  }

  function dispatch(block) {
    let type = 'message';
    const data = [];
    for (const line of block.split('\n')) {
      if (line.startsWith('event: ')) type = line.slice(7);
      else if (line.startsWith('data: ')) data.push(line.slice(6));
    }
    if (data.length === 0) return;
    const message = JSON.parse(data.join('\n'));
    if (type === 'hello') {
      showStatus(message.status);
      showInstances(message.instances);
      for (const sample of message.samples) addSample(sample, false);
      redrawChart();
    } else if (type === 'status') showStatus(message);
    else if (type === 'instances') showInstances(message.instances);
    else if (type === 'sample') {
      addSample(message, true);
    } else if (type === 'event') {
      state.events.set(message.event.id, message.event);
      trimEvents();
      scheduleTimeline();
    }
  }

  // ---- header: gate, cloud API, autoscaling, counts -------------------------------------------

  function setBadge(id, badgeState, text) {
    const badge = $(id);
    badge.dataset.state = badgeState;
    badge.textContent = text;
  }

  function showStatus(status) {
    state.status = status;
    const gate = status.gate;
    const gateText =
      gate.state === 'rejecting'
        ? '503 while scaling'
        : gate.state === 'queueing'
          ? 'queueing (' + gate.queueDepth + ' waiting)'
          : 'gate open';
    setBadge('gate', gate.state, gateText);
    $('gate').title = gate.reason || 'requests are forwarded';
    const cloud = status.cloudApi;
    setBadge(
      'cloud-api',
      cloud.state,
      cloud.state === 'ok'
        ? 'cloud API ok'
        : 'cloud API degraded since ' + time(cloud.degradedSince),
    );
    $('cloud-api').title = cloud.lastError || '';
    // Placement and scheduled capacity (issue 18): what holds scale-outs, and what comes next.
    const placement = status.placement || { zones: [] };
    const quota = placement.quota;
    setBadge(
      'capacity',
      placement.blocked ? 'degraded' : 'ok',
      placement.blocked
        ? placement.blocked.kind === 'quota'
          ? 'quota: scale-outs wait'
          : 'no host: scale-outs wait'
        : 'capacity ok',
    );
    $('capacity').title = placement.blocked
      ? placement.blocked.message
      : quota
        ? 'quota: instances ' +
          quota.instances.used +
          '/' +
          quota.instances.limit +
          ', cores ' +
          quota.cores.used +
          '/' +
          quota.cores.limit +
          ', RAM ' +
          quota.ramMb.used +
          '/' +
          quota.ramMb.limit +
          ' MiB'
        : 'no quota read yet';
    $('schedule').textContent =
      status.schedule && status.schedule.next.length
        ? 'next: ' + status.schedule.next.map((c) => time(c.at) + ' ' + c.entry).join(', ')
        : '';
    const warm = status.warmPool;
    setBadge(
      'warm-pool',
      warm.quotaRefusal ? 'degraded' : warm.size === 0 ? 'unknown' : 'ok',
      warm.size === 0
        ? 'no warm pool'
        : warm.quotaRefusal
          ? 'warm pool ' +
            warm.warm +
            '/' +
            warm.size +
            ': quota refused since ' +
            time(warm.quotaRefusedSince)
          : 'warm pool ' +
            warm.warm +
            '/' +
            warm.size +
            (warm.filling ? ' (+' + warm.filling + ' filling)' : ''),
    );
    $('warm-pool').title =
      warm.quotaRefusal ||
      'scaling.warmPool: stopped servers a scale-out starts instead of creating';
    setBadge(
      'autoscaling',
      status.scaling.autoscaling,
      'autoscaling ' + status.scaling.autoscaling,
    );
    $('pause-button').textContent =
      status.scaling.autoscaling === 'paused' ? 'Resume autoscaling' : 'Pause autoscaling';
    $('counts').textContent =
      'desired ' +
      (status.scaling.desired ?? '?') +
      ' / actual ' +
      status.scaling.actual +
      ' / serving ' +
      status.scaling.serving +
      ' (max ' +
      status.scaling.maxInstances +
      ')';
    const input = $('desired-input');
    if (document.activeElement !== input) {
      input.value = status.scaling.desired ?? '';
      input.min = status.scaling.minInstances;
      input.max = status.scaling.maxInstances;
    }
  }

  // ---- instances table ------------------------------------------------------------------------

  function showInstances(instances) {
    state.instances = instances;
    const body = $('instances').tBodies[0];
    const rows = new Map([...body.rows].map((row) => [row.dataset.id, row]));
    const seen = new Set();
    instances.forEach((instance, index) => {
      seen.add(instance.id);
      let row = rows.get(instance.id);
      if (!row) {
        row = body.insertRow(-1);
        row.dataset.id = instance.id;
        row.dataset.name = instance.name;
        for (const name of [
          'name',
          'address',
          'role',
          'phase',
          'health',
          'age num',
          'requests num',
          'in-flight num',
          'image',
          'action',
        ])
          row.insertCell(-1).className = name;
        const remove = document.createElement('button');
        remove.type = 'button';
        remove.textContent = 'Drain & remove';
        remove.addEventListener('click', () => removeInstance(row.dataset.id, row.dataset.name));
        row.cells[9].append(remove);
      }
      if (body.rows[index] !== row) body.insertBefore(row, body.rows[index] || null);
      row.dataset.phase = instance.phase;
      const cells = row.cells;
      cells[0].textContent = instance.name;
      cells[1].textContent = instance.address || '—';
      cells[2].textContent = instance.role;
      cells[3].textContent = instance.phase;
      cells[3].dataset.phase = instance.phase;
      cells[4].textContent = instance.health + (instance.serving ? ' · serving' : '');
      cells[4].dataset.health = instance.health;
      cells[5].textContent = duration(instance.ageSeconds * 1000);
      cells[6].textContent = instance.requestsServed;
      cells[7].textContent = instance.inFlight;
      cells[8].replaceChildren(imageCell(instance.image));
      cells[9].firstChild.disabled = instance.phase !== 'admitted';
    });
    for (const [id, row] of rows) if (!seen.has(id)) row.remove();
    $('instance-count').textContent = instances.length + ' instance(s)';
  }

  function imageCell(image) {
    const span = document.createElement('span');
    if (!image || !image.id) {
      span.textContent = image && image.description.startsWith('the original') ? 'original' : '—';
      span.title = image ? image.description : '';
      return span;
    }
    span.textContent = image.id.slice(0, 8) + ' ';
    const baked = document.createElement('small');
    baked.textContent = image.bakedAt ? 'baked ' + time(image.bakedAt) : '';
    span.append(baked);
    span.title = image.description;
    return span;
  }

  // ---- chart (uPlot, from the installed package) ------------------------------------------------

  function addSample(sample, redraw) {
    const data = state.chartData;
    data[0].push(Date.parse(sample.at) / 1000);
    data[1].push(sample.requestsPerSecond);
    data[2].push(sample.non2xxPerSecond);
    data[3].push(sample.p50Ms);
    data[4].push(sample.p99Ms);
    while (data[0].length > CHART_SECONDS) for (const series of data) series.shift();
    state.samples++;
    $('chart').dataset.samples = String(state.samples);
    $('sample-info').textContent =
      sample.requestsPerSecond +
      ' req/s · ' +
      sample.inFlight +
      ' in flight · p50 ' +
      ms(sample.p50Ms) +
      ' · p99 ' +
      ms(sample.p99Ms) +
      ' · ' +
      sample.non2xxPerSecond +
      ' non-2xx/s';
    if (redraw) redrawChart();
  }

  function redrawChart() {
    const element = $('chart');
    if (!state.chart) {
      state.chart = new uPlot(
        {
          width: Math.max(element.clientWidth, 400),
          height: 220,
          cursor: { drag: { x: false, y: false } },
          // At least two minutes wide, so the first seconds read as a time axis, not milliseconds.
          scales: {
            x: { time: true, range: (chart, min, max) => [Math.min(min, max - 120), max] },
            ms: { auto: true },
          },
          series: [
            {},
            { label: 'requests/s', stroke: '#3b6fe0', width: 2 },
            { label: 'non-2xx/s', stroke: '#c62828', width: 2 },
            { label: 'p50 ms', stroke: '#1a7f37', scale: 'ms', width: 1 },
            { label: 'p99 ms', stroke: '#b26a00', scale: 'ms', width: 1, dash: [4, 3] },
          ],
          axes: [
            {},
            { label: 'per second' },
            { scale: 'ms', side: 1, label: 'ms', grid: { show: false } },
          ],
        },
        state.chartData,
        element,
      );
      window.addEventListener('resize', () =>
        state.chart.setSize({ width: Math.max(element.clientWidth, 400), height: 220 }),
      );
    } else state.chart.setData(state.chartData);
  }

  // ---- scale timeline -----------------------------------------------------------------------------

  let timelinePending = false;
  function scheduleTimeline() {
    if (timelinePending) return;
    timelinePending = true;
    requestAnimationFrame(() => {
      timelinePending = false;
      drawTimeline();
    });
  }

  function trimEvents() {
    while (state.events.size > EVENTS_KEPT) state.events.delete(state.events.keys().next().value);
  }

  function drawTimeline() {
    const events = [...state.events.values()].sort((a, b) => b.id - a.id);
    const shown = events.slice(0, TIMELINE_ROWS);
    const longestMs = Math.max(1000, ...shown.map(totalMs));
    const list = $('timeline');
    list.replaceChildren(...shown.map((event) => timelineRow(event, longestMs)));
    $('timeline-info').textContent =
      events.length > shown.length
        ? 'newest ' + shown.length + ' of ' + events.length
        : events.length + ' event(s)';
  }

  function totalMs(event) {
    const last = event.transitions[event.transitions.length - 1];
    return last ? last.totalMs + (event.finishedAt ? 0 : Date.now() - Date.parse(last.at)) : 0;
  }

  function timelineRow(event, longestMs) {
    const row = document.createElement('li');
    row.dataset.kind = event.kind;
    row.dataset.state = event.state;
    row.dataset.instance = event.instanceName;
    const label = document.createElement('div');
    label.className = 'label';
    const title = document.createElement('b');
    title.textContent =
      event.kind + (event.sequence ? ' #' + event.sequence : '') + ' ' + event.instanceName;
    const outcome = document.createElement('div');
    outcome.className = 'outcome';
    const took =
      event.finishedAt && event.kind !== 'traffic-switch' ? ' in ' + duration(totalMs(event)) : '';
    outcome.textContent =
      time(event.startedAt) + ' · ' + event.state + took + ' · ' + (event.outcome || event.trigger);
    label.title =
      'trigger: ' + event.trigger + (event.outcome ? '\noutcome: ' + event.outcome : '');
    label.append(title, outcome);
    row.append(label);
    if (event.kind === 'traffic-switch') {
      const mark = document.createElement('div');
      mark.className = 'switch-mark';
      mark.textContent = '⇢ ' + (event.outcome || event.trigger);
      row.append(mark);
      return row;
    }
    const bar = document.createElement('div');
    bar.className = 'bar';
    const phases =
      event.kind === 'scale-in' || event.kind === 'heal' ? REMOVAL_PHASES : SCALE_PHASES;
    const spent = {};
    for (const step of event.transitions.slice(1)) if (step.from) spent[step.from] = step.elapsedMs;
    if (!event.finishedAt && phases.includes(event.state))
      spent[event.state] =
        Date.now() - Date.parse(event.transitions[event.transitions.length - 1].at);
    for (const phase of phases) {
      if (spent[phase] === undefined) continue;
      const segment = document.createElement('div');
      segment.className = 'segment';
      segment.dataset.phase = phase;
      segment.style.width = Math.max(0.3, (100 * spent[phase]) / longestMs) + '%';
      segment.title = phase + ' ' + duration(spent[phase]);
      bar.append(segment);
    }
    row.append(bar);
    return row;
  }

  // ---- actions (each confirmed) ------------------------------------------------------------------

  function notice(text) {
    $('notice').textContent = text;
  }

  async function act(question, method, path, body) {
    if (!window.confirm(question)) return;
    try {
      const result = await api(method, path, body);
      notice(result.message);
    } catch (error) {
      if (error.message !== 'unauthorized') notice('refused: ' + error.message);
    }
  }

  $('desired-form').addEventListener('submit', (submit) => {
    submit.preventDefault();
    const desired = Number($('desired-input').value);
    act('Set the desired number of instances to ' + desired + '?', 'PUT', '/v1/scaling', {
      desired,
    });
  });

  $('pause-button').addEventListener('click', () => {
    const paused = !(state.status && state.status.scaling.autoscaling === 'paused');
    act(
      paused ? 'Pause autoscaling? Policies stop moving the desired count.' : 'Resume autoscaling?',
      'PUT',
      '/v1/scaling',
      { paused },
    );
  });

  function removeInstance(id, name) {
    act(
      'Drain and remove ' +
        name +
        '? New requests stop going to it, in-flight ones finish, then it is deleted.',
      'DELETE',
      '/v1/instances/' + encodeURIComponent(id),
    );
  }

  // ---- formatting ---------------------------------------------------------------------------

  function time(iso) {
    return iso ? new Date(iso).toLocaleTimeString() : '?';
  }
  function ms(value) {
    return value === null || value === undefined ? '–' : value + ' ms';
  }
  function duration(totalMs) {
    if (totalMs < 1000) return Math.round(totalMs) + 'ms';
    const seconds = totalMs / 1000;
    if (seconds < 120) return seconds.toFixed(seconds < 10 ? 1 : 0) + 's';
    return Math.round(seconds / 60) + 'm';
  }

  // ---- start -------------------------------------------------------------------------------

  async function start() {
    try {
      showStatus(await api('GET', '/v1/status'));
      const { events } = await api('GET', '/v1/events?limit=' + EVENTS_KEPT);
      for (const event of events.reverse()) state.events.set(event.id, event);
      drawTimeline();
      openStream();
    } catch (error) {
      if (error.message !== 'unauthorized') {
        notice('cannot load: ' + error.message + ' (retrying)');
        setTimeout(start, 3000);
      }
    }
  }

  // ---- instance refresh (not on the stream: polled, it changes over seconds) ----------------

  const REFRESH_BADGE = {
    canary: 'queueing',
    rolling: 'queueing',
    paused: 'paused',
    'rolling-back': 'degraded',
    'rolled-back': 'degraded',
    cancelled: 'degraded',
    interrupted: 'degraded',
    completed: 'ok',
  };

  async function showRefresh() {
    try {
      const status = await api('GET', '/v1/refresh');
      const run = status.current || status.history[status.history.length - 1];
      if (!run) {
        setBadge('refresh', 'ok', 'no refresh');
        return;
      }
      const canary =
        run.state === 'canary' && run.canary.sample
          ? ' canary ' + run.canary.sample.requests + ' req / ' + run.canary.sample.errors + ' err'
          : '';
      setBadge(
        'refresh',
        REFRESH_BADGE[run.state] || 'unknown',
        'refresh ' + run.state + ' ' + run.replaced + '/' + run.total + canary,
      );
      $('refresh').title =
        'refresh ' +
        run.id +
        ': ' +
        (run.fromImageId || '?') +
        ' -> ' +
        run.toImageId +
        (run.reason ? '\n' + run.reason : '') +
        (status.pinnedImageId ? '\npinned: ' + status.pinnedImageId : '');
    } catch (error) {
      if (error.message !== 'unauthorized') setBadge('refresh', 'unknown', 'refresh ?');
    }
  }
  setInterval(showRefresh, 2000);
  showRefresh();

  // Running bars grow between messages.
  setInterval(() => {
    if ([...state.events.values()].some((event) => !event.finishedAt)) scheduleTimeline();
  }, 500);

  start();
})();
