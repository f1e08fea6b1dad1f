/* The demo's admin console: users and their sessions, recent consent events, consent charts, chain verification. */
(function () {
  'use strict';
  var D = window.Demo;
  var SVG = 'http://www.w3.org/2000/svg';
  var ACTIONS = ['grant', 'refuse', 'update', 'withdraw'];
  var DAY_MS = 86400000;

  function $(id) {
    return document.getElementById(id);
  }

  function svg(tag, attrs, children) {
    var node = document.createElementNS(SVG, tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === 'text') node.textContent = attrs[k];
      else node.setAttribute(k, attrs[k]);
    });
    (children || []).forEach(function (c) {
      node.appendChild(c);
    });
    return node;
  }

  /** A table with a caption, in a box that scrolls sideways on a narrow screen instead of the page. */
  function captioned(caption, headers, rows) {
    var t = D.table(headers, rows);
    t.insertBefore(D.el('caption', { text: caption }), t.firstChild);
    return D.el('div', { class: 'scroll', 'data-label': caption }, [t]);
  }

  /** A box that really scrolls sideways can be reached and scrolled from the keyboard, and is named. */
  function markScrollers() {
    Array.prototype.forEach.call(document.querySelectorAll('.scroll'), function (box) {
      if (box.scrollWidth > box.clientWidth + 1) {
        box.setAttribute('tabindex', '0');
        box.setAttribute('role', 'region');
        box.setAttribute('aria-label', box.getAttribute('data-label') + ' (scrolls sideways)');
      } else {
        box.removeAttribute('tabindex');
        box.removeAttribute('role');
        box.removeAttribute('aria-label');
      }
    });
  }

  /** Runs after each view is drawn. */
  function drawn(value) {
    markScrollers();
    return value;
  }

  function utcDay(ms) {
    return new Date(ms).toISOString().slice(0, 10);
  }

  /* ---------- Users ---------- */

  var users = { query: '', cursor: null, current: null, searchable: true };

  function userRow(u) {
    return [
      D.el('button', {
        type: 'button',
        class: 'secondary',
        text: u.username,
        onclick: function () {
          openUser(u);
        },
      }),
      u.roles.join(', '),
      u.disabled ? 'disabled' : 'active',
      String(u.sessions),
      u.lastSignInAt ? D.when(u.lastSignInAt) : 'never',
    ];
  }

  function searchUsers(more) {
    var status = $('users-status');
    var q = new URLSearchParams({ limit: '20' });
    if (users.query) q.set('query', users.query);
    if (more && users.cursor) q.set('cursor', users.cursor);
    return D.api('GET', '/admin/users?' + q).then(function (res) {
      setTimeout(markScrollers, 0);
      var out = $('users-out');
      if (res.status === 501) {
        // The app's own UserStore cannot search: fall back to opening a user by ID.
        users.searchable = false;
        $('user-search').hidden = true;
        $('user-by-id').hidden = false;
        out.textContent = '';
        return;
      }
      if (res.status !== 200) return D.say(status, D.errorText(res), false);
      if (!more) out.textContent = '';
      var body = out.querySelector('tbody');
      if (!body) {
        out.appendChild(D.table(['User', 'Roles', 'Status', 'Sessions', 'Last sign-in'], []));
        body = out.querySelector('tbody');
      }
      res.body.items.forEach(function (u) {
        body.appendChild(
          D.el(
            'tr',
            {},
            userRow(u).map(function (c) {
              return D.el('td', {}, [c]);
            }),
          ),
        );
      });
      users.cursor = res.body.nextCursor;
      $('users-more').hidden = !users.cursor;
      var shown = body.children.length;
      D.say(
        status,
        shown === 0
          ? 'No user name starts with “' + users.query + '”.'
          : shown + ' user(s)' + (users.cursor ? ', more available.' : '.'),
        true,
      );
    });
  }

  function openUser(u) {
    users.current = u;
    var detail = $('user-detail');
    detail.hidden = false;
    $('user-h').textContent = 'User ' + (u.username || u.id);
    renderFacts();
    D.say($('user-status'), '', true);
    return Promise.all([loadSessions(), loadConsent()]).then(function () {
      drawn();
      detail.focus();
    });
  }

  function renderFacts() {
    var u = users.current;
    var toggle = $('user-toggle');
    if (u.username) {
      $('user-facts').textContent =
        'ID ' +
        u.id +
        ' · roles: ' +
        (u.roles.join(', ') || 'none') +
        ' · ' +
        (u.disabled ? 'disabled' : 'active') +
        ' · last sign-in: ' +
        (u.lastSignInAt ? D.when(u.lastSignInAt) : 'never');
      toggle.hidden = false;
      toggle.textContent = u.disabled ? 'Enable account' : 'Disable account';
    } else {
      $('user-facts').textContent = 'ID ' + u.id;
      toggle.hidden = true;
    }
  }

  function loadSessions() {
    var u = users.current;
    return D.api('GET', '/admin/users/' + encodeURIComponent(u.id) + '/sessions').then(function (res) {
      var out = $('user-sessions-out');
      out.textContent = '';
      if (res.status !== 200) return D.say($('user-status'), D.errorText(res), false);
      if (res.body.length === 0) return out.appendChild(D.el('p', { text: 'No live session.' }));
      out.appendChild(
        D.table(
          ['Device', 'IP', 'Created', 'Last seen', ''],
          res.body.map(function (s) {
            var device = s.userAgent || 'unknown device';
            return [
              device,
              s.ip || '',
              D.when(s.createdAt),
              D.when(s.lastSeenAt),
              D.el('button', {
                type: 'button',
                class: 'secondary',
                text: 'Revoke',
                'aria-label': 'Revoke the session on ' + device,
                onclick: function () {
                  D.api('DELETE', '/admin/sessions/' + encodeURIComponent(s.handle)).then(function (r) {
                    D.say($('user-status'), r.status === 204 ? 'Session revoked.' : D.errorText(r), r.status === 204);
                    return loadSessions();
                  });
                },
              }),
            ];
          }),
        ),
      );
    });
  }

  function loadConsent() {
    var u = users.current;
    var out = $('user-consent-out');
    out.textContent = '';
    return D.api('GET', '/admin/consent/subjects/user/' + encodeURIComponent(u.id)).then(function (res) {
      if (res.status === 404) return out.appendChild(D.el('p', { text: 'No consent recorded for this user.' }));
      if (res.status !== 200) return out.appendChild(D.el('p', { class: 'bad', text: D.errorText(res) }));
      var rec = res.body.record;
      if (rec) {
        out.appendChild(
          captioned(
            'Current decisions (policy ' +
              rec.policyVersion +
              ', ' +
              D.when(rec.decidedAt) +
              (rec.expired ? ', expired' : '') +
              ')',
            ['Category', 'Decision'],
            Object.keys(rec.decisions).map(function (k) {
              return [k, rec.decisions[k] ? 'granted' : 'refused'];
            }),
          ),
        );
      } else out.appendChild(D.el('p', { text: 'No current consent record.' }));
      var q = new URLSearchParams({ subjectType: 'user', subjectId: u.id, limit: '100' });
      return D.api('GET', '/admin/consent/events?' + q).then(function (ev) {
        if (ev.status !== 200) return;
        out.appendChild(
          captioned(
            'History (' + res.body.history.events + ' event(s), newest first)',
            ['Seq', 'When', 'Action', 'Source', 'After'],
            ev.body.items.map(function (x) {
              return [String(x.seq), D.when(x.createdAt), x.action, x.source, decisionsText(x.decisionsAfter)];
            }),
          ),
        );
      });
    });
  }

  function decisionsText(d) {
    if (!d) return '';
    return Object.keys(d)
      .map(function (k) {
        return k + ' ' + (d[k] ? '✓' : '✗');
      })
      .join(', ');
  }

  /* ---------- Recent events ---------- */

  var events = { filters: {}, cursors: [null], page: 0 };

  function eventFilters(form) {
    var f = {};
    if (form.category.value.trim()) f.category = form.category.value.trim();
    if (form.action.value) f.action = form.action.value;
    if (form.source.value) f.source = form.source.value;
    if (form.from.value) f.from = form.from.value;
    // The form's "to" day is inclusive; the API's `to` is exclusive.
    if (form.to.value) f.to = utcDay(Date.parse(form.to.value + 'T00:00:00Z') + DAY_MS);
    return f;
  }

  function exportLinks() {
    ['csv', 'ndjson'].forEach(function (format) {
      var q = new URLSearchParams(events.filters);
      q.set('format', format);
      $('export-' + format).href = D.url('/admin/consent/events/export?' + q);
    });
  }

  function loadEvents() {
    var q = new URLSearchParams(events.filters);
    q.set('limit', events.limit);
    var cursor = events.cursors[events.page];
    if (cursor) q.set('cursor', cursor);
    var status = $('events-status');
    return D.api('GET', '/admin/consent/events?' + q).then(function (res) {
      setTimeout(markScrollers, 0);
      var out = $('events-out');
      out.textContent = '';
      if (res.status !== 200) {
        $('events-next').disabled = true;
        return D.say(status, D.errorText(res), false);
      }
      events.cursors[events.page + 1] = res.body.nextCursor;
      $('events-prev').disabled = events.page === 0;
      $('events-next').disabled = !res.body.nextCursor;
      var items = res.body.items;
      D.say(
        status,
        items.length === 0
          ? 'No event matches these filters.'
          : 'Page ' +
              (events.page + 1) +
              ': ' +
              items.length +
              ' event(s)' +
              (res.body.nextCursor ? ', older ones on the next page.' : '.'),
        true,
      );
      if (items.length === 0) return;
      out.appendChild(
        D.table(
          ['When', 'Subject', 'Action', 'Source', 'Decisions after'],
          items.map(function (x) {
            return [
              D.when(x.createdAt),
              x.subjectType + ' ' + x.subjectId,
              x.action,
              x.source,
              decisionsText(x.decisionsAfter),
            ];
          }),
        ),
      );
    });
  }

  /* ---------- Charts ---------- */

  function statsRange(days) {
    var to = Date.parse(utcDay(Date.now()) + 'T00:00:00Z') + DAY_MS;
    return { from: to - days * DAY_MS, to: to };
  }

  function rateChart(stats) {
    var cats = Object.keys(stats.byCategory).sort();
    var rowH = 30;
    var labelW = 150;
    var barW = 360;
    var h = Math.max(1, cats.length) * rowH + 10;
    var title = svg('title', {
      id: 'rate-title',
      text: 'Grant rate per category, ' + stats.from.slice(0, 10) + ' to ' + utcDay(Date.parse(stats.to) - 1),
    });
    var chart = svg(
      'svg',
      {
        viewBox: '0 0 ' + (labelW + barW + 70) + ' ' + h,
        role: 'img',
        'aria-labelledby': 'rate-caption',
        id: 'rate-chart',
        focusable: 'false',
      },
      [title],
    );
    cats.forEach(function (c, i) {
      var s = stats.byCategory[c];
      var y = i * rowH + 5;
      var rate = s.rate === null ? 0 : s.rate;
      chart.appendChild(
        svg('text', { x: labelW - 8, y: y + 19, 'text-anchor': 'end', fill: '#1a1a1a', 'font-size': '15', text: c }),
      );
      chart.appendChild(svg('rect', { x: labelW, y: y + 4, width: barW, height: rowH - 10, fill: '#e6e6e6' }));
      chart.appendChild(
        svg('rect', {
          x: labelW,
          y: y + 4,
          width: Math.round(rate * barW * 10) / 10,
          height: rowH - 10,
          fill: '#1b7f3b',
          'data-category': c,
          'data-rate': s.rate === null ? '' : String(s.rate),
        }),
      );
      chart.appendChild(
        svg('text', { x: labelW + barW + 6, y: y + 19, fill: '#1a1a1a', 'font-size': '15', text: pct(s.rate) }),
      );
    });
    return D.el('figure', { class: 'chart' }, [
      D.el('figcaption', { id: 'rate-caption', text: 'Grant rate per category' }),
      chart,
      captioned(
        'Grant rate per category (data)',
        ['Category', 'Granted', 'Refused', 'Grant rate'],
        cats.map(function (c) {
          var s = stats.byCategory[c];
          return [c, String(s.granted), String(s.refused), pct(s.rate)];
        }),
      ),
    ]);
  }

  function pct(rate) {
    return rate === null ? 'no decisions' : Math.round(rate * 1000) / 10 + '%';
  }

  function dayChart(stats, range) {
    var days = [];
    for (var t = range.from; t < range.to; t += DAY_MS) days.push(utcDay(t));
    var byDay = {};
    stats.byDay.forEach(function (d) {
      byDay[d.day] = d;
    });
    var max = Math.max.apply(
      null,
      [1].concat(
        stats.byDay.map(function (d) {
          return d.decisions;
        }),
      ),
    );
    var W = 600;
    var H = 220;
    var left = 40;
    var bottom = 24;
    var plotW = W - left - 10;
    var plotH = H - bottom - 10;
    var colW = plotW / days.length;
    var colors = { grant: '#1b7f3b', refuse: '#b00020', update: '#1f5fbf', withdraw: '#7a4a00' };
    var chart = svg(
      'svg',
      {
        viewBox: '0 0 ' + W + ' ' + H,
        role: 'img',
        'aria-labelledby': 'days-caption',
        id: 'days-chart',
        focusable: 'false',
      },
      [
        svg('title', { text: 'Decisions per day, stacked by action' }),
        svg('line', { x1: left, y1: 10 + plotH, x2: W - 10, y2: 10 + plotH, stroke: '#1a1a1a' }),
        svg('text', {
          x: left - 6,
          y: 16,
          'text-anchor': 'end',
          fill: '#1a1a1a',
          'font-size': '13',
          text: String(max),
        }),
        svg('text', {
          x: left - 6,
          y: 10 + plotH,
          'text-anchor': 'end',
          fill: '#1a1a1a',
          'font-size': '13',
          text: '0',
        }),
        svg('text', { x: left, y: H - 6, fill: '#1a1a1a', 'font-size': '13', text: days[0] }),
        svg('text', {
          x: W - 10,
          y: H - 6,
          'text-anchor': 'end',
          fill: '#1a1a1a',
          'font-size': '13',
          text: days[days.length - 1],
        }),
      ],
    );
    days.forEach(function (day, i) {
      var d = byDay[day];
      if (!d) return;
      var y = 10 + plotH;
      ACTIONS.forEach(function (a) {
        var n = (d.byAction && d.byAction[a]) || 0;
        if (!n) return;
        var h = (n / max) * plotH;
        y -= h;
        chart.appendChild(
          svg('rect', {
            x: left + i * colW + colW * 0.1,
            y: y,
            width: Math.max(colW * 0.8, 0.5),
            height: h,
            fill: colors[a],
            'data-day': day,
            'data-action': a,
            'data-count': String(n),
          }),
        );
      });
    });
    var legend = D.el(
      'ul',
      { class: 'legend', 'aria-hidden': 'true' },
      ACTIONS.map(function (a) {
        return D.el('li', {}, [D.el('span', { class: 'swatch sw-' + a }), a]);
      }),
    );
    return D.el('figure', { class: 'chart' }, [
      D.el('figcaption', { id: 'days-caption', text: 'Decisions per day, stacked by action' }),
      legend,
      chart,
      captioned(
        'Decisions per day (data; days without decisions are left out)',
        ['Day'].concat(ACTIONS).concat(['Total']),
        stats.byDay.map(function (d) {
          return [d.day]
            .concat(
              ACTIONS.map(function (a) {
                return String((d.byAction && d.byAction[a]) || 0);
              }),
            )
            .concat([String(d.decisions)]);
        }),
      ),
    ]);
  }

  function drawStats(days) {
    var range = statsRange(days);
    var q = new URLSearchParams({ from: new Date(range.from).toISOString(), to: new Date(range.to).toISOString() });
    var status = $('stats-status');
    return D.api('GET', '/admin/consent/stats?' + q).then(function (res) {
      var out = $('stats-out');
      out.textContent = '';
      if (res.status !== 200) return D.say(status, D.errorText(res), false);
      D.say(
        status,
        res.body.decisions + ' decision(s) from ' + utcDay(range.from) + ' to ' + utcDay(range.to - 1) + '.',
        true,
      );
      out.appendChild(rateChart(res.body));
      out.appendChild(dayChart(res.body, range));
      drawn();
    });
  }

  /* ---------- Verify every chain ---------- */

  function verifyAll() {
    var button = $('verify-all');
    var bar = $('verify-progress');
    var status = $('verify-status');
    var list = $('verify-broken');
    list.textContent = '';
    button.disabled = true;
    // Indeterminate until the first progress line, which carries the number of chains counted at the start.
    bar.removeAttribute('value');
    D.say(status, 'Verifying…', true);
    var done = null;
    var failed = null;
    function line(text) {
      if (!text.trim()) return;
      var l = JSON.parse(text);
      if (l.done) done = l;
      else if (l.error) failed = l.error;
      else if (l.chain)
        list.appendChild(
          D.el('li', {
            text:
              l.chain.subjectType +
              ' ' +
              l.chain.subjectId +
              ': broken at seq ' +
              l.chain.brokenAt +
              (l.chain.reason ? ' (' + l.chain.reason + ')' : ''),
          }),
        );
      else if (l.categories)
        list.appendChild(D.el('li', { text: l.categories.strayRows + ' category row(s) belong to no event' }));
      else if (typeof l.subjects === 'number') {
        bar.setAttribute('data-subjects', String(l.subjects));
        if (typeof l.total === 'number' && l.total > 0) {
          bar.max = l.total;
          bar.value = Math.min(l.subjects, l.total);
        }
        status.textContent =
          'Checked ' + l.subjects + (l.total ? ' of ' + l.total : '') + ' chain(s), ' + l.checked + ' event(s)…';
      }
    }
    return fetch(D.url('/admin/consent/verify'), {
      credentials: 'same-origin',
      headers: { Accept: 'application/x-ndjson' },
    })
      .then(function (res) {
        if (res.status !== 200) throw new Error('Verification failed (' + res.status + ').');
        var reader = res.body.getReader();
        var decoder = new window.TextDecoder();
        var rest = '';
        function pump() {
          return reader.read().then(function (chunk) {
            if (chunk.done) {
              line(rest);
              return;
            }
            var parts = (rest + decoder.decode(chunk.value, { stream: true })).split('\n');
            rest = parts.pop();
            parts.forEach(line);
            return pump();
          });
        }
        return pump();
      })
      .then(function () {
        if (failed || !done) throw new Error(failed || 'Verification stopped before the end.');
        bar.max = Math.max(done.subjects, 1);
        bar.value = bar.max;
        bar.setAttribute('data-subjects', String(done.subjects));
        D.say(
          status,
          done.ok
            ? 'Every chain verifies (' + done.subjects + ' chains, ' + done.checked + ' events).'
            : done.broken + ' broken chain(s) of ' + done.subjects + ' (' + done.checked + ' events checked).',
          done.ok,
        );
      })
      .catch(function (err) {
        bar.value = 0;
        D.say(status, err.message, false);
      })
      .then(function () {
        button.disabled = false;
      });
  }

  /* ---------- Wiring ---------- */

  document.addEventListener('DOMContentLoaded', function () {
    D.nav();
    window.addEventListener('resize', markScrollers);
    // Whatever view redraws, its scrolling boxes are marked again (attribute changes do not re-trigger this).
    new window.MutationObserver(markScrollers).observe(document.querySelector('main'), {
      childList: true,
      subtree: true,
    });
    var search = $('user-search');
    search.addEventListener('submit', function (e) {
      e.preventDefault();
      users.query = search.query.value.trim();
      searchUsers(false);
    });
    $('users-more').addEventListener('click', function () {
      searchUsers(true);
    });
    var byId = $('user-by-id');
    byId.addEventListener('submit', function (e) {
      e.preventDefault();
      openUser({ id: byId.userId.value.trim() });
    });
    $('revoke-user').addEventListener('click', function () {
      var u = users.current;
      D.api('DELETE', '/admin/users/' + encodeURIComponent(u.id) + '/sessions').then(function (res) {
        D.say($('user-status'), res.status === 204 ? 'Every session revoked.' : D.errorText(res), res.status === 204);
        return loadSessions();
      });
    });
    $('user-toggle').addEventListener('click', function () {
      var u = users.current;
      D.api('POST', '/admin/users/' + encodeURIComponent(u.id) + (u.disabled ? '/enable' : '/disable')).then(
        function (res) {
          if (res.status !== 200) return D.say($('user-status'), D.errorText(res), false);
          users.current = res.body;
          renderFacts();
          D.say(
            $('user-status'),
            res.body.disabled ? 'Account disabled; every session revoked.' : 'Account enabled.',
            true,
          );
          return loadSessions();
        },
      );
    });
    searchUsers(false);

    var filters = $('event-filters');
    filters.addEventListener('submit', function (e) {
      e.preventDefault();
      events.filters = eventFilters(filters);
      events.limit = filters.limit.value;
      events.cursors = [null];
      events.page = 0;
      exportLinks();
      loadEvents();
    });
    $('events-next').addEventListener('click', function () {
      events.page++;
      loadEvents();
    });
    $('events-prev').addEventListener('click', function () {
      events.page = Math.max(0, events.page - 1);
      loadEvents();
    });
    events.limit = filters.limit.value;
    loadEvents();

    var stats = $('stats');
    stats.addEventListener('submit', function (e) {
      e.preventDefault();
      drawStats(Number(stats.days.value));
    });
    drawStats(Number(stats.days.value));

    $('verify-all').addEventListener('click', verifyAll);
  });
})();
