// The live topology page: one EventSource on /events; every message is the whole page as JSON (see PageJson.java),
// drawn again from scratch. Plain DOM and SVG, no framework, nothing fetched from anywhere but this controller.
'use strict';
(function () {
  const SVG = 'http://www.w3.org/2000/svg';
  const W = 640, H = 440, R = 26;

  function el(tag, attrs, text) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function svg(tag, attrs, text) {
    const e = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function stateClass(state) { return 's-' + state.toLowerCase(); }
  function fmtTime(ms) { return new Date(ms).toLocaleTimeString([], { hour12: false }); }

  function positions(hosts) {
    const pos = {};
    const n = hosts.length;
    const radius = n <= 1 ? 0 : Math.min(W, H) / 2 - R - 30;
    hosts.forEach((h, i) => {
      const a = -Math.PI / 2 + (2 * Math.PI * i) / Math.max(n, 1);
      pos[h.id] = { x: W / 2 + radius * Math.cos(a), y: H / 2 + radius * Math.sin(a) };
    });
    return pos;
  }

  function drawMap(t) {
    const map = document.getElementById('map');
    map.replaceChildren();
    const pos = positions(t.hosts);
    const lines = svg('g', { class: 'tunnels' });
    for (const tu of t.tunnels) {
      const a = pos[tu.a], b = pos[tu.b];
      if (!a || !b) continue;
      const line = svg('line', { x1: a.x, y1: a.y, x2: b.x, y2: b.y, class: 'tunnel t-' + tu.state,
        'data-a': tu.a, 'data-b': tu.b, 'data-state': tu.state });
      line.appendChild(svg('title', {}, tu.a + ' \u2194 ' + tu.b + ': ' + tu.state
        + (tu.rtt_ms !== null ? ', ' + tu.rtt_ms.toFixed(2) + ' ms' : '') + ' (' + tu.because + ')'));
      lines.appendChild(line);
      if (tu.rtt_ms !== null) {
        lines.appendChild(svg('text', { x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 - 4, class: 'rtt' },
          tu.rtt_ms.toFixed(1) + ' ms'));
      }
    }
    map.appendChild(lines);
    for (const h of t.hosts) {
      const p = pos[h.id];
      const g = svg('g', { class: 'host ' + stateClass(h.state), 'data-host': h.id, 'data-state': h.state,
        transform: 'translate(' + p.x + ',' + p.y + ')' });
      g.appendChild(svg('title', {}, h.id + ' ' + h.state + '\nunderlay ' + (h.underlay_ip || '-') + '\nsubnet '
        + h.subnet + '\n' + h.endpoints + ' endpoint(s)'));
      g.appendChild(svg('circle', { r: R }));
      g.appendChild(svg('text', { class: 'name', dy: '0.35em' }, h.id));
      g.appendChild(svg('text', { dy: R + 16 }, h.subnet));
      map.appendChild(g);
    }
    if (t.hosts.length === 0) {
      map.appendChild(svg('text', { x: W / 2, y: H / 2, 'text-anchor': 'middle', class: 'rtt' }, 'no hosts yet'));
    }
  }

  function drawHosts(t) {
    const body = document.querySelector('#hosts tbody');
    body.replaceChildren();
    for (const h of t.hosts) {
      const mine = t.tunnels.filter(tu => tu.a === h.id || tu.b === h.id);
      const ok = mine.filter(tu => tu.state === 'healthy').length;
      const broken = mine.filter(tu => tu.state === 'broken').length;
      const tr = el('tr', { 'data-host': h.id, 'data-state': h.state });
      tr.appendChild(el('td', {}, h.id));
      const st = el('td');
      st.appendChild(el('span', { class: 'badge ' + stateClass(h.state) }, h.state));
      tr.appendChild(st);
      tr.appendChild(el('td', {}, h.underlay_ip || '-'));
      tr.appendChild(el('td', {}, h.subnet));
      tr.appendChild(el('td', {}, String(h.endpoints)));
      tr.appendChild(el('td', {}, mine.length === 0 ? '-' : ok + '/' + mine.length + (broken ? ' (' + broken + ' broken)' : '')));
      body.appendChild(tr);
    }
  }

  function drawNetworks(t) {
    const box = document.getElementById('networks');
    box.replaceChildren();
    if (t.networks.length === 0) {
      box.appendChild(el('p', { class: 'note' }, 'no user networks (docker network create -d ovsfabric ...)'));
      return;
    }
    for (const n of t.networks) {
      const div = el('div', { class: 'network', 'data-network': n.name });
      div.appendChild(el('h3', {}, n.name + '  ' + n.subnet + '  (GRE key ' + n.tunnel_key + ')'));
      if (n.endpoints.length === 0) {
        div.appendChild(el('p', { class: 'note' }, 'no endpoints'));
      } else {
        const table = el('table');
        const head = el('tr');
        ['address', 'container', 'host', 'mac'].forEach(c => head.appendChild(el('th', {}, c)));
        table.appendChild(head);
        for (const e of n.endpoints) {
          const tr = el('tr');
          [e.address, e.container || '-', e.host, e.mac || '-'].forEach(c => tr.appendChild(el('td', {}, c)));
          table.appendChild(tr);
        }
        div.appendChild(table);
      }
      box.appendChild(div);
    }
  }

  function drawEvents(t) {
    const list = document.getElementById('events');
    list.replaceChildren();
    for (const e of t.events) {
      const li = el('li', { class: e.kind });
      li.appendChild(el('time', {}, fmtTime(e.at_ms)));
      li.appendChild(document.createTextNode(e.text));
      list.appendChild(li);
    }
  }

  function render(t) {
    const f = t.fabric;
    document.getElementById('fabric').textContent = f
      ? f.cidr + ' (/' + f.host_prefix + ' per host, MTU ' + f.overlay_mtu + ')  \u00b7  ' + t.hosts.length + ' host(s)'
      : 'no fabric plan yet';
    document.getElementById('controller').textContent = t.controller;
    document.getElementById('revision').textContent = String(t.revision);
    const stale = document.getElementById('stale');
    stale.hidden = t.stale === null;
    stale.textContent = t.stale === null ? '' : 'Not live: ' + t.stale;
    drawMap(t);
    drawHosts(t);
    drawNetworks(t);
    drawEvents(t);
    document.body.dataset.revision = String(t.revision);
  }

  function conn(live) {
    const c = document.getElementById('conn');
    c.textContent = live ? 'live' : 'reconnecting';
    c.className = live ? 'conn-live' : 'conn-wait';
  }

  const source = new EventSource('events');
  source.addEventListener('topology', e => {
    render(JSON.parse(e.data));
    conn(true);
  });
  source.onopen = () => conn(true);
  source.onerror = () => conn(false); // EventSource reconnects by itself (the server asks for 2 s)
})();
