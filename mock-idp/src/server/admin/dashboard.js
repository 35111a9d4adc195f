// The mock IdP dashboard's script: every action goes through the JSON admin API, and the
// tables refresh from it every two seconds. Text reaches the page through textContent only.
'use strict';

(() => {
  const tenant = document.body.dataset.tenant;
  if (!tenant) return;
  const base = '/_admin/tenants/' + encodeURIComponent(tenant);
  const POLL_MS = 2000;
  const REQUEST_ROWS = 100;
  const TOKEN_ROWS = 30;
  const $ = (id) => document.getElementById(id);

  function say(text, failed) {
    const status = $('status');
    status.textContent = text;
    status.className = failed ? 'failed' : 'done';
  }

  async function call(method, url, body) {
    const init = { method, headers: {} };
    if (body !== undefined) {
      init.headers['content-type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    const res = await fetch(url, init);
    const text = await res.text();
    let data = null;
    if (text) {
      try { data = JSON.parse(text); } catch (_) { data = text; }
    }
    if (!res.ok) {
      const why = data && data.error_description ? data.error_description : res.status + ' ' + text;
      throw new Error(why);
    }
    return data;
  }

  // Runs an action, says how it went, and refreshes at once.
  async function act(what, run) {
    try {
      const done = await run();
      say(done || what + ': done.', false);
    } catch (e) {
      say(what + ' refused: ' + e.message, true);
    }
    refresh();
  }

  function rfc3339(secs) {
    return new Date(secs * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  }

  function cell(content) {
    const td = document.createElement('td');
    if (content instanceof Node) td.append(content);
    else td.textContent = content === undefined || content === null ? '' : String(content);
    return td;
  }

  function time(secs) {
    const t = document.createElement('time');
    t.dateTime = rfc3339(secs);
    t.textContent = t.dateTime;
    return t;
  }

  function pre(value) {
    const p = document.createElement('pre');
    p.textContent = JSON.stringify(value, null, 2);
    return p;
  }

  function fill(id, items, row) {
    const body = $(id + '-rows');
    const rows = items.map((item) => {
      const tr = document.createElement('tr');
      tr.append(...row(item));
      return tr;
    });
    if (rows.length === 0) {
      const tr = document.createElement('tr');
      tr.className = 'empty';
      const td = cell(body.dataset.empty);
      td.colSpan = body.closest('table').tHead.rows[0].cells.length;
      tr.append(td);
      rows.push(tr);
    }
    body.replaceChildren(...rows);
  }

  function options(select, values) {
    const keep = select.value;
    select.replaceChildren(...values.map((v) => new Option(v, v)));
    if (values.includes(keep)) select.value = keep;
  }

  // Claims boxes being edited are left alone until saved.
  function showUsers(users) {
    const holder = $('users-rows');
    const forms = new Map([...holder.querySelectorAll('form.claims')].map((f) => [f.dataset.user, f]));
    const names = users.map((u) => u.username);
    const same = names.length === forms.size && names.every((n) => forms.has(n));
    if (!same) {
      holder.replaceChildren(...users.map(userForm));
    } else {
      for (const u of users) {
        const box = forms.get(u.username).elements.claims;
        if (!box.dataset.dirty && document.activeElement !== box) {
          box.value = JSON.stringify(u.claims, null, 2);
        }
      }
    }
    options($('fault-user'), names);
  }

  function userForm(u) {
    const form = document.createElement('form');
    form.className = 'claims';
    form.dataset.user = u.username;
    const id = 'claims-' + u.username;
    const label = document.createElement('label');
    label.htmlFor = id;
    const strong = document.createElement('strong');
    strong.textContent = u.username;
    label.append('Claims of ', strong, ' (sub ' + (u.sub || u.username) + ')');
    const box = document.createElement('textarea');
    box.id = id;
    box.name = 'claims';
    box.rows = 6;
    box.spellcheck = false;
    box.value = JSON.stringify(u.claims, null, 2);
    const button = document.createElement('button');
    button.type = 'submit';
    button.textContent = 'Save claims of ' + u.username;
    form.append(label, box, button);
    return form;
  }

  async function refresh() {
    try {
      const q = new URLSearchParams({ tenant, limit: String(REQUEST_ROWS) });
      for (const name of ['endpoint', 'client', 'status']) {
        const v = $('log-' + name).value.trim();
        if (v) q.set(name, v);
      }
      const [tenants, clients, users, keys, faults, clock, requests, tokens] = await Promise.all([
        call('GET', '/_admin/tenants'),
        call('GET', base + '/clients'),
        call('GET', base + '/users'),
        call('GET', base + '/keys'),
        call('GET', base + '/faults'),
        call('GET', '/_admin/clock'),
        call('GET', '/_admin/requests?' + q),
        call('GET', '/_admin/tokens?' + new URLSearchParams({ tenant, limit: String(TOKEN_ROWS) })),
      ]);
      fill('tenants', tenants, (t) => [cell(t.name), cell(t.issuer), cell(t.clients), cell(t.users)]);
      fill('clients', clients, (c) => [
        cell(c.client_id), cell(c.name), cell((c.redirect_uris || []).join(' ')),
        cell((c.response_types || []).join(', ')), cell(c.id_token_signed_response_alg || 'tenant default'),
      ]);
      options($('fault-client'), clients.map((c) => c.client_id));
      showUsers(users);
      fill('keys', keys.keys, (k) => [cell(k.kid), cell(k.kty), cell(k.alg), cell(k.use)]);
      fill('faults', faults, (r) => {
        const remove = document.createElement('button');
        remove.type = 'button';
        remove.className = 'remove-fault';
        remove.dataset.id = r.id;
        remove.textContent = 'Remove rule ' + r.id;
        const name = typeof r.fault === 'string' ? r.fault : Object.keys(r.fault)[0];
        return [cell(r.id), cell(name), cell(r.client_id || 'any'), cell(r.user || 'any'),
          cell(r.times === undefined ? 'every response' : r.times), cell(remove)];
      });
      $('clock-now').replaceChildren(time(clock.now));
      $('clock-frozen').textContent = clock.frozen ? 'yes' : 'no';
      $('clock-offset').textContent = clock.offset + ' s';
      fill('requests', requests, (r) => [
        cell(r.id), cell(time(r.at)), cell(r.method), cell(r.path), cell(r.endpoint),
        cell(r.client_id), cell(r.status),
        cell(Object.entries(r.params).map(([k, v]) => k + '=' + v).join(' ')),
      ]);
      fill('tokens', tokens, (t) => [
        cell(time(t.at)), cell(t.client_id), cell(t.kind + ' (' + t.endpoint + ')'),
        cell(pre(t.header)), cell(pre(t.claims)),
      ]);
      document.body.dataset.refreshed = String(Date.now());
    } catch (e) {
      say('Refresh failed: ' + e.message, true);
    }
  }

  function scope(form) {
    return form.querySelector('input[name=scope]:checked').value;
  }

  $('inject').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const form = ev.target;
    const picked = $('fault-name').selectedOptions[0];
    act('Injecting ' + picked.value, async () => {
      const rule = { fault: JSON.parse(picked.dataset.fault) };
      if (scope(form) === 'client') rule.client_id = $('fault-client').value;
      if (scope(form) === 'user') rule.user = $('fault-user').value;
      const times = $('fault-times').value.trim();
      if (times) rule.times = Number(times);
      const made = await call('POST', base + '/faults', rule);
      return 'Rule ' + made.id + ' injects ' + picked.value + '.';
    });
  });

  $('fault-group').addEventListener('change', (ev) => {
    const group = ev.target.value;
    const select = $('fault-name');
    for (const g of select.querySelectorAll('optgroup')) {
      const shown = !group || g.dataset.group === group;
      g.hidden = !shown;
      g.disabled = !shown;
    }
    const first = select.querySelector('optgroup:not([disabled]) option');
    if (first) select.value = first.value;
  });

  $('faults-rows').addEventListener('click', (ev) => {
    const button = ev.target.closest('button.remove-fault');
    if (!button) return;
    act('Removing rule ' + button.dataset.id, async () => {
      await call('DELETE', base + '/faults/' + encodeURIComponent(button.dataset.id));
      return 'Rule ' + button.dataset.id + ' removed.';
    });
  });

  $('clear-faults').addEventListener('click', () =>
    act('Removing every rule', () => call('DELETE', base + '/faults').then(() => 'Every rule removed.')));

  $('rotate').addEventListener('submit', (ev) => {
    ev.preventDefault();
    act('Rotating the key', async () => {
      const made = await call('POST', base + '/keys/rotate', { alg: $('rotate-alg').value });
      return 'New ' + made.alg + ' key ' + made.kid + '.';
    });
  });

  $('users-rows').addEventListener('input', (ev) => {
    if (ev.target.name === 'claims') ev.target.dataset.dirty = '1';
  });

  $('users-rows').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const form = ev.target;
    const user = form.dataset.user;
    const box = form.elements.claims;
    act('Saving the claims of ' + user, async () => {
      let claims;
      try { claims = JSON.parse(box.value); } catch (e) { throw new Error('the claims are not JSON: ' + e.message); }
      if (claims === null || typeof claims !== 'object' || Array.isArray(claims)) {
        throw new Error('the claims must be a JSON object');
      }
      // PATCH merges: claims taken out of the box are sent as null to remove them.
      const current = await call('GET', base + '/users/' + encodeURIComponent(user));
      const patch = Object.assign({}, claims);
      for (const name of Object.keys(current.claims)) {
        if (!(name in claims)) patch[name] = null;
      }
      await call('PATCH', base + '/users/' + encodeURIComponent(user) + '/claims', patch);
      delete box.dataset.dirty;
      return 'Claims of ' + user + ' saved.';
    });
  });

  $('clock').addEventListener('click', (ev) => {
    const button = ev.target.closest('button[data-action]');
    if (!button) return;
    const action = button.dataset.action;
    act('Clock ' + action, async () => {
      const body = { action };
      if (action === 'advance') {
        const seconds = Number($('clock-seconds').value);
        if (!Number.isInteger(seconds)) throw new Error('seconds must be a whole number');
        body.seconds = seconds;
      }
      const clock = await call('POST', '/_admin/clock', body);
      return 'Clock: ' + rfc3339(clock.now) + (clock.frozen ? ', frozen.' : '.');
    });
  });

  $('log-filter').addEventListener('submit', (ev) => {
    ev.preventDefault();
    refresh();
  });

  $('clear-log').addEventListener('click', () =>
    act('Clearing the log', () => call('DELETE', '/_admin/requests').then(() => 'Log cleared.')));

  function poll() {
    if (!document.hidden) refresh();
    setTimeout(poll, POLL_MS);
  }
  poll();
})();
